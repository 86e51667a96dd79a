import { pointer } from '../../diagnostics.js';
import type { Rule } from '../rule.js';

/** Kinds the policy language accepts but `drc build` writes no backup job for yet (policy-language.md §4). */
export const KINDS_WITHOUT_BACKUP_JOB: ReadonlySet<string> = new Set(['mysql']);

export const rule: Rule = {
  meta: {
    id: 'backup-not-generated',
    severity: 'warning',
    description: 'A service of a kind for which `drc build` writes no backup job yet (mysql): nothing in the build backs it up.',
    rationale: [
      'The policy language accepts `kind: mysql` ("may come later than postgresql", policy-language.md §4), but `drc build` does not',
      'generate MySQL backup, restore or restore-test scripts yet. Such a service lints clean and gets its objectives in the RTO/RPO',
      'matrix, lifecycle rules and alerts, while no generated job ever writes a backup: the alerts on `drc_backup_*` fire once it',
      'misses its RPO, and its runbook says to restore with the tooling that backs it up. Back it up with other tooling that writes',
      'the same metrics (docs/scripts.md), or suppress this warning with the reason once that tooling is in place.',
    ].join('\n'),
    sources: [{ title: 'policy-language.md §4: service kinds (mysql may come later than postgresql)', url: 'docs/policy-language.md#4-service-kinds' }],
    examples: {
      failing: 'services:\n  shop-db:\n    kind: mysql\n    mysql: { host: db.internal, port: 3306, database: shop, user: backup }\n',
      passing: 'services:\n  shop-db:\n    kind: postgresql\n    postgresql: { host: db.internal, port: 5432, database: shop, user: backup }\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      if (!KINDS_WITHOUT_BACKUP_JOB.has(service.kind)) continue;
      report({
        path: pointer('services', service.name, 'kind'),
        message: `${service.name}: drc build writes no backup job for kind ${service.kind} yet; nothing it generates backs this service up`,
        hint: 'Back it up with other tooling that writes the drc_backup_* metrics, and suppress this warning with the reason.',
      });
    }
  },
};
