import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER is 21 lines: `services:` is line 22, `  db:` line 23, kind/paths/owner 24-26, the body from line 27.
// tier1 has rpo: 1h.
const db = (body: string, extra = '') => `${BASE_HEADER}${extra}services:\n  db:\n    kind: files\n    paths: [/srv]\n    owner: team\n${body}`;
/** A service of another kind, with its required block; `  db:` is line 23. */
const ofKind = (kindLines: string, body: string) => `${BASE_HEADER}services:\n  db:\n${kindLines}    owner: team\n${body}`;
const KIND_LINES = {
  postgresql: '    kind: postgresql\n    postgresql: { host: db, port: 5432, database: app, user: backup }\n',
  mysql: '    kind: mysql\n    mysql: { host: db, port: 3306, database: app, user: backup }\n',
  's3-bucket': '    kind: s3-bucket\n    bucket: app-assets\n    region: us-east-1\n',
  kubernetes: '    kind: kubernetes\n    namespaces: { include: [prod] }\n',
  'aws-backup': '    kind: aws-backup\n    arns: [arn:aws:rds:us-east-1:111122223333:db:app]\n',
};
const continuousEvery6h = '    tier: tier1\n    continuous: true\n    schedule: every 6h\n';

testRule('rpo-feasible', {
  valid: [
    { name: 'hourly meets the tier RPO 1h', code: db('    tier: tier1\n    schedule: hourly\n') },
    { name: 'every 15m with an own RPO 30m', code: db('    tier: tier1\n    rpo: 30m\n    schedule: every 15m\n') },
    {
      name: 'WAL archiving covers a daily full backup',
      code: `${BASE_HEADER}services:\n  db:\n    kind: postgresql\n    postgresql: { host: db, port: 5432, database: app, user: backup, pitr: true }\n    tier: tier1\n    schedule: daily at 02:30\n`,
    },
    { name: 'continuous: true on postgresql is WAL archiving (§4: the same as pitr: true)', code: ofKind(KIND_LINES.postgresql, continuousEvery6h) },
    { name: 'continuous: true on s3-bucket is versioning with replication', code: ofKind(KIND_LINES['s3-bucket'], continuousEvery6h) },
    { name: 'continuous: true on aws-backup is an AWS Backup continuous-backup rule (point-in-time recovery)', code: ofKind(KIND_LINES['aws-backup'], continuousEvery6h) },
    {
      name: 'pitr: true covers the gap even with continuous: false',
      code: ofKind(
        '    kind: postgresql\n    postgresql: { host: db, port: 5432, database: app, user: backup, pitr: true }\n',
        '    tier: tier1\n    continuous: false\n    schedule: every 6h\n',
      ),
    },
    { name: 'no schedule: schedule-required reports it', code: db('    tier: tier1\n') },
    { name: 'no RPO: objectives-defined reports it', code: db('    rto: 4h\n    schedule: weekly\n') },
    { name: 'invalid RPO: no cascade', code: db('    tier: tier1\n    rpo: 1hour\n    schedule: every 6h\n') },
    { name: 'invalid schedule: no cascade', code: db('    tier: tier1\n    schedule: every 6 hours\n') },
    { name: 'unknown tier: no cascade', code: db('    tier: tier9\n    schedule: weekly\n') },
    { name: 'cron whose longest gap fits', code: db('    rpo: 12h\n    schedule: cron(0 0,12 * * *)\n') },
  ],
  invalid: [
    {
      name: 'RPO inherited from the tier: points at the service',
      code: db('    tier: tier1\n    schedule: every 6h\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/rpo', message: 'db: backups every 6h cannot meet RPO 1h', severity: 'error' }],
    },
    {
      name: 'own RPO: points at the value',
      code: db('    tier: tier1\n    rpo: 30m\n    schedule: hourly\n'),
      errors: [{ line: 28, column: 10, path: '/services/db/rpo', message: 'db: backups hourly cannot meet RPO 30m' }],
    },
    {
      name: 'cron: names the longest gap',
      code: db('    tier: tier1\n    rpo: 2h\n    schedule: cron(0 1,2,23 * * *)\n'),
      errors: [{ line: 28, column: 10, path: '/services/db/rpo', message: 'db: schedule cron(0 1,2,23 * * *) leaves a 21h gap, more than RPO 2h' }],
    },
    {
      name: 'schedule from defaults',
      code: db('    tier: tier1\n', 'defaults:\n  schedule: daily at 02:30\n'),
      errors: [{ line: 25, column: 3, path: '/services/db/rpo', message: 'backups daily at 02:30 cannot meet RPO 1h' }],
    },
    {
      name: 'RPO from defaults',
      code: db('    schedule: weekly\n', 'defaults:\n  rpo: 24h\n'),
      errors: [{ line: 25, column: 3, path: '/services/db/rpo', message: 'db: backups weekly cannot meet RPO 1d' }],
    },
    {
      name: 'continuous: false does not cover',
      code: db('    tier: tier1\n    continuous: false\n    schedule: every 2h\n'),
      errors: [{ line: 23, path: '/services/db/rpo', message: 'every 2h cannot meet RPO 1h' }],
    },
    ...(['files', 'mysql', 'kubernetes'] as const).map((kind) => ({
      name: `continuous: true on ${kind}, which has no continuous mechanism, does not cover the gap`,
      code: kind === 'files' ? db(continuousEvery6h) : ofKind(KIND_LINES[kind], continuousEvery6h),
      errors: [{
        line: 23,
        column: 3,
        path: '/services/db/rpo',
        message: `db: backups every 6h cannot meet RPO 1h (continuous: true does not count: ${kind} services have no continuous mechanism)`,
      }],
    })),
    {
      name: 'continuous: false on postgresql without pitr: no word about continuous',
      code: ofKind(KIND_LINES.postgresql, '    tier: tier1\n    continuous: false\n    schedule: every 6h\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/rpo', message: /^db: backups every 6h cannot meet RPO 1h$/ }],
    },
    {
      name: 'monthly on a day: names the 31d gap',
      code: db('    rpo: 7d\n    schedule: monthly on 1 at 03:00\n'),
      errors: [{ line: 27, column: 10, path: '/services/db/rpo', message: 'leaves a 31d gap, more than RPO 1w' }],
    },
  ],
});
