import { BASE_HEADER, testRule } from './rule-tester.js';

// BASE_HEADER is 21 lines: `services:` is line 22, `  db:` line 23, kind/paths/owner/schedule 24-27, the body from line 28.
// tier1 has rto: 4h.
const db = (body: string, extra = '') =>
  `${BASE_HEADER}${extra}services:\n  db:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n${body}`;

testRule('rto-feasible', {
  valid: [
    { name: '200 GiB at 300 MiB/s within the tier RTO 4h', code: db('    tier: tier1\n    data_size: 200GiB\n    restore_rate: 300MiB/s\n') },
    { name: '2 TiB at 300 MiB/s (about 2h 8m) within RTO 4h', code: db('    tier: tier1\n    data_size: 2TiB\n    restore_rate: 300MiB/s\n') },
    { name: 'no RTO at all: objectives-defined reports it', code: db('    rpo: 1h\n    data_size: 2TiB\n    restore_rate: 1MiB/s\n') },
    { name: 'invalid data_size: invalid-value only', code: db('    tier: tier1\n    data_size: 200 gigs\n    restore_rate: 300MiB/s\n') },
    { name: 'invalid restore_rate: invalid-value only', code: db('    tier: tier1\n    data_size: 2TiB\n    restore_rate: 300MiB\n') },
    { name: 'invalid RTO: no cascade', code: db('    tier: tier1\n    rto: 1 hour\n    data_size: 2TiB\n    restore_rate: 1MiB/s\n') },
    { name: 'unknown tier: no cascade', code: db('    tier: tier9\n') },
  ],
  invalid: [
    {
      name: 'own RTO too short: points at the value, names the estimate',
      code: db('    tier: tier1\n    rto: 1h\n    data_size: 2TiB\n    restore_rate: 300MiB/s\n'),
      errors: [
        {
          line: 29,
          column: 10,
          path: '/services/db/rto',
          severity: 'error',
          message: 'db: restoring 2 TiB at 300 MiB/s takes about 2h 8m with 10% overhead, more than RTO 1h',
        },
      ],
    },
    {
      name: 'RTO inherited from the tier: points at the service',
      code: db('    tier: tier1\n    data_size: 10TiB\n    restore_rate: 500MiB/s\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/rto', message: 'takes about 6h 24m with 10% overhead, more than RTO 4h' }],
    },
    {
      name: 'data_size and restore_rate from defaults',
      code: db('    tier: tier1\n', 'defaults:\n  data_size: 1.5TB\n  restore_rate: 50MB/s\n'),
      errors: [{ line: 26, path: '/services/db/rto', message: 'restoring 1.5 TB at 50 MB/s takes about 9h 10m' }],
    },
    {
      name: 'no data_size: info',
      code: db('    tier: tier1\n    restore_rate: 300MiB/s\n'),
      errors: [{ line: 23, column: 3, path: '/services/db/rto', severity: 'info', message: 'db: cannot estimate restore time (data_size/restore_rate unknown)' }],
    },
    {
      name: 'own RTO, neither size nor rate: info at the RTO',
      code: db('    rto: 2h\n    rpo: 1h\n'),
      errors: [{ line: 28, column: 10, path: '/services/db/rto', severity: 'info', message: 'cannot estimate restore time' }],
    },
  ],
});
