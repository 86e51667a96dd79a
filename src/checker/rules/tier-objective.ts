import { pointer } from '../../diagnostics.js';
import { formatDuration } from '../../parser/values.js';
import type { Rule } from '../rule.js';
import { frequencyPhrase } from './restore-test-frequency.js';

/** Reports services whose own objectives are looser than their tier's. */
export const rule: Rule = {
  meta: {
    id: 'tier-objective',
    severity: 'error',
    description: 'A service whose own RTO, RPO, retention, restore test, DR drill, min_regions or immutability is looser than its tier\'s.',
    rationale:
      'A tier is a promise: every service in it recovers at least as fast, loses at most as much and keeps backups at least as long. A service may ' +
      'set its own value to be **stricter** than its tier, never **looser**, otherwise the tier\'s figures in the RTO/RPO matrix and the DR plan are ' +
      'false for it. Looser means:\n\n' +
      '- `rto`, `rpo`: longer than the tier\'s;\n' +
      '- `retention`: shorter (its effective duration: `duration`, else the span its keep counts cover);\n' +
      '- `restore_test`, `dr_drill`: rarer (a longer gap between two runs);\n' +
      '- `min_regions`: fewer; `immutable`: false where the tier says true.\n\n' +
      'Only values the service sets itself are compared; to relax an objective, move the service to another tier.',
    sources: [{ title: 'drc policy language §3: a service may be stricter than its tier, never looser', url: 'docs/policy-language.md#3-inheritance-and-effective-values' }],
    examples: {
      failing: 'tiers:\n  tier1: { rto: 1h, rpo: 15m }\nservices:\n  db:\n    kind: postgresql\n    tier: tier1\n    rpo: 4h\n',
      passing: 'tiers:\n  tier1: { rto: 1h, rpo: 15m }\nservices:\n  db:\n    kind: postgresql\n    tier: tier1\n    rpo: 5m\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      const tier = service.tier;
      if (!tier) continue;
      const name = service.name;
      const at = (field: string) => pointer('services', name, field);
      const hint = (field: string) => `Make the service's \`${field}\` at least as strict as tier ${tier.name}'s, or move the service to a tier whose objectives it meets.`;
      const own = <T>(v: { from: string; value: T } | undefined): T | null => (v && v.from === 'service' ? v.value : null);

      const rto = own(service.rto);
      if (rto && tier.rto && rto.seconds > tier.rto.value.seconds) {
        report({
          path: at('rto'),
          message: `${name}: RTO ${formatDuration(rto.seconds)} is looser than tier ${tier.name}'s ${formatDuration(tier.rto.value.seconds)}`,
          hint: hint('rto'),
        });
      }
      const rpo = own(service.rpo);
      if (rpo && tier.rpo && rpo.seconds > tier.rpo.value.seconds) {
        report({
          path: at('rpo'),
          message: `${name}: RPO ${formatDuration(rpo.seconds)} is looser than tier ${tier.name}'s ${formatDuration(tier.rpo.value.seconds)}`,
          hint: hint('rpo'),
        });
      }
      const retention = own(service.retention);
      if (retention && tier.retention && retention.seconds < tier.retention.value.seconds) {
        report({
          path: at('retention'),
          message: `${name}: retention ${formatDuration(retention.seconds)} is shorter than tier ${tier.name}'s ${formatDuration(tier.retention.value.seconds)}`,
          hint: hint('retention'),
        });
      }
      const restoreTest = own(service.restoreTest);
      if (restoreTest && tier.restoreTest && restoreTest.maxGapSeconds > tier.restoreTest.value.maxGapSeconds) {
        report({
          path: at('restore_test'),
          message: `${name}: restore tests ${frequencyPhrase(restoreTest)} are rarer than tier ${tier.name}'s ${frequencyPhrase(tier.restoreTest.value)}`,
          hint: hint('restore_test'),
        });
      }
      const drDrill = own(service.drDrill);
      if (drDrill && tier.drDrill && drDrill.maxGapSeconds > tier.drDrill.value.maxGapSeconds) {
        report({
          path: at('dr_drill'),
          message: `${name}: DR drills ${frequencyPhrase(drDrill)} are rarer than tier ${tier.name}'s ${frequencyPhrase(tier.drDrill.value)}`,
          hint: hint('dr_drill'),
        });
      }
      const minRegions = own(service.minRegions);
      if (minRegions !== null && tier.minRegions && minRegions < tier.minRegions.value) {
        report({
          path: at('min_regions'),
          message: `${name}: min_regions ${minRegions} is fewer than tier ${tier.name}'s ${tier.minRegions.value}`,
          hint: hint('min_regions'),
        });
      }
      const immutable = own(service.immutable);
      if (immutable === false && tier.immutable?.value === true) {
        report({
          path: at('immutable'),
          message: `${name}: immutable false is looser than tier ${tier.name}'s immutable true`,
          hint: hint('immutable'),
        });
      }
    }
  },
};
