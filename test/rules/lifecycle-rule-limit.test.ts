import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER's storage `backups` has its bucket on line 15, column 13, and no expire_after: its bucket-wide rules are the
// restore-test records' rule and the clean-up rule.
const files = (name: string, storage: string, extra = '') =>
  `  ${name}:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n    tier: tier1\n    storage: ${storage}\n${extra}`;
const many = (count: number, storage = 'backups', extra = '', from = 0) =>
  Array.from({ length: count }, (_, i) => files(`svc-${String(from + i).padStart(4, '0')}`, storage, extra)).join('');
const GFS = '    retention:\n      keep: { daily: 7, weekly: 4, monthly: 12 }\n';
const SECOND = BASE_HEADER.replace('tiers:\n', '  more:\n    type: s3\n    bucket: test-more-use1\n    region: us-east-1\n    replicas:\n      - { bucket: test-more-usw2, region: us-west-2 }\n    object_lock: { mode: compliance, days: 30 }\ntiers:\n');

testRule('lifecycle-rule-limit', {
  valid: [
    { name: '998 services, one rule each, plus the restore-test and clean-up rules: exactly 1,000', code: `${BASE_HEADER}services:\n${many(998)}` },
    { name: '250 GFS services spread over two storage targets', code: `${SECOND}services:\n${many(125, 'backups', GFS)}${many(125, 'more', GFS, 125)}` },
    {
      name: 'AWS Backup services keep nothing in the bucket',
      code: `${BASE_HEADER}services:\n${Array.from({ length: 1100 }, (_, i) => `  ab-${i}:\n    kind: aws-backup\n    resources: { tags: { backup: ab-${i} } }\n    owner: team\n    schedule: daily\n    tier: tier1\n`).join('')}`,
    },
  ],
  invalid: [
    {
      name: '999 services: 1,001 rules',
      code: `${BASE_HEADER}services:\n${many(999)}`,
      errors: [
        {
          line: 15,
          column: 13,
          path: '/storage/backups/bucket',
          severity: 'error',
          message: 'backups: bucket test-backups-use1 would need 1,001 lifecycle rules for its 999 services; S3 accepts at most 1,000 in one configuration',
        },
      ],
    },
    {
      // A rule per service prefix and one per GFS retention tag, hourly to yearly (docs/gfs-retention.md): 6 per service.
      name: 'each GFS period is a rule of its own: 170 GFS services need 1,022',
      code: `${BASE_HEADER}services:\n${many(170, 'backups', GFS)}`,
      errors: [{ line: 15, path: '/storage/backups/bucket', message: 'would need 1,022 lifecycle rules for its 170 services' }],
    },
    {
      name: 'only the storage target over the limit',
      code: `${SECOND}services:\n${many(10, 'backups')}${many(999, 'more', '', 10)}`,
      errors: [{ line: 22, column: 13, path: '/storage/more/bucket', message: 'more: bucket test-more-use1 would need 1,001' }],
    },
  ],
});
