/**
 * policy-language.md §7, `schema`: "one diagnostic per real problem, at the offending node; no cascades".
 * Each case is a clean policy with one mistake, and the exact diagnostics lint gives for it.
 */
import { describe, expect, it } from 'vitest';
import { cascadeFilter, partOf } from '../../src/checker/cascades.js';
import { lintText } from '../../src/checker/index.js';
import { BASE_HEADER } from '../rules/rule-tester.js';

const SERVICE = '  db:\n    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup }\n    tier: tier1\n    owner: dba\n    schedule: every 30m\n    storage: backups\n    data_size: 10GiB\n    restore_rate: 1GiB/s\n';
const CLEAN = `${BASE_HEADER}services:\n${SERVICE}`;

function diagnostics(text: string): string[] {
  return lintText(text, 'p.yaml').diagnostics.map((d) => `${d.rule} ${d.path} ${d.line}:${d.column}`);
}

describe('no cascades from a schema problem', () => {
  it('the clean policy has no findings (so every finding below comes from its one mistake)', () => {
    expect(diagnostics(CLEAN)).toEqual([]);
  });

  const cases: { name: string; text: string; expected: string[] }[] = [
    {
      name: 'a misspelt tier key: no objectives-defined, restore-test or drill findings for the tierless service',
      text: CLEAN.replace('    tier: tier1\n', '    teir: tier1\n'),
      expected: ['schema /services/db/teir 26:5'],
    },
    {
      name: 'a misspelt schedule key: no schedule-required',
      text: CLEAN.replace('    schedule: every 30m\n', '    schedul: every 30m\n'),
      expected: ['schema /services/db/schedul 28:5'],
    },
    {
      name: 'a service that is not a mapping',
      text: `${BASE_HEADER}services:\n  db: 5\n`,
      expected: ['schema /services/db 23:7'],
    },
    {
      name: 'a misspelt key in the tier: its services report nothing that follows from it',
      text: CLEAN.replace('rpo: 1h,', 'rpoo: 1h,'),
      expected: ['schema /tiers/tier1/rpoo 21:38'],
    },
    {
      name: 'an unknown framework: no retention-compliance from it',
      text: `${CLEAN}compliance:\n  frameworks: [pci]\n`,
      expected: ['schema /compliance/frameworks/0 33:16'],
    },
    {
      name: 'aws:kms without kms_key at policy level: the schema once, not encryption-required too',
      text: CLEAN.replace('  kms_key: alias/backup\n', ''),
      expected: ['schema /encryption 8:3'],
    },
    {
      name: 'a bare number where a duration belongs: invalid-value with the grammar\'s message, not a type error as well',
      text: CLEAN.replace('rpo: 1h,', 'rpo: 15,'),
      expected: ['invalid-value /tiers/tier1/rpo 21:43'],
    },
    {
      name: 'problems of their own are still reported beside a schema problem: an invalid value in the same service',
      text: CLEAN.replace('    tier: tier1\n', '    teir: tier1\n').replace('schedule: every 30m', 'schedule: every 30 minutes'),
      expected: ['schema /services/db/teir 26:5', 'invalid-value /services/db/schedule 28:24'],
    },
    {
      name: 'a schema problem at the root (no version) breaks nothing: other findings stay',
      text: CLEAN.replace('version: 1\n', '').replace('schedule: every 30m', 'schedule: daily'),
      expected: ['schema  1:1', 'rpo-feasible /services/db/rpo 22:3'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(diagnostics(c.text).sort()).toEqual([...c.expected].sort());
    });
  }

  it('a bare number gets the message the spec gives for it (§2)', () => {
    const [d] = lintText(CLEAN.replace('rpo: 1h,', 'rpo: 15,'), 'p.yaml').diagnostics;
    expect(d?.message).toBe('expected a unit (s, m, h, d, w, y) after "15"');
  });
});

describe('cascadeFilter', () => {
  it('names the part of the policy a pointer is in', () => {
    expect(partOf('/services/db/rpo')).toBe('/services/db');
    expect(partOf('/services/db')).toBe('/services/db');
    expect(partOf('/encryption/client_side/method')).toBe('/encryption');
    expect(partOf('')).toBe('');
  });

  it('is null when the schema found nothing, or only at the root', () => {
    expect(cascadeFilter([], null)).toBeNull();
    expect(cascadeFilter([''], null)).toBeNull();
  });

  it('never drops invalid values, unknown references or secrets', () => {
    const drop = cascadeFilter(['/services/db/teir'], null)!;
    expect(drop('objectives-defined', '/services/db/rto')).toBe(true);
    expect(drop('invalid-value', '/services/db/rto')).toBe(false);
    expect(drop('unknown-reference', '/services/db/storage')).toBe(false);
    expect(drop('plaintext-secret', '/services/db/postgresql/password')).toBe(false);
    expect(drop('objectives-defined', '/services/web/rto')).toBe(false);
  });
});
