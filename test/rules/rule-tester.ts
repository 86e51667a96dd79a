/**
 * ESLint-style RuleTester: each valid case must produce no finding of the rule; each invalid case
 * exactly the listed findings, with their line, column and JSON pointer.
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import type { Diagnostic } from '../../src/diagnostics.js';

export interface ExpectedFinding {
  line: number;
  column?: number;
  path: string;
  /** A fragment the message must contain. */
  message?: string | RegExp;
  severity?: Diagnostic['severity'];
}

export interface RuleCases {
  valid: (string | { name: string; code: string })[];
  invalid: { name: string; code: string; errors: ExpectedFinding[] }[];
}

export function findingsOf(ruleId: string, code: string): Diagnostic[] {
  return lintText(code, 'drc.yaml').diagnostics.filter((d) => d.rule === ruleId);
}

export function testRule(ruleId: string, cases: RuleCases): void {
  describe(ruleId, () => {
    cases.valid.forEach((c, i) => {
      const { name, code } = typeof c === 'string' ? { name: `valid #${i + 1}`, code: c } : c;
      it(`valid: ${name}`, () => {
        expect(findingsOf(ruleId, code)).toEqual([]);
      });
    });
    for (const c of cases.invalid) {
      it(`invalid: ${c.name}`, () => {
        const found = findingsOf(ruleId, c.code);
        expect(found.map((d) => ({ line: d.line, path: d.path }))).toEqual(c.errors.map((e) => ({ line: e.line, path: e.path })));
        c.errors.forEach((e, i) => {
          const d = found[i]!;
          if (e.column !== undefined) expect(d.column, `column of finding ${i + 1}`).toBe(e.column);
          if (e.message !== undefined) {
            if (typeof e.message === 'string') expect(d.message).toContain(e.message);
            else expect(d.message).toMatch(e.message);
          }
          if (e.severity !== undefined) expect(d.severity).toBe(e.severity);
        });
      });
    }
  });
}

/** A small policy that lints clean; cases override parts of it. */
export const BASE_HEADER = `version: 1
name: test-policy
owner: sre@example.com
regions:
  primary: us-east-1
  secondary: [us-west-2]
encryption:
  at_rest: aws:kms
  kms_key: alias/backup
  replica_kms_keys: { us-west-2: alias/backup-usw2 }
  client_side: { method: age, recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }
storage:
  backups:
    type: s3
    bucket: test-backups-use1
    region: us-east-1
    replicas:
      - { bucket: test-backups-usw2, region: us-west-2 }
    object_lock: { mode: compliance, days: 30 }
tiers:
  tier1: { title: Critical, rto: 4h, rpo: 1h, retention: 30d, restore_test: monthly, dr_drill: quarterly, min_regions: 2, immutable: true }
`;
