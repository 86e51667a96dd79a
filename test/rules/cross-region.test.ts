import { BASE_HEADER, testRule } from './rule-tester.js';

/**
 * BASE_HEADER plus a single-region storage target `local`, a tier2 without min_regions and a tier3 with
 * min_regions 3: 24 lines, so `services:` is line 25, `db:` line 26 and its first field line 27.
 */
const HEADER =
  BASE_HEADER.replace('tiers:\n', '  local: { type: s3, bucket: test-local-use1, region: us-east-1 }\ntiers:\n') +
  '  tier2: { title: Standard, rto: 8h, rpo: 24h, retention: 7d, restore_test: monthly }\n' +
  '  tier3: { title: Spread, rto: 8h, rpo: 24h, retention: 7d, restore_test: monthly, min_regions: 3 }\n';
const svc = (body: string, header = HEADER) => `${header}services:\n  db:\n    kind: files\n    paths: [/srv]\n${body}`;

testRule('cross-region', {
  valid: [
    { name: 'production in two regions', code: svc('    tier: tier1\n    storage: backups\n') },
    { name: 'staging in one region (no min_regions)', code: svc('    tier: tier2\n    storage: local\n    environment: staging\n') },
    { name: 'development service with min_regions 2 in two regions', code: svc('    tier: tier2\n    storage: backups\n    environment: development\n    min_regions: 2\n') },
    {
      name: 'aws-backup service: the policy regions count',
      code: `${HEADER}services:\n  rds:\n    kind: aws-backup\n    resources: { tags: { backup: "true" } }\n    tier: tier1\n`,
    },
    { name: 'unknown storage is skipped (unknown-reference reports it)', code: svc('    tier: tier1\n    storage: nowhere\n') },
    { name: 'no storage at all is skipped (schedule-required: never backed up)', code: svc('    tier: tier2\n') },
  ],
  invalid: [
    {
      name: 'production service in one region',
      code: svc('    tier: tier2\n    storage: local\n'),
      errors: [{ line: 30, column: 14, path: '/services/db/storage', message: 'db: backups are in 1 region (us-east-1); production needs at least 2' }],
    },
    {
      name: 'production in tier1 (min_regions 2) with one region',
      code: svc('    tier: tier1\n    storage: local\n'),
      errors: [{ line: 30, column: 14, path: '/services/db/storage', message: 'db: backups are in 1 region (us-east-1); production needs at least 2' }],
    },
    {
      name: 'development service with min_regions 1 in one region: max(2, min_regions) is 2 (§7)',
      code: svc('    tier: tier2\n    storage: local\n    environment: development\n    min_regions: 1\n'),
      errors: [{ line: 30, column: 14, path: '/services/db/storage', message: 'db: backups are in 1 region (us-east-1); min_regions 1 needs at least 2 (max(2, min_regions))' }],
    },
    {
      name: 'staging service in a tier with min_regions 3',
      code: svc('    tier: tier3\n    storage: backups\n    environment: staging\n'),
      errors: [{ line: 30, path: '/services/db/storage', message: 'db: backups are in 2 regions (us-east-1, us-west-2); tier tier3 needs at least 3 (min_regions 3: max(2, min_regions))' }],
    },
    {
      name: 'production with min_regions 3 on the service: max(2, 3)',
      code: svc('    tier: tier2\n    storage: backups\n    min_regions: 3\n'),
      errors: [{ line: 30, path: '/services/db/storage', message: 'min_regions 3 needs at least 3' }],
    },
    {
      name: 'storage from defaults: reported at the service',
      code: svc('    tier: tier2\n', HEADER + 'defaults:\n  storage: local\n'),
      errors: [{ line: 28, column: 3, path: '/services/db/storage', message: 'db: backups are in 1 region (us-east-1)' }],
    },
  ],
});
