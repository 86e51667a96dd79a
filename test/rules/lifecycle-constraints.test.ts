import { BASE_HEADER, testRule } from './rule-tester.js';

const SERVICES = 'services:\n  db:\n    kind: files\n    paths: [/srv]\n    owner: team\n    schedule: hourly\n    tier: tier1\n';

/**
 * BASE_HEADER with `transitions:` on line 20 of storage `backups`, transition i on line 21 + i, then the
 * extra lines (e.g. expire_after) right after the transitions.
 */
function lifecycle(transitions: [string, string][], extra = ''): string {
  const lines = transitions.map(([after, cls]) => `      - { after: ${after}, class: ${cls} }\n`).join('');
  const block = `${transitions.length ? `    transitions:\n${lines}` : ''}${extra}`;
  return `${BASE_HEADER.replace('tiers:\n', `${block}tiers:\n`)}${SERVICES}`;
}

// Columns in `      - { after: 30d, class: STANDARD_IA }`: after's value at 18, class's at 30 (for a 3-character age).
testRule('lifecycle-constraints', {
  valid: [
    { name: 'IA at 30d, GLACIER at 90d, expiry at 400d', code: lifecycle([['30d', 'STANDARD_IA'], ['90d', 'GLACIER']], '    expire_after: 400d\n') },
    {
      name: 'the whole waterfall with the required gaps',
      code: lifecycle(
        [['30d', 'STANDARD_IA'], ['60d', 'INTELLIGENT_TIERING'], ['61d', 'ONEZONE_IA'], ['91d', 'GLACIER'], ['181d', 'DEEP_ARCHIVE']],
        '    expire_after: 361d\n',
      ),
    },
    { name: 'INTELLIGENT_TIERING and GLACIER_IR have no minimum age', code: lifecycle([['1d', 'INTELLIGENT_TIERING'], ['2d', 'GLACIER_IR']]) },
    { name: 'expiry without transitions', code: lifecycle([], '    expire_after: 7d\n') },
    { name: 'ONEZONE_IA expiring exactly at its 30-day minimum', code: lifecycle([['30d', 'ONEZONE_IA']], '    expire_after: 60d\n') },
    { name: 'an invalid age is invalid-value\'s, and the transition is skipped', code: lifecycle([['30 days', 'STANDARD_IA'], ['90d', 'GLACIER']]) },
  ],
  invalid: [
    {
      name: 'STANDARD_IA before 30 days',
      code: lifecycle([['7d', 'STANDARD_IA'], ['90d', 'GLACIER']]),
      errors: [{ line: 21, column: 18, path: '/storage/backups/transitions/0/after', severity: 'error', message: 'backups: transition to STANDARD_IA after 1w is too early; S3 requires at least 30d' }],
    },
    {
      name: 'ONEZONE_IA before 30 days',
      code: lifecycle([['2w', 'ONEZONE_IA']]),
      errors: [{ line: 21, column: 18, path: '/storage/backups/transitions/0/after', message: 'ONEZONE_IA after 2w is too early' }],
    },
    {
      name: 'not in increasing order',
      code: lifecycle([['90d', 'GLACIER'], ['30d', 'STANDARD_IA']]),
      errors: [{ line: 22, column: 18, path: '/storage/backups/transitions/1/after', message: 'STANDARD_IA after 30d is not later than the previous one (GLACIER after 90d)' }],
    },
    {
      name: 'against the waterfall',
      code: lifecycle([['30d', 'GLACIER_IR'], ['200d', 'ONEZONE_IA']]),
      errors: [{ line: 22, column: 31, path: '/storage/backups/transitions/1/class', message: 'transition from GLACIER_IR to ONEZONE_IA after 200d is not allowed' }],
    },
    {
      name: 'to STANDARD',
      code: lifecycle([['30d', 'STANDARD']]),
      errors: [{ line: 21, column: 30, path: '/storage/backups/transitions/0/class', message: 'backups: transition to STANDARD after 30d is not allowed' }],
    },
    {
      name: 'the same class twice',
      code: lifecycle([['30d', 'GLACIER'], ['200d', 'GLACIER']]),
      errors: [{ line: 22, path: '/storage/backups/transitions/1/class', message: 'two transitions to GLACIER (after 30d and 200d)' }],
    },
    {
      name: 'less than 30 days in IA before the next transition',
      code: lifecycle([['30d', 'STANDARD_IA'], ['45d', 'GLACIER']]),
      errors: [{ line: 22, column: 18, path: '/storage/backups/transitions/1/after', message: 'comes less than 30d after the STANDARD_IA transition' }],
    },
    {
      name: 'less than 90 days in GLACIER before DEEP_ARCHIVE',
      code: lifecycle([['30d', 'GLACIER'], ['60d', 'DEEP_ARCHIVE']]),
      errors: [{ line: 22, path: '/storage/backups/transitions/1/after', message: 'comes less than 90d after the GLACIER transition' }],
    },
    {
      name: 'expiry not after the last transition',
      code: lifecycle([['30d', 'STANDARD_IA'], ['90d', 'GLACIER']], '    expire_after: 60d\n'),
      errors: [{ line: 23, column: 19, path: '/storage/backups/expire_after', severity: 'error', message: 'backups: expire_after 60d is not later than the last transition (GLACIER after 90d)' }],
    },
    {
      name: 'early-delete fee: warning',
      code: lifecycle([['90d', 'DEEP_ARCHIVE']], '    expire_after: 120d\n'),
      errors: [{ line: 22, path: '/storage/backups/expire_after', severity: 'warning', message: 'objects expire 30d after moving to DEEP_ARCHIVE (after 90d), before its 180d minimum storage duration' }],
    },
    {
      name: 'several problems, in order',
      code: lifecycle([['10d', 'STANDARD_IA'], ['20d', 'GLACIER'], ['25d', 'STANDARD']], '    expire_after: 25d\n'),
      errors: [
        { line: 21, path: '/storage/backups/transitions/0/after', message: 'too early' },
        { line: 22, path: '/storage/backups/transitions/1/after', message: 'less than 30d' },
        { line: 23, path: '/storage/backups/transitions/2/class', message: 'STANDARD' },
        { line: 24, path: '/storage/backups/expire_after', message: 'not later than the last transition' },
      ],
    },
  ],
});
