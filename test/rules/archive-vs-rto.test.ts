import { BASE_HEADER, testRule } from './rule-tester.js';

/** BASE_HEADER with extra lines in storage `backups` (from line 20) and extra top-level lines before `services:`. */
function policy(storageLines: string, services: string, extra = ''): string {
  return `${BASE_HEADER.replace('tiers:\n', `${storageLines}tiers:\n`)}${extra}services:\n${services}`;
}
const T_GLACIER_IR = '    transitions:\n      - { after: 30d, class: STANDARD_IA }\n      - { after: 90d, class: GLACIER_IR }\n';
const T_DEEP = '    transitions:\n      - { after: 30d, class: STANDARD_IA }\n      - { after: 90d, class: DEEP_ARCHIVE }\n';
const T_BOTH = '    transitions:\n      - { after: 30d, class: GLACIER }\n      - { after: 120d, class: DEEP_ARCHIVE }\n';
const svc = (body: string) => `  db:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n${body}`;

// With a 3-line transitions block: `services:` is line 25, `  db:` line 26, the body from line 31.
testRule('archive-vs-rto', {
  valid: [
    { name: 'millisecond classes only', code: policy(T_GLACIER_IR, svc('    tier: tier1\n    retention: 365d\n')) },
    { name: 'DEEP_ARCHIVE after the 30d retention of tier1: never a restore point', code: policy(T_DEEP, svc('    tier: tier1\n')) },
    { name: 'GLACIER 5h within RTO 24h', code: policy(T_BOTH.replace('120d, class: DEEP_ARCHIVE', '120d, class: GLACIER_IR').replace('GLACIER }', 'GLACIER_IR }'), svc('    rto: 24h\n    rpo: 24h\n    retention: 365d\n')) },
    { name: 'DEEP_ARCHIVE 12h within RTO 12h', code: policy(T_DEEP, svc('    rto: 12h\n    rpo: 1h\n    retention: 365d\n')) },
    { name: 'expire_after caps the window', code: policy(`${T_DEEP}    expire_after: 60d\n`, svc('    tier: tier1\n    retention: 365d\n')) },
    { name: 'invalid retention: no cascade', code: policy(T_DEEP, svc('    tier: tier1\n    retention: 1 year\n')) },
    { name: 'unknown storage: no cascade', code: policy(T_DEEP, svc('    tier: tier1\n    storage: backupz\n    retention: 365d\n')) },
    { name: 'no RTO: objectives-defined reports it', code: policy(T_DEEP, svc('    rpo: 1h\n    retention: 365d\n')) },
  ],
  invalid: [
    {
      name: 'DEEP_ARCHIVE inside the retention, RTO from the tier',
      code: policy(T_DEEP, svc('    tier: tier1\n    retention: 365d\n')),
      errors: [
        {
          line: 26,
          column: 3,
          path: '/services/db/rto',
          severity: 'warning',
          message: 'db: backups older than 90d sit in DEEP_ARCHIVE (retrieval up to 12h), longer than RTO 4h',
        },
      ],
    },
    {
      name: 'GLACIER and DEEP_ARCHIVE: one finding, the slowest class',
      code: policy(T_BOTH, svc('    tier: tier1\n    retention: 1y\n')),
      errors: [{ line: 26, path: '/services/db/rto', message: 'backups older than 120d sit in DEEP_ARCHIVE (retrieval up to 12h)' }],
    },
    {
      name: 'GLACIER beyond an own RTO of 2h: points at the RTO value',
      code: policy(T_BOTH, svc('    rto: 2h\n    rpo: 1h\n    retention: 60d\n')),
      errors: [{ line: 31, column: 10, path: '/services/db/rto', message: 'db: backups older than 30d sit in GLACIER (retrieval up to 5h), longer than RTO 2h' }],
    },
    {
      name: 'retention and RTO from defaults',
      code: policy(T_DEEP, svc('    rpo: 1h\n'), 'defaults:\n  rto: 8h\n  retention: 180d\n'),
      errors: [{ line: 29, column: 3, path: '/services/db/rto', message: 'longer than RTO 8h' }],
    },
    {
      name: 'no retention at all: every transition is a restore point',
      code: policy(T_DEEP, svc('    rto: 1h\n    rpo: 1h\n')),
      errors: [{ line: 31, path: '/services/db/rto', message: 'DEEP_ARCHIVE' }],
    },
    {
      name: 'two services, in order',
      code: policy(T_DEEP, `${svc('    tier: tier1\n    retention: 365d\n')}  web:\n    kind: files\n    paths: [/www]\n    owner: team\n    schedule: hourly\n    tier: tier1\n    retention: 100d\n`),
      errors: [
        { line: 26, path: '/services/db/rto', message: 'db:' },
        { line: 33, path: '/services/web/rto', message: 'web:' },
      ],
    },
  ],
});
