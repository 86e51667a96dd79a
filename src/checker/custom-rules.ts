/**
 * Custom rules (policy-language.md §8): each `rules:` entry (or rule-file entry) becomes a Rule
 * with its own id, severity and message. Every expression is compiled and type-checked before any
 * service is evaluated; a rule with an error is reported (rule `invalid-rule`, at the column inside
 * the YAML string) and does not run, so there are no cascades.
 */
import { stringify } from 'yaml';
import { pointer } from '../diagnostics.js';
import type { Severity } from '../diagnostics.js';
import { compileExpression, type CompiledExpression } from '../expr/index.js';
import type { Policy } from '../model/types.js';
import type { SourceIndex, Span } from '../parser/source.js';
import type { Finding, Rule, RuleMeta } from './rule.js';

export const invalidRuleMeta: RuleMeta = {
  id: 'invalid-rule',
  severity: 'error',
  description: 'A custom rule whose expression does not parse or type-check, names an unknown field, or whose entry is malformed.',
  rationale:
    'Custom rules (`rules:` in the policy, or rule files named in `.drc.yaml`) are compiled and type-checked before any service is evaluated. ' +
    'A syntax error, a type error (durations compare with durations, sizes with sizes, numbers with numbers) or an unknown field is reported at the ' +
    'exact line and column inside the YAML string, with a "did you mean" for misspelt fields. A rule with an error does not run, so one mistake ' +
    'gives one diagnostic rather than one per service. See docs/custom-rules.md for the language.',
  sources: [
    { title: 'drc policy language §8: custom rules', url: 'docs/policy-language.md#8-custom-rules' },
    { title: 'drc custom rules: language, fields and types', url: 'docs/custom-rules.md' },
  ],
  examples: {
    failing:
      'rules:\n  - id: acme/pci-retention\n    where: \'labels.pci == "true"\'\n    assert: \'retention >= 365\'   # a duration compared with a number\n    message: PCI services keep a year of backups\n',
    passing:
      'rules:\n  - id: acme/pci-retention\n    where: \'labels.pci == "true"\'\n    assert: \'retention >= 365d\'\n    message: PCI services keep a year of backups\n',
  },
};

/** A problem with a custom rule: `path` is a JSON pointer into the file that holds the rule. */
export interface RuleCompileFinding extends Finding {
  /** The file the rule came from. */
  file: string;
  /** The absolute source span, when a SourceIndex for that file was given. */
  span?: Span;
}

export interface CompiledRules {
  rules: Rule[];
  findings: RuleCompileFinding[];
}

export interface CompileRuleListOptions {
  /** JSON pointer of the list in its file (default `/rules`; use `` for a file that is a bare list). */
  basePointer?: string;
  /**
   * Report malformed entries (not a mapping, missing or non-string id/assert/message, id without a
   * slash, bad severity) as invalid-rule. Off for the policy's own `rules:`, which the schema checks.
   */
  validateShape?: boolean;
  /** Ids already taken (e.g. by rules compiled from another file), reported as duplicates. */
  takenIds?: Set<string>;
}

const SEVERITIES = new Set<Severity>(['error', 'warning', 'info']);

/** The policy's own `rules:`; the schema has already reported malformed entries. */
export function compileCustomRules(policy: Policy): CompiledRules {
  return compileRuleList(policy.customRules, policy.file, policy.source, { basePointer: '/rules', validateShape: false });
}

/**
 * Compiles a list of rule entries as written (from a policy or a rule file). Every expression is
 * compiled before this returns; the returned rules evaluate precompiled closures per service.
 */
