import { pointer } from '../../diagnostics.js';
import type { Frequency } from '../../model/types.js';
import { formatDuration } from '../../parser/values.js';
import type { Rule } from '../rule.js';

const DAY = 86_400;
/** Production: at least monthly; `monthly` is a 31-day gap at most. */
export const PRODUCTION_MAX_GAP = 31 * DAY;
/** SOC 2: at least yearly (once per 12-month audit period); `yearly` is a 366-day gap at most. */
export const SOC2_MAX_GAP = 366 * DAY;

const WORD_PHRASES: Record<string, string> = {
  hourly: 'every hour',
  daily: 'every day',
  weekly: 'every week',
  monthly: 'every month',
  quarterly: 'every quarter',
  yearly: 'every year',
};

/** A gap in whole days when it is one ("42d", like monthly's "31d"), else the shortest duration text. */
export function gapText(seconds: number): string {
  return seconds >= DAY && seconds % DAY === 0 ? `${seconds / DAY}d` : formatDuration(seconds);
}

/** "every quarter (92d)", "every 6w (42d)": how often, and the longest gap the rules compare. */
export function frequencyPhrase(frequency: Frequency): string {
  const text = frequency.text.trim();
  const phrase = WORD_PHRASES[text] ?? (text.startsWith('every ') ? text : `"${text}"`);
  return `${phrase} (${gapText(frequency.maxGapSeconds)})`;
}

/** Reports production services without a monthly restore test, and (SOC 2) services without a yearly one. */
export const rule: Rule = {
  meta: {
    id: 'restore-test-frequency',
    severity: 'error',
    description:
      'A production service with no restore test, or one less often than monthly (31 days); with `compliance.frameworks: [soc2]`, any service without a restore test at least yearly (366 days).',
    rationale:
      'A backup that has never been restored is a hope, not a backup: restores fail for reasons no backup job reports (missing roles or extensions, ' +
      'a lost key, a truncated object, a restore slower than the RTO). `restore_test` (service → tier → defaults) says how often drc\'s ' +
      '`restore-test.sh` restores the latest backup into a scratch target and validates it; the rule compares its longest gap between two runs.\n\n' +
      '- **Production** services (`environment: production`, the default) need a restore test at least **monthly**: a gap of at most **31 days** ' +
      '(`monthly` itself; `quarterly` is 92 days and fails).\n' +
      '- With **SOC 2** in `compliance.frameworks`, every service needs a restore test at least **yearly** (at most **366 days**), so each 12-month ' +
      'audit period has evidence that recovery procedures were tested (Trust Services Criteria A1.3).',
    sources: [
      { title: 'Backup & DR brief: "Testing: Monthly automated restore validation"', url: 'docs/policy-language.md#7-built-in-rules' },
      {
        title: 'AWS Well-Architected REL09-BP04: perform periodic recovery of the data to verify backup integrity and processes',
        url: 'https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/back-up-data.html',
      },
      {
        title: 'AICPA 2017 Trust Services Criteria (SOC 2), A1.3: recovery plan procedures are tested',
        url: 'https://www.aicpa-cima.com/resources/download/2017-trust-services-criteria-with-revised-points-of-focus-2022',
      },
    ],
    examples: {
      failing: 'services:\n  db:\n    kind: postgresql\n    environment: production\n    restore_test: quarterly\n',
      passing: 'services:\n  db:\n    kind: postgresql\n    environment: production\n    restore_test: monthly\n',
    },
  },
  check(policy, report) {
    const soc2 = policy.compliance.frameworks.some((f) => f.value.toLowerCase() === 'soc2');
    const monthly = gapText(PRODUCTION_MAX_GAP);
    const soc2Gap = gapText(SOC2_MAX_GAP);
    for (const service of policy.services) {
      if (service.unknown.has('restore_test')) continue;
      const production = service.environment.value === 'production' && !service.unknown.has('environment');
      if (!production && !soc2) continue;
      const test = service.restoreTest;
      if (!test) {
        report({
          path: pointer('services', service.name, 'restore_test'),
          message: production
            ? `${service.name}: no restore test; production services need one at least monthly (${monthly})`
            : `${service.name}: no restore test; SOC 2 needs one at least yearly (${soc2Gap})`,
          hint: `Set \`restore_test: monthly\` on the service or its tier.`,
        });
        continue;
      }
      const gap = test.value.maxGapSeconds;
      if (production && gap > PRODUCTION_MAX_GAP) {
        report({
          path: pointer('services', service.name, 'restore_test'),
          message: `${service.name}: restore tests ${frequencyPhrase(test.value)} are less often than monthly (${monthly}) for production`,
          hint: `Set \`restore_test: monthly\` (or more often) on the service or its tier${test.from === 'service' ? '' : ` (now from ${test.at})`}.`,
        });
      } else if (soc2 && gap > SOC2_MAX_GAP) {
        report({
          path: pointer('services', service.name, 'restore_test'),
          message: `${service.name}: restore tests ${frequencyPhrase(test.value)} are less often than yearly (${soc2Gap}), which SOC 2 needs`,
          hint: `Set \`restore_test: yearly\` (or more often) on the service or its tier${test.from === 'service' ? '' : ` (now from ${test.at})`}.`,
        });
      }
    }
  },
};
