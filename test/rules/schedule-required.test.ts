import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER is 21 lines; `db:` is line 23, its first field line 24. */
const svc = (body: string, header = BASE_HEADER) =>
  `${header}services:\n  db:\n    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: app, user: backup }\n    tier: tier1\n${body}`;

testRule('schedule-required', {
  valid: [
    { name: 'schedule on the service', code: svc('    schedule: hourly\n') },
    { name: 'cron schedule', code: svc("    schedule: 'cron(0 */6 * * *)'\n") },
    { name: 'schedule from defaults', code: svc('', BASE_HEADER + 'defaults:\n  schedule: daily at 02:00\n') },
    { name: 'an invalid schedule is reported by invalid-value only', code: svc('    schedule: every 15x\n') },
    {
      name: 'the only storage target is every service\'s default',
      code: `version: 1\nname: p\nstorage:\n  only: { type: s3, bucket: only-bucket, region: us-east-1 }\nservices:\n  a:\n    kind: files\n    paths: [/a]\n    schedule: daily\n`,
    },
    {
      name: 'aws-backup needs no storage target (AWS Backup writes to its vaults)',
      code: `version: 1\nname: p\nservices:\n  rds:\n    kind: aws-backup\n    resources: { tags: { backup: "true" } }\n    schedule: daily\n`,
    },
    {
      name: 'a storage name that does not exist is unknown-reference\'s finding',
      code: svc('    schedule: hourly\n    storage: nowhere\n'),
    },
  ],
  invalid: [
    {
      name: 'no schedule',
      code: svc(''),
      errors: [{ line: 23, column: 3, path: '/services/db/schedule', message: 'db: no backup schedule, so it is never backed up' }],
    },
    {
      name: 'continuous archiving still needs full copies',
      code: svc('    continuous: true\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/schedule', message: 'db: no backup schedule, so no full copy is ever taken' }],
    },
    {
      name: 'no storage target at all (none named, none to default to): never backed up either',
      code: `version: 1\nname: p\nservices:\n  a:\n    kind: files\n    environment: staging\n    paths: [/a]\n    schedule: daily\n`,
      errors: [{ line: 4, column: 3, path: '/services/a/storage', message: 'a: no storage target, so its backups have nowhere to go' }],
    },
    {
      name: 'one service of two',
      code: `${BASE_HEADER}services:\n  a:\n    kind: files\n    paths: [/a]\n    schedule: daily\n  b:\n    kind: files\n    paths: [/b]\n`,
      errors: [{ line: 27, column: 3, path: '/services/b/schedule', message: 'b: no backup schedule' }],
    },
  ],
});
