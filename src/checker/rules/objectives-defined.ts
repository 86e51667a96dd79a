import { pointer } from '../../diagnostics.js';
import type { Rule } from '../rule.js';

/** Reports services with no effective RTO or RPO (one finding per missing objective). */
export const rule: Rule = {
  meta: {
    id: 'objectives-defined',
    severity: 'error',
    description: 'A service with no effective RTO or RPO (on the service, its tier or `defaults:`).',
    rationale:
      'The recovery time objective (RTO: how long the service may be down) and recovery point objective (RPO: how much data, in time, may be lost) ' +
      'are what every other check measures against: the schedule against the RPO, restore throughput and archive retrieval against the RTO. ' +
      'A service without them cannot be checked and its runbook cannot promise anything. Each is the effective value: the service\'s own, ' +
      'else its tier\'s, else `defaults:`. One finding per missing objective, at `/services/<name>/rto` or `/services/<name>/rpo`. ' +
      'A service whose tier is not defined, or whose value does not parse, is skipped (`unknown-reference` and `invalid-value` report those).',
    sources: [
      { title: 'NIST glossary: recovery time objective', url: 'https://csrc.nist.gov/glossary/term/recovery_time_objective' },
      { title: 'NIST glossary: recovery point objective', url: 'https://csrc.nist.gov/glossary/term/recovery_point_objective' },
      { title: 'AWS Well-Architected REL13-BP01: define recovery objectives for downtime and data loss', url: 'https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/rel_planning_for_recovery_objective_defined_recovery.html' },
    ],
    examples: {
      failing: 'services:\n  db:\n    kind: postgresql\n    rpo: 1h          # no rto, and no tier to inherit one from\n',
      passing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1      # tier1 sets rto and rpo\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      if (!service.rto && !service.unknown.has('rto')) {
        report({
          path: pointer('services', service.name, 'rto'),
          message: `${service.name}: no RTO is defined (not on the service, its tier or defaults)`,
          hint: 'Set `rto:` (e.g. `rto: 4h`) on the service, or give it a `tier:` that sets one.',
        });
      }
      if (!service.rpo && !service.unknown.has('rpo')) {
        report({
          path: pointer('services', service.name, 'rpo'),
          message: `${service.name}: no RPO is defined (not on the service, its tier or defaults)`,
          hint: 'Set `rpo:` (e.g. `rpo: 1h`) on the service, or give it a `tier:` that sets one.',
        });
      }
    }
  },
};
