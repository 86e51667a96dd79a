import type { Rule } from '../rule.js';

/** Reports the values the resolver could not parse, at the column inside the string. */
export const rule: Rule = {
  meta: {
    id: 'invalid-value',
    severity: 'error',
    description: 'A duration, size, rate, frequency, schedule or cron expression that does not parse, or an unknown time zone.',
    rationale:
      'Every objective drc checks is computed from these values, so one that does not parse is an error at the exact column inside the YAML string, ' +
      'with what was expected. Durations take the units s, m, h, d, w, y (no months: write 30d); sizes B, KB, MB, GB, TB, KiB, MiB, GiB, TiB; ' +
      'rates a size per second; schedules a frequency, `daily at HH:MM`, `weekly on mon at HH:MM`, `monthly on 1..28 at HH:MM` or `cron(m h dom mon dow)`. ' +
      '`timezone:` takes an IANA name Node\'s ICU knows, spelt in its case (`Europe/Berlin`, `UTC`): it reaches systemd timers, `CRON_TZ=` ' +
      'lines and CronJobs, which look names up case-sensitively and reject an unknown one at install time rather than at lint. ' +
      'Rules that need an invalid value skip it instead of reporting a second, cascading finding.',
    sources: [{ title: 'drc policy language §2: values', url: 'docs/values.md' }],
    examples: {
      failing: 'tiers:\n  tier1:\n    rpo: 15mins\n',
      passing: 'tiers:\n  tier1:\n    rpo: 15m\n',
    },
  },
  check(policy, report) {
    for (const invalid of policy.invalidValues) {
      report({
        path: invalid.path,
        message: invalid.message,
        inner: { offset: invalid.offset, length: Math.max(1, invalid.length) },
      });
    }
  },
};
