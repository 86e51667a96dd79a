import { BASE_HEADER, testRule, type ExpectedFinding } from './rule-tester.js';

/**
 * Each bad value is written as a plain, a single-quoted and a double-quoted YAML scalar on line 27
 * (`    <field>: <value>`); the finding must point at the offending character INSIDE the string, so the
 * column moves by one when the value is quoted.
 */
const svc = (line: string) => `${BASE_HEADER}services:\n  db:\n    kind: files\n    paths: [/srv]\n    tier: tier1\n${line}\n`;

interface Row {
  kind: string;
  field: string;
  value: string;
  /** 0-based offset in the value of the character the finding points at. */
  offset: number;
  message: string;
}

const ROWS: Row[] = [
  // durations
  { kind: 'duration', field: 'rpo', value: '15x', offset: 2, message: 'unknown unit "x" (expected s, m, h, d, w, y)' },
  { kind: 'duration', field: 'rto', value: '15 m', offset: 2, message: 'unexpected space between "15" and "m"' },
  { kind: 'duration', field: 'rto', value: '1.5h', offset: 0, message: 'a duration needs a whole number: write 90m' },
  { kind: 'duration', field: 'retention', value: '30days', offset: 2, message: 'unknown unit "days"' },
  // sizes
  { kind: 'size', field: 'data_size', value: '200GiX', offset: 3, message: 'unknown unit "GiX"' },
  { kind: 'size', field: 'data_size', value: '1.5QB', offset: 3, message: 'unknown unit "QB"' },
  // rates
  { kind: 'rate', field: 'restore_rate', value: '300MiB/m', offset: 6, message: 'expected "/s" (rates are per second), found "/m"' },
  { kind: 'rate', field: 'restore_rate', value: '300MiB', offset: 0, message: 'expected "/s" after "300MiB"' },
  // frequencies
  { kind: 'frequency', field: 'restore_test', value: 'monthy', offset: 0, message: 'unknown frequency "monthy"; did you mean monthly?' },
  { kind: 'frequency', field: 'dr_drill', value: 'every 0d', offset: 6, message: '"every" needs a duration greater than zero' },
  // schedules
  { kind: 'schedule', field: 'schedule', value: 'daily at 25:00', offset: 9, message: 'expected HH:MM (00:00–23:59), found "25:00"' },
  { kind: 'schedule', field: 'schedule', value: 'weekly on fun at 02:00', offset: 10, message: 'expected a day of the week' },
  { kind: 'schedule', field: 'schedule', value: 'every 15x', offset: 8, message: 'unknown unit "x"' },
  { kind: 'schedule', field: 'schedule', value: 'monthly on 30 at 02:00', offset: 11, message: 'day of month must be 1–28' },
  // crons
  { kind: 'cron', field: 'schedule', value: 'cron(61 2 * * *)', offset: 5, message: 'minute 61 is out of range 0–59' },
  { kind: 'cron', field: 'schedule', value: 'cron(0 25 * * *)', offset: 7, message: 'hour 25 is out of range 0–23' },
  { kind: 'cron', field: 'schedule', value: 'cron(0 2 * *)', offset: 4, message: 'cron needs 5 fields' },
  { kind: 'cron', field: 'schedule', value: 'cron(* * * * mon-fry)', offset: 17, message: 'found "fry"' },
];

const STYLES = [
  { style: 'plain', quote: (v: string) => v, shift: 0 },
  { style: 'single-quoted', quote: (v: string) => `'${v}'`, shift: 1 },
  { style: 'double-quoted', quote: (v: string) => `"${v}"`, shift: 1 },
] as const;

const generated = ROWS.flatMap((row) =>
  STYLES.map(({ style, quote, shift }) => {
    // `    <field>: ` puts the value's first character at column 4 + field + 2 + 1.
    const column = 4 + row.field.length + 2 + 1 + shift + row.offset;
    const error: ExpectedFinding = { line: 27, column, path: `/services/db/${row.field}`, message: row.message };
    return { name: `${row.kind} ${JSON.stringify(row.value)}, ${style}`, code: svc(`    ${row.field}: ${quote(row.value)}`), errors: [error] };
  }),
);

/**
 * Time zones (policy-language.md §2: IANA names, checked against Node's ICU): on the policy (line 28,
 * after the service), in `defaults:` or on the service (line 27). The finding covers the whole name.
 */
const atPolicy = (zone: string) => `${svc('    schedule: hourly')}timezone: ${zone}\n`;
const inDefaults = (zone: string, services: string[]) =>
  `${BASE_HEADER}defaults:\n  timezone: ${zone}\nservices:\n` +
  services.map((n) => `  ${n}:\n    kind: files\n    paths: [/srv/${n}]\n    tier: tier1\n`).join('');
