import { pointer } from '../../diagnostics.js';
import type { Rule } from '../rule.js';

/** Production needs copies in at least this many regions (the "1 off-site copy" of 3-2-1). */
export const PRODUCTION_MIN_REGIONS = 2;

/** Reports services whose backup copies are in too few regions. */
export const rule: Rule = {
  meta: {
    id: 'cross-region',
    severity: 'error',
    description:
      'A production service, or a service with an effective `min_regions`, whose backup copies are in fewer than max(2, min_regions) distinct regions.',
    rationale:
      'A backup in the same region as the data it protects is lost in the same regional outage. A service\'s regions are its storage target\'s ' +
      'region plus its replicas\' regions, deduplicated (for `aws-backup` services: the policy\'s primary and secondary regions).\n\n' +
      '- **Production** services (`environment: production`, the default) need copies in at least **2** distinct regions: the off-site copy of the ' +
      '3-2-1 rule, mapped to AWS as a cross-region replica or copy.\n' +
      '- A service whose effective `min_regions` (service → tier → defaults) is set needs at least max(2, min_regions), whatever its environment ' +
      '(policy-language.md §7): setting `min_regions` asks for cross-region copies, and 1 would ask for none.\n\n' +
      'Services whose storage is not defined are skipped (`unknown-reference` reports them), and so are services with no storage at all ' +
      '(`schedule-required`: they are never backed up).',
    sources: [
      { title: 'Backup & DR brief: "Cross-Region: Production backups in >= 2 regions"', url: 'docs/policy-language.md#7-built-in-rules' },
      { title: 'US-CERT: Data Backup Options (3-2-1: one copy off-site)', url: 'https://www.cisa.gov/sites/default/files/publications/data_backup_options.pdf' },
      { title: 'AWS Well-Architected REL09: back up data (copy to another Region)', url: 'https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/back-up-data.html' },
      { title: 'AWS Backup Audit Manager: BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION', url: 'https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html' },
    ],
    examples: {
      failing:
        'storage:\n  backups: { type: s3, bucket: acme-backups, region: us-east-1 }\nservices:\n  db:\n    kind: postgresql\n    environment: production\n    storage: backups\n',
      passing:
        'storage:\n  backups:\n    type: s3\n    bucket: acme-backups\n    region: us-east-1\n    replicas: [{ bucket: acme-backups-usw2, region: us-west-2 }]\n' +
        'services:\n  db:\n    kind: postgresql\n    environment: production\n    storage: backups\n',
    },
  },
  check(policy, report) {
    for (const service of policy.services) {
      // No storage at all is schedule-required's finding (never backed up), not a region count.
      if (service.unknown.has('storage') || (!service.storage && service.kind !== 'aws-backup')) continue;
      const production = service.environment.value === 'production' && !service.unknown.has('environment');
      const minRegions = service.minRegions;
      if (!production && !minRegions) continue;
      if (!production && service.unknown.has('min_regions')) continue;
      const fromMin = minRegions ? minRegions.value : 0;
      const required = Math.max(PRODUCTION_MIN_REGIONS, fromMin);
      const regions = service.regions;
      if (regions.length >= required) continue;
      const where = regions.length === 0 ? '' : ` (${regions.join(', ')})`;
      const because =
        production && fromMin <= PRODUCTION_MIN_REGIONS
          ? `production needs at least ${required}`
          : minRegions!.from === 'tier' && service.tier
            ? `tier ${service.tier.name} needs at least ${required} (min_regions ${fromMin}: max(2, min_regions))`
            : `min_regions ${fromMin} needs at least ${required} (max(2, min_regions))`;
      report({
        path: pointer('services', service.name, 'storage'),
        message: `${service.name}: backups are in ${regions.length} region${regions.length === 1 ? '' : 's'}${where}; ${because}`,
        hint: 'Add a replica in another region to the storage target (`replicas: [{ bucket: …, region: … }]`), or use a storage target that has one.',
      });
    }
  },
};
