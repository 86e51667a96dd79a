import { pointer } from '../../diagnostics.js';
import type { Rule } from '../rule.js';

/** Warns about services without an effective owner. */
export const rule: Rule = {
  meta: {
    id: 'owner-required',
    severity: 'warning',
    description: 'A service without an owner (on the service or in `defaults:`) to page when its backups fail.',
    rationale:
      'Backup alerts, failed restore tests and DR drills need someone who answers for the service: the generated runbooks, alert labels and the ' +
      'RTO/RPO matrix name the owner. The effective owner is the service\'s `owner:`, else the one in `defaults:`. The policy-level `owner` answers ' +
      'for the policy as a whole and does not count as a service owner.',
    sources: [
      { title: 'Google SRE book: being on-call (every alert has an owner who responds)', url: 'https://sre.google/sre-book/being-on-call/' },
      { title: 'AWS Well-Architected OPS02-BP01: resources have identified owners', url: 'https://docs.aws.amazon.com/wellarchitected/latest/operational-excellence-pillar/ops_ops_model_def_resource_owners.html' },
    ],
    examples: {
      failing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1\n',
      passing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1\n    owner: team-data\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      if (service.owner || service.unknown.has('owner')) continue;
      report({
        path: pointer('services', service.name, 'owner'),
        message: `${service.name}: no owner to page when its backups fail`,
        hint: 'Set `owner:` (a team or an e-mail address) on the service, or one for all services in `defaults:`.',
      });
    }
  },
};
