/** `drc rules` and `drc explain`: the catalogue as text, from each rule's own metadata. */
import { resolve } from 'node:path';
import type { RuleMeta } from '../checker/rule.js';
import { BUILTIN_RULES, PIPELINE_RULES } from '../checker/rules/index.js';
import { readPolicy, UsageError, type Io } from './io.js';
import { suggest } from '../model/suggest.js';
import { compileRuleList, invalidRuleMeta } from '../checker/custom-rules.js';
import { loadYaml } from '../parser/load.js';
import { DIFF_RULES } from '../diff/rules.js';
import { VERIFY_RULES } from '../verify/rules.js';

export function allRuleMetas(extra: RuleMeta[] = []): RuleMeta[] {
  return [...PIPELINE_RULES, ...BUILTIN_RULES.map((r) => r.meta), invalidRuleMeta, ...DIFF_RULES, ...VERIFY_RULES, ...extra];
}

// --- custom rules for `drc explain <id> [FILE]` ---
/** Metadata of the custom rules (`rules:`) of a policy text; rules that do not compile are left out. */
export function customRuleMetas(text: string, file: string): RuleMeta[] {
  const loaded = loadYaml(text, file);
  if (loaded.fatal || loaded.data === null || typeof loaded.data !== 'object' || Array.isArray(loaded.data)) return [];
  const entries = (loaded.data as Record<string, unknown>).rules;
  if (!Array.isArray(entries)) return [];
  return compileRuleList(entries, file, loaded.source, { validateShape: false }).rules.map((r) => r.meta);
}

/**
 * The custom rules `drc explain` should know about: those of FILE when given (an unreadable FILE is
 * a usage error), else of drc.yaml in the working directory when it exists; only read when the id
 * is not a built-in rule.
 */
export function explainExtraMetas(io: Io, id: string, file?: string): RuleMeta[] {
  if (file === undefined && allRuleMetas().some((m) => m.id === id)) return [];
  if (file !== undefined) return customRuleMetas(readPolicy(io, file), file);
  let text: string;
  try {
    text = io.readFile(resolve(io.cwd, 'drc.yaml'));
  } catch {
    return [];
  }
  return customRuleMetas(text, 'drc.yaml');
}
// --- end custom rules ---

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
