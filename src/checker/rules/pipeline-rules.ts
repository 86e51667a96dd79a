/**
 * Rules whose findings come from the pipeline itself (parsing, schema validation, suppression
 * directives) rather than from a check over the Model. They carry metadata like any other rule so
 * `drc explain`, SARIF and severity configuration treat them the same.
 */
import type { RuleMeta } from '../rule.js';

export const syntaxRule: RuleMeta = {
  id: 'syntax',
  severity: 'error',
  description: 'The file is not valid YAML 1.2 (or is hostile: alias bombs, extreme nesting).',
  rationale:
    'drc reads policies as YAML 1.2. A syntax error stops the lint at the first error, because every later phase depends on a usable tree. ' +
    'Aliases may expand to at most 10,000 nodes and nesting is limited to 64 levels, so no input can exhaust memory or the stack.',
  sources: [{ title: 'YAML 1.2.2 specification', url: 'https://yaml.org/spec/1.2.2/' }],
  examples: { failing: 'services:\n  db: { kind: postgresql\n', passing: 'services:\n  db: { kind: postgresql }\n' },
};

export const schemaRule: RuleMeta = {
  id: 'schema',
  severity: 'error',
  description: 'The document does not match schemas/policy.schema.json (unknown or duplicate keys, wrong types, missing fields).',
  rationale:
    'The JSON Schema in schemas/policy.schema.json is the shape of the policy language. drc reports one diagnostic per real problem, at the offending node: ' +
    'unknown keys with a suggestion, duplicate keys at the second occurrence, and one message for a value that matches none of the allowed forms.',
  sources: [{ title: 'drc policy language v1', url: 'docs/schema.md' }],
  examples: {
    failing: 'services:\n  db:\n    kind: postgresql\n    teir: tier1   # unknown key: did you mean "tier"?\n',
    passing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1\n',
  },
};

export const unusedSuppressionRule: RuleMeta = {
  id: 'unused-suppression',
  severity: 'warning',
  description: 'A `# drc-ignore` directive that suppresses nothing (or names no rule).',
  rationale:
    'A stale suppression hides the next real finding on its line. Like ESLint\'s --report-unused-disable-directives, drc reports directives that match no finding.',
  sources: [{ title: 'ESLint: reportUnusedDisableDirectives', url: 'https://eslint.org/docs/latest/use/configure/rules#report-unused-eslint-disable-comments' }],
  examples: {
    failing: '    rpo: 1h   # drc-ignore rto-feasible -- nothing on this line fails rto-feasible\n',
    passing: '    schedule: daily   # drc-ignore rpo-feasible -- WAL archiving covers the RPO\n',
  },
};

export const suppressionWithoutReasonRule: RuleMeta = {
  id: 'suppression-without-reason',
  severity: 'warning',
  description: 'A `# drc-ignore` directive without a reason after `--`.',
  rationale: 'Auditors read suppressions: each one must say why the finding is accepted. The directive still suppresses; the missing reason is a warning.',
  sources: [{ title: 'drc suppressions', url: 'docs/suppressions.md' }],
  examples: {
    failing: '    schedule: daily   # drc-ignore rpo-feasible\n',
    passing: '    schedule: daily   # drc-ignore rpo-feasible -- WAL archiving covers the RPO\n',
  },
};

export const PIPELINE_RULES: RuleMeta[] = [syntaxRule, schemaRule, unusedSuppressionRule, suppressionWithoutReasonRule];