export function compileRuleList(
  entries: unknown[],
  file: string,
  source?: SourceIndex | null,
  options: CompileRuleListOptions = {},
): CompiledRules {
  const base = options.basePointer ?? '/rules';
  const validateShape = options.validateShape ?? true;
  const rules: Rule[] = [];
  const findings: RuleCompileFinding[] = [];
  const seen = new Map<string, number>();
  const taken = options.takenIds ?? new Set<string>();
  const at = (i: number, ...rest: string[]) => `${base}${pointer(i, ...rest)}`;
  const report = (finding: Finding) => {
    const out: RuleCompileFinding = { ...finding, file };
    if (source) {
      out.span = finding.inner ? source.innerSpan(finding.path, finding.inner.offset, finding.inner.length) : source.span(finding.path, finding.atKey);
    }
    findings.push(out);
  };

  entries.forEach((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      if (validateShape) report({ path: at(i), message: `rules[${i}] must be a mapping with id, assert and message` });
      return;
    }
    const e = entry as Record<string, unknown>;
    const id = e.id;
    if (typeof id !== 'string' || !id.includes('/')) {
      if (validateShape) {
        report(
          typeof id === 'string'
            ? { path: at(i, 'id'), message: `custom rule id "${id}" must contain a slash (e.g. acme/${id || 'rule'}), so it never collides with a built-in rule` }
            : { path: at(i), message: `rules[${i}] needs an id (e.g. acme/pci-kms)` },
        );
      }
      return;
    }
    let shapeOk = true;
    for (const key of ['assert', 'message'] as const) {
      if (typeof e[key] !== 'string') {
        shapeOk = false;
        if (validateShape) report({ path: e[key] === undefined ? at(i) : at(i, key), message: `${id}: ${key} ${e[key] === undefined ? 'is missing' : 'must be a string'}` });
      }
    }
    for (const key of ['where', 'description'] as const) {
      if (e[key] !== undefined && typeof e[key] !== 'string') {
        shapeOk = false;
        if (validateShape) report({ path: at(i, key), message: `${id}: ${key} must be a string` });
      }
    }
    const severity = e.severity ?? 'error';
    if (!SEVERITIES.has(severity as Severity)) {
      shapeOk = false;
      if (validateShape) report({ path: at(i, 'severity'), message: `${id}: severity must be error, warning or info` });
    }
    if (seen.has(id) || taken.has(id)) {
      report({
        path: at(i, 'id'),
        message: seen.has(id) ? `duplicate custom rule id "${id}" (also rules[${seen.get(id)}]); ids must be unique` : `custom rule id "${id}" is already defined`,
      });
      return;
    }
    seen.set(id, i);
    if (!shapeOk) return;

    const compiled: Partial<Record<'where' | 'assert', CompiledExpression>> = {};
    let ok = true;
    for (const role of ['where', 'assert'] as const) {
      const text = e[role];
      if (typeof text !== 'string') continue;
      const result = compileExpression(text, role);
      if (result.ok) {
        compiled[role] = result.expr;
        continue;
      }
      ok = false;
      for (const error of result.errors) {
        report({
          path: at(i, role),
          message: `${id}: invalid ${role} expression: ${error.message}`,
          inner: { offset: error.offset, length: error.length },
        });
      }
    }
    if (!ok || !compiled.assert) return;
    rules.push(makeRule(
      {
        id,
        severity: severity as Severity,
        where: compiled.where ?? null,
        assert: compiled.assert,
        message: e.message as string,
        description: typeof e.description === 'string' ? e.description : null,
      },
      `${file}#${at(i)}`,
    ));
  });
  return { rules, findings };
}

interface RuleSpec {
  id: string;
  severity: Severity;
  where: CompiledExpression | null;
  assert: CompiledExpression;
  message: string;
  description: string | null;
}

function makeRule(spec: RuleSpec, origin: string): Rule {
  const { id, where, assert, message } = spec;
  const definition = stringify(
    [{ id, severity: spec.severity, ...(where ? { where: where.text } : {}), assert: assert.text, message }],
    { lineWidth: 0 },
  ).replace(/^/gm, '  ');
  const condition = where ? `for every service where \`${where.text}\`` : 'for every service';
  const meta: RuleMeta = {
    id,
    severity: spec.severity,
    description: spec.description ?? message,
    rationale:
      `A custom rule from the policy (${origin}), not a built-in one: ${condition}, \`${assert.text}\` must hold; ` +
      `a service for which it does not is reported as "<service>: ${message}". ` +
      'Absent values are null: an ordering comparison with null is false, and null counts as false in a condition (docs/custom-rules.md).',
    sources: [{ title: 'policy rule', url: origin }],
    examples: {
      failing: `# fails: a service${where ? ` where ${where.text}` : ''} for which this is false: ${assert.text}\nrules:\n${definition}`,
      passing: `# passes: every service${where ? ` where ${where.text}` : ''} satisfies: ${assert.text}\nrules:\n${definition}`,
    },
  };
  const dependsOn = [...new Set([...(where?.dependsOn ?? []), ...assert.dependsOn])];
  const hint = `custom rule ${id}: ${condition}, \`${assert.text}\` must hold`;
  const whereTest = where ? where.evaluate : null;
  const assertTest = assert.evaluate;
  return {
    meta,
    check(policy, report) {
      for (const service of policy.services) {
        // A field that could not be determined (invalid value, unknown tier or storage) is already
        // reported; evaluating the rule on it would only add a cascade.
        if (service.unknown.size > 0 && dependsOn.some((key) => service.unknown.has(key))) continue;
        if (whereTest !== null && whereTest(service) !== true) continue;
        if (assertTest(service) === true) continue;
        report({ path: pointer('services', service.name), atKey: true, message: `${service.name}: ${message}`, hint });
      }
    },
  };
}
