import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER is 21 lines; `services:` is line 22, the first service line 23, its first field line 24. */
const svc = (body: string, header = BASE_HEADER) => `${header}services:\n  db:\n${body}`;
const PG = '    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup }\n';

testRule('unknown-reference', {
  valid: [
    { name: 'tier and storage defined', code: svc(`${PG}    tier: tier1\n    storage: backups\n`) },
    { name: 'storage defaulted from the only target', code: svc(`${PG}    tier: tier1\n`) },
    {
      name: 's3-bucket service with a known region',
      code: svc('    kind: s3-bucket\n    bucket: app-assets\n    region: eu-central-1\n    tier: tier1\n'),
    },
    {
      name: 'tier and storage from defaults',
      code: BASE_HEADER.replace('tiers:\n', 'defaults:\n  tier: tier1\n  storage: backups\ntiers:\n') + `services:\n  db:\n${PG}`,
    },
    {
      name: 'GovCloud and China regions are known',
      code: svc(`${PG}    tier: tier1\n`, BASE_HEADER.replace('secondary: [us-west-2]', 'secondary: [us-gov-west-1, cn-north-1]')),
    },
    {
      name: 'storage target that is defined but ill-typed: the schema reports it, not this rule',
      code: svc(`${PG}    tier: tier1\n    storage: broken\n`, BASE_HEADER.replace('tiers:\n', '  broken: 5\ntiers:\n')),
    },
  ],
  invalid: [
    {
      name: 'unknown tier with a suggestion',
      code: svc(`${PG}    tier: teir1\n`),
      errors: [{ line: 26, column: 11, path: '/services/db/tier', message: 'db: tier "teir1" is not defined (did you mean "tier1"?)' }],
    },
    {
      name: 'unknown tier without a close match',
      code: svc(`${PG}    tier: gold\n`),
      errors: [{ line: 26, column: 11, path: '/services/db/tier', message: /^db: tier "gold" is not defined$/ }],
    },
    {
      name: 'unknown storage with a suggestion',
      code: svc(`${PG}    tier: tier1\n    storage: backup\n`),
      errors: [{ line: 27, column: 14, path: '/services/db/storage', message: 'db: storage "backup" is not defined (did you mean "backups"?)' }],
    },
    {
      name: 'unknown storage in defaults: one finding at /defaults/storage, not one per service',
      code:
        BASE_HEADER.replace('tiers:\n', 'defaults:\n  storage: backpus\ntiers:\n') +
        `services:\n  db:\n${PG}    tier: tier1\n  web:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n`,
      errors: [{ line: 21, column: 12, path: '/defaults/storage', message: 'defaults: storage "backpus" is not defined (did you mean "backups"?)' }],
    },
    {
      name: 'unknown tier in defaults',
      code: BASE_HEADER.replace('tiers:\n', 'defaults:\n  tier: tier2\ntiers:\n') + `services:\n  db:\n${PG}`,
      errors: [{ line: 21, column: 9, path: '/defaults/tier', message: 'defaults: tier "tier2" is not defined (did you mean "tier1"?)' }],
    },
    {
      name: 'primary region typo',
      code: svc(`${PG}    tier: tier1\n`, BASE_HEADER.replace('primary: us-east-1', 'primary: us-est-1')),
      errors: [{ line: 5, column: 12, path: '/regions/primary', message: 'primary region "us-est-1" is not an AWS region (did you mean "us-east-1"?)' }],
    },
    {
      name: 'secondary region in a list',
      code: svc(`${PG}    tier: tier1\n`, BASE_HEADER.replace('secondary: [us-west-2]', 'secondary: [eu-west-1, eu-wset-2]')),
      errors: [{ line: 6, column: 26, path: '/regions/secondary/1', message: '"eu-wset-2" is not an AWS region (did you mean "eu-west-2"?)' }],
    },
    {
      name: 'secondary region as a single string',
      code: svc(`${PG}    tier: tier1\n`, BASE_HEADER.replace('secondary: [us-west-2]', 'secondary: "us-west-9"')),
      errors: [{ line: 6, column: 14, path: '/regions/secondary', message: '"us-west-9" is not an AWS region' }],
    },
    {
      name: 'storage region and replica region',
      code: svc(
        `${PG}    tier: tier1\n`,
        BASE_HEADER.replace('    region: us-east-1\n', '    region: us-east1\n').replace('region: us-west-2 }', 'region: uswest-2 }'),
      ),
      errors: [
        { line: 16, column: 13, path: '/storage/backups/region', message: 'backups: region "us-east1" is not an AWS region (did you mean "us-east-1"?)' },
        { line: 18, column: 46, path: '/storage/backups/replicas/0/region', message: 'backups: replica region "uswest-2" is not an AWS region (did you mean "us-west-2"?)' },
      ],
    },
    {
      name: 'replica_kms_keys key is reported at the key',
      code: svc(`${PG}    tier: tier1\n`, BASE_HEADER.replace('replica_kms_keys: { us-west-2:', 'replica_kms_keys: { us-weast-2:')),
      errors: [{ line: 10, column: 23, path: '/encryption/replica_kms_keys/us-weast-2', message: 'encryption: replica_kms_keys names region "us-weast-2"' }],
    },
    {
      name: 'replica_kms_keys key in a service encryption block',
      code: svc(`${PG}    tier: tier1\n    encryption:\n      replica_kms_keys: { eu-central-3: alias/x }\n`),
      errors: [{ line: 28, column: 27, path: '/services/db/encryption/replica_kms_keys/eu-central-3', message: 'db: replica_kms_keys names region "eu-central-3"' }],
    },
    {
      name: 's3-bucket service region (quoted)',
      code: svc(`    kind: s3-bucket\n    bucket: app-assets\n    region: 'eu-centrl-1'\n    tier: tier1\n`),
      errors: [{ line: 26, column: 13, path: '/services/db/region', message: 'db: bucket region "eu-centrl-1" is not an AWS region (did you mean "eu-central-1"?)' }],
    },
    {
      name: 'several services in order',
      code: `${BASE_HEADER}services:\n  a:\n${PG}    tier: tierl\n  b:\n${PG}    tier: tier1\n    storage: archive\n`,
      errors: [
        { line: 26, path: '/services/a/tier', message: 'a: tier "tierl" is not defined (did you mean "tier1"?)' },
        { line: 31, path: '/services/b/storage', message: 'b: storage "archive" is not defined' },
      ],
    },
  ],
});
