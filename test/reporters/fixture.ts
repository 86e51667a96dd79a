/** One hand-built set of diagnostics used by every reporter test. */
import type { RuleMeta } from '../../src/checker/rule.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import { docsLink, sortDiagnostics } from '../../src/diagnostics.js';
import type { ReportInput } from '../../src/reporters/types.js';

export const DR_YAML = `version: 1
tiers:
  gold:
    rpo: 1h
services:
  production-db:
    tier: gold
    rpo: 1h
    backup:
      schedule: "every 6h"
      target: s3-main
storage:
  s3-main:
    kind: s3
    encryption: none
`;

/** Awkward path on purpose: a space and a comma exercise URI encoding and property escaping. */
export const EDGE_FILE = 'policies/team a/edge,case.yaml';
export const EDGE_YAML = `services:
\tweird: "<tag> & 'quote'"
  broken: [1, 2
`;

/** Range of the first `needle` on 1-based `line`: 1-based column, exclusive end column. */
function at(text: string, line: number, needle: string): Pick<Diagnostic, 'line' | 'column' | 'endLine' | 'endColumn'> {
  const src = text.split('\n')[line - 1]!;
  const i = src.indexOf(needle);
  if (i < 0) throw new Error(`fixture: ${needle} not on line ${line}`);
  return { line, column: i + 1, endLine: line, endColumn: i + 1 + needle.length };
}

export const RULES: RuleMeta[] = [
  {
    id: 'backup-frequency-rpo',
    severity: 'error',
    description: 'Backups must run at least as often as the RPO allows.',
    rationale: 'Data written since the last backup is lost on restore, so the backup interval bounds the achievable RPO.\n\nA 6h schedule can lose up to 6h of writes.',
    sources: [{ title: 'AWS Backup: backup frequency', url: 'https://docs.aws.amazon.com/aws-backup/latest/devguide/creating-a-backup-plan.html' }],
    examples: { failing: 'rpo: 1h\nbackup:\n  schedule: every 6h\n', passing: 'rpo: 6h\nbackup:\n  schedule: every 6h\n' },
  },
  {
    id: 'storage-encryption',
    severity: 'warning',
    description: 'Backup storage should be encrypted at rest.',
    rationale: 'Unencrypted backups leak every row they contain to anyone who can read the bucket.',
    sources: [],
    examples: { failing: 'encryption: none\n', passing: 'encryption: sse-kms\n' },
  },
  {
    id: 'rpo-repeats-tier',
    severity: 'info',
    description: 'A service repeats the RPO its tier already sets.',
    rationale: '',
    sources: [],
    examples: { failing: '', passing: '' },
  },
  {
    id: 'tier-unused',
    severity: 'warning',
    description: 'A tier no service uses.',
    rationale: 'Dead tiers confuse readers.',
    sources: [],
    examples: { failing: '', passing: '' },
  },
  {
    id: 'never-fires',
    severity: 'error',
    description: 'A rule with no findings still appears in SARIF rules[].',
    rationale: '',
    sources: [],
    examples: { failing: '', passing: '' },
  },
];

const unsorted: Diagnostic[] = [
  {
    rule: 'backup-frequency-rpo',
    severity: 'error',
    message: 'production-db: backups every 6h cannot meet RPO 1h',
    file: 'policies/dr.yaml',
    ...at(DR_YAML, 10, '"every 6h"'),
    path: '/services/production-db/backup/schedule',
    hint: 'schedule backups at least every 1h, or relax rpo to 6h',
    docs: docsLink('backup-frequency-rpo'),
  },
  {
    rule: 'storage-encryption',
    severity: 'warning',
    // `%`, `:`, `,` and a newline: the characters every escaping scheme has to handle.
    message: 's3-main: encryption is none, so 100% of backups are readable:\nanyone with bucket access can read them',
    file: 'policies/dr.yaml',
    ...at(DR_YAML, 15, 'none'),
    path: '/storage/s3-main/encryption',
    hint: 'set encryption: sse-kms',
    docs: docsLink('storage-encryption'),
  },
  {
    rule: 'rpo-repeats-tier',
    severity: 'info',
    message: "production-db: rpo 1h repeats tier gold's rpo",
    file: 'policies/dr.yaml',
    ...at(DR_YAML, 8, '1h'),
    path: '/services/production-db/rpo',
  },
  {
    rule: 'tier-unused',
    severity: 'warning',
    message: 'tier gold is used by no service',
    file: 'policies/dr.yaml',
    ...at(DR_YAML, 3, 'gold'),
    path: '/tiers/gold',
    suppressed: { reason: 'legacy tier, ticket OPS-12' },
  },
  {
    // Not in RULES (like a parse error): reporters must still cope. Spans two lines.
    rule: 'parse-error',
    severity: 'error',
    message: `unexpected end of flow sequence after "<tag> & 'quote'"`,
    file: EDGE_FILE,
    line: 3,
    column: 11,
    endLine: 4,
    endColumn: 1,
    path: '/services/broken',
  },
];

export const DIAGNOSTICS = sortDiagnostics(unsorted);

export function fixtureInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    diagnostics: DIAGNOSTICS,
    rules: RULES,
    sources: new Map([
      ['policies/dr.yaml', DR_YAML],
      [EDGE_FILE, EDGE_YAML],
      ['policies/clean.yaml', 'version: 1\n'],
    ]),
    toolVersion: '0.1.0',
    color: false,
    ...overrides,
  };
}

export function cleanInput(): ReportInput {
  return fixtureInput({ diagnostics: [] });
}
