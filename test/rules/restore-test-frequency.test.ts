import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER plus tier2 (quarterly restore tests) and tier0 (none): 23 lines; `db:` is line 25, its first field line 26. */
const HEADER =
  BASE_HEADER +
  '  tier2: { title: Standard, rto: 8h, rpo: 24h, retention: 7d, restore_test: quarterly }\n' +
  '  tier0: { title: Bare, rto: 8h, rpo: 24h, retention: 7d }\n';
const SOC2 = HEADER + 'compliance:\n  frameworks: [soc2]\n';
const svc = (body: string, header = HEADER) => `${header}services:\n  db:\n    kind: files\n    paths: [/srv]\n${body}`;

testRule('restore-test-frequency', {
  valid: [
    { name: 'production, monthly from the tier', code: svc('    tier: tier1\n') },
    { name: 'production, weekly on the service', code: svc('    tier: tier2\n    restore_test: weekly\n') },
    { name: 'production, every 31d is monthly', code: svc('    tier: tier2\n    restore_test: every 31d\n') },
    { name: 'staging, quarterly', code: svc('    tier: tier2\n    environment: staging\n') },
    { name: 'staging without restore tests and no SOC 2', code: svc('    tier: tier0\n    environment: staging\n') },
    { name: 'SOC 2, staging, quarterly', code: svc('    tier: tier2\n    environment: staging\n', SOC2) },
    { name: 'SOC 2, staging, yearly', code: svc('    tier: tier0\n    environment: staging\n    restore_test: yearly\n', SOC2) },
    { name: 'an invalid restore_test is reported by invalid-value only', code: svc('    tier: tier2\n    restore_test: monthy\n') },
    { name: 'an unknown tier is reported by unknown-reference only', code: svc('    tier: tierx\n') },
  ],
  invalid: [
    {
      name: 'production, quarterly from the tier: at the service',
      code: svc('    tier: tier2\n'),
      errors: [{ line: 25, column: 3, path: '/services/db/restore_test', message: 'db: restore tests every quarter (92d) are less often than monthly (31d) for production' }],
    },
    {
      name: 'production, every 6w on the service: at the value',
      code: svc('    tier: tier1\n    restore_test: every 6w\n'),
      errors: [{ line: 29, column: 19, path: '/services/db/restore_test', message: 'db: restore tests every 6w (42d) are less often than monthly (31d)' }],
    },
    {
      name: 'production without any restore test',
      code: svc('    tier: tier0\n'),
      errors: [{ line: 25, column: 3, path: '/services/db/restore_test', message: 'db: no restore test; production services need one at least monthly (31d)' }],
    },
    {
      name: 'production, quarterly from defaults',
      code: svc('    tier: tier0\n', HEADER + 'defaults:\n  restore_test: quarterly\n'),
      errors: [{ line: 27, column: 3, path: '/services/db/restore_test', message: 'every quarter (92d)' }],
    },
    {
      name: 'SOC 2: a staging service without restore tests',
      code: svc('    tier: tier0\n    environment: staging\n', SOC2),
      errors: [{ line: 27, path: '/services/db/restore_test', message: 'db: no restore test; SOC 2 needs one at least yearly (366d)' }],
    },
    {
      name: 'SOC 2: a development service tested every 2y',
      code: svc('    tier: tier0\n    environment: development\n    restore_test: every 2y\n', SOC2),
      errors: [{ line: 32, column: 19, path: '/services/db/restore_test', message: 'db: restore tests every 2y (730d) are less often than yearly (366d), which SOC 2 needs' }],
    },
  ],
});
