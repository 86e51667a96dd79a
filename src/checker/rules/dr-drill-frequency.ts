import { pointer } from '../../diagnostics.js';
import type { Frequency, Sourced } from '../../model/types.js';
import { parseFrequency } from '../../parser/values.js';
import type { Rule } from '../rule.js';
import { frequencyPhrase, gapText } from './restore-test-frequency.js';

/** Tier-1 tiers: a DR drill at least quarterly; `quarterly` is a 92-day gap at most. */
export const TIER1_MAX_GAP = 92 * 86_400;

type Data = Record<string, unknown>;

function isObject(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reports tier-1 tiers (min_regions ≥ 2 or immutable) without a DR drill at least quarterly. */
export const rule: Rule = {
  meta: {
    id: 'dr-drill-frequency',
    severity: 'error',
    description: 'A tier-1 tier (`min_regions` ≥ 2 or `immutable: true`) without a DR drill at least quarterly (92 days).',
    rationale:
      'A restore test proves one backup can be restored; a DR drill proves the organisation can recover: people, runbooks, access, DNS, the ' +
      'second region. Tiers that declare they must survive a regional outage (`min_regions` of 2 or more) or an attacker (`immutable: true`) are ' +
      'tier-1, and need a rehearsal of that recovery at least **quarterly**: `dr_drill` with a longest gap of at most **92 days** ' +
      '(`quarterly`; `yearly` is 366 days and fails). The tier\'s own `dr_drill` counts, else the one in `defaults:` its services inherit. ' +
      'One finding per tier, at `/tiers/<name>/dr_drill`.',
    sources: [
      { title: 'Backup & DR brief: "DR Drill Frequency: Quarterly"', url: 'docs/policy-language.md#7-built-in-rules' },
      {
        title: 'AWS Well-Architected REL13-BP03: test disaster recovery implementation to validate the implementation',
        url: 'https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_planning_for_recovery_dr_tested.html',
      },
      { title: 'NIST SP 800-34 Rev. 1: contingency plan testing, training and exercises', url: 'https://csrc.nist.gov/pubs/sp/800/34/r1/upd1/final' },
    ],
    examples: {
      failing: 'tiers:\n  tier1: { rto: 1h, rpo: 15m, min_regions: 2, dr_drill: yearly }\n',
      passing: 'tiers:\n  tier1: { rto: 1h, rpo: 15m, min_regions: 2, dr_drill: quarterly }\n',
    },
  },
  check(policy, report) {
    const rawTiers = isObject(policy.raw.tiers) ? policy.raw.tiers : {};
    const defaults = isObject(policy.raw.defaults) ? policy.raw.defaults : {};
    // The defaults' dr_drill, when the tier sets none (services inherit service → tier → defaults).
    let fromDefaults: Sourced<Frequency> | null | 'invalid' = null;
    if (typeof defaults.dr_drill === 'string') {
      const parsed = parseFrequency(defaults.dr_drill);
      fromDefaults = parsed.ok ? { value: parsed.value, at: '/defaults/dr_drill', from: 'defaults' } : 'invalid';
    } else if (defaults.dr_drill !== undefined) {
      fromDefaults = 'invalid';
    }
    const quarterly = gapText(TIER1_MAX_GAP);
    for (const tier of policy.tiers.values()) {
      const multiRegion = tier.minRegions !== undefined && tier.minRegions.value >= 2;
      const immutable = tier.immutable?.value === true;
      if (!multiRegion && !immutable) continue;
      const raw = rawTiers[tier.name];
      let drill: Sourced<Frequency> | null = tier.drDrill ?? null;
      if (!drill) {
        // Present but invalid: invalid-value (or schema) reports it.
        if (isObject(raw) && raw.dr_drill !== undefined) continue;
        if (fromDefaults === 'invalid') continue;
        drill = fromDefaults;
      }
      const path = pointer('tiers', tier.name, 'dr_drill');
      const why = multiRegion ? `min_regions ${tier.minRegions!.value}` : 'immutable';
      if (!drill) {
        report({
          path,
          message: `${tier.name}: no DR drill; tier-1 tiers need one at least quarterly (${quarterly})`,
          hint: `Set \`dr_drill: quarterly\` on the tier (it is tier-1 because of ${why}).`,
        });
      } else if (drill.value.maxGapSeconds > TIER1_MAX_GAP) {
        report({
          path,
          message: `${tier.name}: DR drills ${frequencyPhrase(drill.value)} are less often than quarterly (${quarterly}), which tier-1 tiers need`,
          hint: `Set \`dr_drill: quarterly\` (or more often) on the tier (it is tier-1 because of ${why}).`,
        });
      }
    }
  },
};
