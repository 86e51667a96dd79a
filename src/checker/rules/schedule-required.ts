import { pointer } from '../../diagnostics.js';
import type { Rule } from '../rule.js';

/** Reports services that are never backed up: no effective schedule. */
export const rule: Rule = {
  meta: {
    id: 'schedule-required',
    severity: 'error',
    description: 'A service that is never backed up: no effective `schedule` (on the service or in `defaults:`), or no storage target to write its backups to.',
    rationale:
      'A service without a schedule gets no backup job, so it has no restore point at all. The effective schedule is the service\'s `schedule:`, ' +
      'else the one in `defaults:`. `continuous: true` (WAL archiving, bucket versioning with replication) does not replace it: continuous ' +
      'mechanisms replay changes on top of a full copy, and the schedule says how often full copies are taken (policy language §4). ' +
      'A schedule that does not parse is reported by `invalid-value` instead. A service with no effective `storage` (none named, and the ' +
      'policy has not exactly one storage target to default to) has nowhere to write its backups, so it is never backed up either; ' +
      '`aws-backup` services need none (AWS Backup writes to its vaults), and a storage name that does not exist is `unknown-reference`\'s.',
    sources: [
      { title: 'drc policy language §4: continuous mechanisms and full copies', url: 'docs/policy-language.md#4-service-kinds' },
      { title: 'pgBackRest user guide: PITR needs a base backup plus WAL', url: 'https://pgbackrest.org/user-guide.html#pitr' },
      { title: 'AWS Well-Architected REL09-BP03: perform data backup automatically', url: 'https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/back-up-data.html' },
    ],
    examples: {
      failing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1\n',
      passing: 'services:\n  db:\n    kind: postgresql\n    tier: tier1\n    schedule: hourly\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      if (!service.storage && service.kind !== 'aws-backup' && !service.unknown.has('storage')) {
        report({
          path: pointer('services', service.name, 'storage'),
          message: `${service.name}: no storage target, so its backups have nowhere to go and it is never backed up`,
          hint: 'Name a storage target with `storage:` on the service or in `defaults:` (or define exactly one under `storage:`, which every service then uses).',
        });
      }
      if (service.schedule || service.unknown.has('schedule')) continue;
      const continuous = service.continuous?.value === true;
      report({
        path: pointer('services', service.name, 'schedule'),
        message: continuous
          ? `${service.name}: no backup schedule, so no full copy is ever taken (continuous archiving needs one to replay from)`
          : `${service.name}: no backup schedule, so it is never backed up`,
        hint: 'Set `schedule:` (e.g. `schedule: daily at 02:00` or `every 6h`) on the service, or one for all services in `defaults:`.',
      });
    }
  },
};
