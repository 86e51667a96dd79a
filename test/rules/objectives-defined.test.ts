import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER plus tier0 (no objectives): 22 lines; `db:` is line 24, its first field line 25. */
const HEADER = BASE_HEADER + '  tier0: { title: Bare, retention: 7d }\n';
const svc = (body: string, header = HEADER) => `${header}services:\n  db:\n    kind: files\n    paths: [/srv]\n${body}`;

testRule('objectives-defined', {
  valid: [
    { name: 'both from the tier', code: svc('    tier: tier1\n') },
    { name: 'both on the service', code: svc('    tier: tier0\n    rto: 2h\n    rpo: 30m\n') },
    { name: 'both from defaults', code: svc('    tier: tier0\n', HEADER + 'defaults:\n  rto: 1d\n  rpo: 1d\n') },
    { name: 'no tier, from defaults', code: svc('', HEADER + 'defaults:\n  rto: 1d\n  rpo: 1d\n') },
    { name: 'an unknown tier is not a missing objective (no cascade)', code: svc('    tier: tier9\n') },
    { name: 'invalid values are reported by invalid-value only', code: svc('    tier: tier0\n    rto: 2 hours\n    rpo: 30\n') },
  ],
  invalid: [
    {
      name: 'neither RTO nor RPO: two findings at the service',
      code: svc('    tier: tier0\n'),
      errors: [
        // same position: sorted by message
        { line: 24, column: 3, path: '/services/db/rpo', message: 'db: no RPO is defined' },
        { line: 24, column: 3, path: '/services/db/rto', message: 'db: no RTO is defined' },
      ],
    },
    {
      name: 'RPO set, RTO missing',
      code: svc('    tier: tier0\n    rpo: 1h\n'),
      errors: [{ line: 24, column: 3, path: '/services/db/rto', message: 'db: no RTO is defined (not on the service, its tier or defaults)' }],
    },
    {
      name: 'no tier and no defaults',
      code: svc('    rto: 1h\n'),
      errors: [{ line: 24, column: 3, path: '/services/db/rpo', message: 'db: no RPO is defined' }],
    },
    {
      name: 'defaults give the RTO only',
      code: svc('    tier: tier0\n', HEADER + 'defaults:\n  rto: 1d\n'),
      errors: [{ line: 26, path: '/services/db/rpo', message: 'db: no RPO is defined' }],
    },
  ],
});
