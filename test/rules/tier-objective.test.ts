import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER is 21 lines (tier1: rto 4h, rpo 1h, retention 30d, restore_test monthly, dr_drill quarterly, min_regions 2, immutable). */
const svc = (body: string, header = BASE_HEADER) => `${header}services:\n  db:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n${body}`;

testRule('tier-objective', {
  valid: [
    { name: 'everything inherited', code: svc('') },
    { name: 'stricter on every field', code: svc('    rto: 1h\n    rpo: 15m\n    retention: 90d\n    restore_test: weekly\n    dr_drill: monthly\n    min_regions: 3\n    immutable: true\n') },
    { name: 'equal values written differently', code: svc('    rto: 240m\n    rpo: 3600s\n    retention: { keep: { daily: 30 } }\n    restore_test: every 31d\n') },
    {
      name: 'looser than defaults but the tier sets nothing: not this rule',
      code: svc('    rpo: 1d\n', BASE_HEADER.replace('tier1: {', 'tier0: { title: Bare }\n  tier1: {')).replace('tier: tier1', 'tier: tier0'),
    },
    { name: 'an unknown tier is skipped', code: svc('    rpo: 1d\n').replace('tier: tier1', 'tier: tier7') },
    { name: 'an invalid own value is reported by invalid-value only', code: svc('    rpo: 4 hours\n') },
  ],
  invalid: [
    {
      name: 'RPO looser than the tier',
      code: svc('    rpo: 4h\n'),
      errors: [{ line: 27, column: 10, path: '/services/db/rpo', message: "db: RPO 4h is looser than tier tier1's 1h" }],
    },
    {
      name: 'RTO looser, in other units',
      code: svc('    rto: 300m\n'),
      errors: [{ line: 27, column: 10, path: '/services/db/rto', message: "db: RTO 5h is looser than tier tier1's 4h" }],
    },
    {
      name: 'retention shorter (grandfather-father-son counts)',
      code: svc('    retention:\n      keep: { daily: 7, weekly: 2 }\n'),
      errors: [{ line: 28, path: '/services/db/retention', message: "db: retention 2w is shorter than tier tier1's 30d" }],
    },
    {
      name: 'restore tests and DR drills rarer',
      code: svc('    restore_test: quarterly\n    dr_drill: yearly\n'),
      errors: [
        { line: 27, column: 19, path: '/services/db/restore_test', message: "db: restore tests every quarter (92d) are rarer than tier tier1's every month (31d)" },
        { line: 28, column: 15, path: '/services/db/dr_drill', message: "db: DR drills every year (366d) are rarer than tier tier1's every quarter (92d)" },
      ],
    },
    {
      name: 'min_regions fewer and immutable off',
      code: svc('    min_regions: 1\n    immutable: false\n'),
      errors: [
        { line: 27, column: 18, path: '/services/db/min_regions', message: "db: min_regions 1 is fewer than tier tier1's 2" },
        { line: 28, column: 16, path: '/services/db/immutable', message: "db: immutable false is looser than tier tier1's immutable true" },
      ],
    },
  ],
});
