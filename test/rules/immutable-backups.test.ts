import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER: storage `backups` has object_lock (line 19); tier1 (line 21) has immutable: true.
const NO_LOCK = BASE_HEADER.replace('    object_lock: { mode: compliance, days: 30 }\n', '');
const GOVERNANCE = BASE_HEADER.replace('mode: compliance', 'mode: governance');
/** A second, lock-less storage target `archive` (lines 19-22 of NO_LOCK_TWO). */
const NO_LOCK_TWO = NO_LOCK.replace('tiers:\n', '  archive:\n    type: s3\n    bucket: test-archive-use1\n    region: us-east-1\ntiers:\n');
const TIER2 = 'tiers:\n  tier2: { title: Important, rto: 4h, rpo: 1h, retention: 30d, restore_test: monthly }\n';

const svc = (name: string, body: string) => `  ${name}:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n${body}`;
const services = (...list: string[]) => `services:\n${list.join('')}`;

// In NO_LOCK, tier1 is on line 20; `immutable: true` at column 134.
testRule('immutable-backups', {
  valid: [
    { name: 'compliance-mode object lock', code: BASE_HEADER + services(svc('db', '    tier: tier1\n')) },
    { name: 'governance-mode object lock', code: GOVERNANCE + services(svc('db', '    tier: tier1\n')) },
    { name: 'not immutable', code: NO_LOCK.replace(', immutable: true', '') + services(svc('db', '    tier: tier1\n')) },
    {
      name: 'a service that opts out is tier-objective\'s business',
      code: NO_LOCK + services(svc('db', '    tier: tier1\n    immutable: false\n')),
    },
    {
      name: 'an object_lock the schema rejects: no cascade',
      code: BASE_HEADER.replace('mode: compliance', 'mode: strict') + services(svc('db', '    tier: tier1\n')),
    },
    { name: 'unknown storage: no cascade', code: NO_LOCK + services(svc('db', '    tier: tier1\n    storage: nowhere\n')) },
    { name: 'unknown tier: no cascade', code: NO_LOCK + services(svc('db', '    tier: tier9\n')) },
  ],
  invalid: [
    {
      name: 'tier1 immutable, storage without lock',
      code: NO_LOCK + services(svc('db', '    tier: tier1\n'), svc('web', '    tier: tier1\n')),
      errors: [{ line: 20, column: 134, path: '/tiers/tier1/immutable', severity: 'error', message: 'tier1: immutable, but storage "backups" (used by db, web) has no object lock' }],
    },
    {
      name: 'one finding per (tier, storage), long lists shortened',
      code:
        NO_LOCK_TWO +
        services(
          svc('a', '    tier: tier1\n    storage: backups\n'),
          svc('b', '    tier: tier1\n    storage: backups\n'),
          svc('c', '    tier: tier1\n    storage: archive\n'),
          svc('d', '    tier: tier1\n    storage: backups\n'),
          svc('e', '    tier: tier1\n    storage: backups\n'),
        ),
      errors: [
        // Same position: sorted by message.
        { line: 24, path: '/tiers/tier1/immutable', message: 'storage "archive" (used by c) has no object lock' },
        { line: 24, path: '/tiers/tier1/immutable', message: 'storage "backups" (used by a, b, d and 1 more) has no object lock' },
      ],
    },
    {
      name: 'a service\'s own immutable',
      code: NO_LOCK.replace(/tiers:\n.*\n/, TIER2) + services(svc('db', '    tier: tier2\n    immutable: true\n')),
      errors: [{ line: 28, column: 16, path: '/services/db/immutable', message: 'db: immutable, but storage "backups" has no object lock' }],
    },
    {
      name: 'immutable from defaults: at the service',
      code: NO_LOCK.replace(/tiers:\n.*\n/, TIER2) + 'defaults:\n  immutable: true\n' + services(svc('db', '    tier: tier2\n')),
      errors: [{ line: 24, column: 3, path: '/services/db/immutable', message: 'db: immutable' }],
    },
    {
      name: 'tier and service both say so: reported once, at the service',
      code: NO_LOCK + services(svc('db', '    tier: tier1\n    immutable: true\n')),
      errors: [{ line: 28, path: '/services/db/immutable', message: 'db: immutable, but storage "backups" has no object lock' }],
    },
  ],
});
