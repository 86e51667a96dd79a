import { BASE_HEADER, testRule } from './rule-tester.js';

const svc = (name: string, body: string) => `  ${name}:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n${body}`;

/** BASE_HEADER with `expire_after` on line 20 (storage `backups`), extra top-level lines, then the services. */
function policy(expire: string | null, services: string, extra = ''): string {
  const storage = expire === null ? '' : `    expire_after: ${expire}\n`;
  return `${BASE_HEADER.replace('tiers:\n', `${storage}tiers:\n`)}${extra}services:\n${services}`;
}
const DB = svc('db', '    tier: tier1\n'); // retention 30d from tier1
const WEB = svc('web', '    tier: tier1\n    retention: 90d\n');

testRule('lifecycle-retention', {
  valid: [
    { name: 'expiry covers the retention', code: policy('90d', DB) },
    { name: 'exactly 10× the longest retention', code: policy('300d', DB) },
    { name: 'expiry equal to the retention', code: policy('30d', svc('db', '    rto: 4h\n    rpo: 1h\n    retention: 30d\n')) },
    { name: 'expiry of two restore-test gaps (monthly: 62d) keeps the records verify reads', code: policy('62d', DB) },
    { name: 'no expire_after', code: policy(null, DB + WEB) },
    { name: 'invalid retention: no cascade', code: policy('20d', svc('db', '    rto: 4h\n    rpo: 1h\n    retention: 90 days\n')) },
    { name: 'invalid expire_after: no cascade', code: policy('20 days', DB) },
    { name: 'a service without retention relies on the expiry: no over-retention warning', code: policy('5y', svc('db', '    rto: 4h\n    rpo: 1h\n')) },
    { name: 'a service on an unknown storage is not counted', code: policy('90d', DB + svc('web', '    tier: tier1\n    storage: nowhere\n    retention: 1y\n')) },
  ],
  invalid: [
    {
      name: 'expiry before the tier retention',
      code: policy('20d', DB),
      errors: [
        { line: 20, column: 19, path: '/storage/backups/expire_after', severity: 'error', message: "backups: expires objects after 20d, before db's retention of 30d" },
        { line: 20, column: 19, path: '/storage/backups/expire_after', severity: 'warning', message: "less than two of db's restore-test gaps (31d)" },
      ],
    },
    {
      name: 'only the service whose retention is longer',
      code: policy('60d', DB + WEB),
      errors: [
        { line: 20, path: '/storage/backups/expire_after', message: "before web's retention of 90d" },
        { line: 20, path: '/storage/backups/expire_after', message: "less than two of db's restore-test gaps" },
        { line: 20, path: '/storage/backups/expire_after', message: "less than two of web's restore-test gaps" },
      ],
    },
    {
      name: 'one error per service (diagnostics at one place are sorted by message)',
      code: policy('1w', WEB + DB),
      errors: [
        { line: 20, path: '/storage/backups/expire_after', message: "before db's retention of 30d" },
        { line: 20, path: '/storage/backups/expire_after', message: "before web's retention of 90d" },
        { line: 20, path: '/storage/backups/expire_after', message: "less than two of db's restore-test gaps" },
        { line: 20, path: '/storage/backups/expire_after', message: "less than two of web's restore-test gaps" },
      ],
    },
    {
      name: 'restore-test records: an expiry shorter than two restore-test gaps deletes what drc verify reads',
      code: policy('45d', DB),
      errors: [{
        line: 20,
        column: 19,
        path: '/storage/backups/expire_after',
        severity: 'warning',
        message: "backups: expires objects after 45d, less than two of db's restore-test gaps (31d): drc verify will find its restore-test records gone",
      }],
    },
    {
      name: 'retention from defaults',
      code: policy('30d', svc('db', '    rto: 4h\n    rpo: 1h\n'), 'defaults:\n  retention: { keep: { daily: 7, monthly: 2 } }\n'),
      errors: [{ line: 20, path: '/storage/backups/expire_after', message: "before db's retention of 60d" }],
    },
    {
      name: 'kept over 10× the longest retention: one warning',
      code: policy('10y', DB + WEB),
      errors: [{ line: 20, column: 19, path: '/storage/backups/expire_after', severity: 'warning', message: 'backups: keeps objects for 10y, over 10× the longest retention of its services (web: 90d)' }],
    },
  ],
});
