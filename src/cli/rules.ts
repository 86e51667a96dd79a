/** `drc rules` and `drc explain`: the catalogue as text, from each rule's own metadata. */
import type { RuleMeta } from '../checker/rule.js';
import { BUILTIN_RULES, PIPELINE_RULES } from '../checker/rules/index.js';
import { UsageError } from './io.js';
import { suggest } from '../model/suggest.js';

export function allRuleMetas(extra: RuleMeta[] = []): RuleMeta[] {
  return [...PIPELINE_RULES, ...BUILTIN_RULES.map((r) => r.meta), ...extra];
}

export function listRules(extra: RuleMeta[] = []): string {
  const metas = allRuleMetas(extra);
  const width = Math.max(...metas.map((m) => m.id.length));
  return metas.map((m) => `${m.id.padEnd(width)}  ${m.severity.padEnd(7)}  ${m.description}`).join('\n') + '\n';
}

export function explainRule(id: string, extra: RuleMeta[] = []): string {
  const metas = allRuleMetas(extra);
  const meta = metas.find((m) => m.id === id);
  if (!meta) {
    const guess = suggest(id, metas.map((m) => m.id));
    throw new UsageError(`no rule "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}; \`drc rules\` lists them`);
  }
  return ruleMarkdown(meta);
}

/** The rule's page: `drc explain` prints it and docs/rules/<id>.md is generated from it. */
export function ruleMarkdown(meta: RuleMeta): string {
  const sources = meta.sources.map((s) => `- ${s.title}: ${s.url}`).join('\n');
  return [
    `# ${meta.id}`,
    '',
    `Default severity: **${meta.severity}**`,
    '',
    meta.description,
    '',
    '## Why',
    '',
    meta.rationale,
    '',
    '## Sources',
    '',
    sources || '- (none)',
    '',
    '## Fails',
    '',
    '```yaml',
    meta.examples.failing.trimEnd(),
    '```',
    '',
    '## Passes',
    '',
    '```yaml',
    meta.examples.passing.trimEnd(),
    '```',
    '',
    '## Configure',
    '',
    'Change the severity in `.drc.yaml` (`rules: { ' + meta.id + ': warning }`, or `off`), or suppress one finding with',
    '`# drc-ignore ' + meta.id + ' -- <reason>` on the line before it or at the end of its line.',
    '',
  ].join('\n');
}