const TIME_ZONE_ROWS = [
  { value: 'Mars/Olympus', message: 'unknown time zone "Mars/Olympus" (expected an IANA time zone name such as UTC' },
  { value: '"not a zone; rm -rf /"', message: 'unknown time zone "not a zone; rm -rf /"' },
  { value: '""', message: 'unknown time zone ""' },
  { value: 'Europe/Berln', message: 'unknown time zone "Europe/Berln"; did you mean Europe/Berlin?' },
  { value: '+01:00', message: 'unknown time zone "+01:00"' },
  // Accepted by ICU in any case, but systemd, CRON_TZ= and Kubernetes look names up case-sensitively.
  { value: 'europe/berlin', message: 'time zone names are case-sensitive: did you mean Europe/Berlin?' },
  { value: 'utc', message: 'did you mean UTC?' },
];

testRule('invalid-value', {
  valid: [
    { name: 'the base policy', code: svc('    schedule: hourly') },
    ...['15m', '1h', '30d', '2w', '7y', '90s'].map((v) => ({ name: `duration ${v}`, code: svc(`    rpo: ${v}`) })),
    ...['200GiB', '1.5TB', '512B', '10KiB'].map((v) => ({ name: `size ${v}`, code: svc(`    data_size: ${v}`) })),
    { name: 'rate', code: svc("    restore_rate: '300MiB/s'") },
    ...['every 15m', 'daily at 02:30', 'weekly on sun at 03:00', 'monthly on 28 at 23:59', 'cron(0 */6 * * *)', 'cron(30 2 * * 1-5)'].map((v) => ({
      name: `schedule ${v}`,
      code: svc(`    schedule: "${v}"`),
    })),
    // ICU's own names, the UTC spellings it lists under another name, and an alias it does not list.
    ...['Europe/Berlin', 'UTC', 'Etc/UTC', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT+5', 'America/Port-au-Prince'].flatMap((zone) => [
      { name: `time zone ${zone} on the policy`, code: atPolicy(zone) },
      { name: `time zone ${zone} in defaults`, code: inDefaults(zone, ['db']) },
      { name: `time zone ${zone} on a service`, code: svc(`    timezone: ${zone}`) },
    ]),
  ],
  invalid: [
    ...generated,
    ...TIME_ZONE_ROWS.flatMap(({ value, message }) => {
      // Quoted values start one column later: the finding is inside the quotes.
      const shift = value.startsWith('"') ? 1 : 0;
      return [
        {
          name: `time zone ${value} on the policy`,
          code: atPolicy(value),
          errors: [{ line: 28, column: 11 + shift, path: '/timezone', message }],
        },
        {
          name: `time zone ${value} on a service`,
          code: svc(`    timezone: ${value}`),
          errors: [{ line: 27, column: 15 + shift, path: '/services/db/timezone', message }],
        },
      ];
    }),
    {
      name: 'a bad time zone in defaults is reported once, at the default',
      code: inDefaults('Mars/Olympus', ['a', 'b', 'c']),
      errors: [{ line: 23, column: 13, path: '/defaults/timezone', message: 'unknown time zone "Mars/Olympus"' }],
    },
    {
      name: 'a bad time zone in defaults is reported even when every service sets its own',
      code: inDefaults('Mars/Olympus', ['a']).replace('    tier: tier1\n', '    tier: tier1\n    timezone: UTC\n'),
      errors: [{ line: 23, column: 13, path: '/defaults/timezone', message: 'unknown time zone "Mars/Olympus"' }],
    },
    {
      name: 'escapes in a double-quoted scalar: the column follows the source text',
      // "\x31\x35x" is "15x": the bad unit is the 3rd character, written at column 19.
      code: svc('    rpo: "\\x31\\x35x"'),
      errors: [{ line: 27, column: 19, path: '/services/db/rpo', message: 'unknown unit "x"' }],
    },
    {
      name: 'a value in a tier flow mapping',
      code: BASE_HEADER.replace('rpo: 1h,', "rpo: '1 h',"),
      errors: [{ line: 21, column: 45, path: '/tiers/tier1/rpo', message: 'unexpected space between "1" and "h"' }],
    },
    {
      name: 'a value in defaults and one in storage',
      code: BASE_HEADER.replace('    object_lock:', '    expire_after: 400dd\n    object_lock:') + 'defaults:\n  restore_test: "every 2x"\n',
      errors: [
        { line: 19, column: 22, path: '/storage/backups/expire_after', message: 'unknown unit "dd"' },
        { line: 24, column: 25, path: '/defaults/restore_test', message: 'unknown unit "x"' },
      ],
    },
    {
      name: 'a bad default inherited by three services is reported once, at the default',
      code: BASE_HEADER + 'defaults:\n  data_size: 200GiX\nservices:\n' +
        ['a', 'b', 'c'].map((n) => `  ${n}:\n    kind: files\n    paths: [/srv/${n}]\n    tier: tier1\n`).join(''),
      errors: [{ line: 23, column: 17, path: '/defaults/data_size', message: 'unknown unit "GiX"' }],
    },
  ],
});
