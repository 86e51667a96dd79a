/**
 * The weakening rules of `drc diff` and `drc lint --baseline OLD` (policy-language.md §12).
 * They do not check one policy: they compare the effective values of OLD and NEW (src/diff/index.ts).
 * Default severity: error, except service-removed (warning: removing a service is often deliberate,
 * e.g. a decommissioned system, but a reviewer should see it).
 */
import type { RuleMeta } from '../checker/rule.js';

const SECTION = { title: 'drc policy language §12: drc diff and pull requests', url: 'docs/diff.md' };

function meta(id: string, severity: RuleMeta['severity'], description: string, rationale: string, failing: string, passing: string): RuleMeta {
  return { id, severity, description, rationale, sources: [SECTION], examples: { failing, passing } };
}

export const OBJECTIVE_WEAKENED = meta(
  'objective-weakened',
  'error',
  'A change raises the effective RTO or RPO of a service (directly, through its tier or through defaults).',
  'A higher RTO or RPO means the business accepts longer outages or more data loss. Such a change should be a decision, ' +
    'visible in review, not a side effect of editing a tier. Effective values are compared, so a tier change is reported for every service that inherits it.',
  '# OLD: rpo: 15m\n# NEW:\nservices:\n  db: { tier: tier1, rpo: 1h }\n',
  '# OLD: rpo: 1h\n# NEW:\nservices:\n  db: { tier: tier1, rpo: 15m }\n',
);

export const RETENTION_REDUCED = meta(
  'retention-reduced',
  'error',
  'A change shortens the effective retention of a service, or a storage target\'s expire_after.',
  'Shorter retention deletes restore points that auditors, ransomware recovery or late-detected corruption may need.',
  '# OLD: retention: 90d\n# NEW:\nservices:\n  db: { retention: 30d }\n',
  '# OLD: retention: 30d\n# NEW:\nservices:\n  db: { retention: 90d }\n',
);

export const REGION_REMOVED = meta(
  'region-removed',
  'error',
  'A change removes a region from a service\'s backups (a storage replica), or lowers min_regions.',
  'Copies in another region are what survive a regional outage; removing one reduces the blast-radius protection.',
  '# OLD: replicas: [{ bucket: b-usw2, region: us-west-2 }]\n# NEW:\nstorage:\n  backups: { type: s3, bucket: b, region: us-east-1 }\n',
  'storage:\n  backups: { type: s3, bucket: b, region: us-east-1, replicas: [{ bucket: b-usw2, region: us-west-2 }] }\n',
);

export const ENCRYPTION_WEAKENED = meta(
  'encryption-weakened',
  'error',
  'A change weakens encryption at rest (aws:kms > AES256 > none) or drops client-side encryption (age/openssl > none).',
  'Weaker encryption widens who can read backups: SSE-S3 instead of KMS loses key policies and audit trails; dropping client-side encryption exposes data to anyone with bucket access.',
  '# OLD: at_rest: aws:kms\n# NEW:\nencryption: { at_rest: AES256 }\n',
  'encryption: { at_rest: aws:kms, kms_key: alias/backup }\n',
);

export const RESTORE_TEST_LESS_FREQUENT = meta(
  'restore-test-less-frequent',
  'error',
  'A change makes restore tests or DR drills rarer (a longer maximum gap between runs), or removes them.',
  'Untested backups are assumptions. A rarer restore test or drill lets a broken backup go unnoticed for longer.',
  '# OLD: restore_test: monthly\n# NEW:\ntiers:\n  tier1: { restore_test: quarterly }\n',
  'tiers:\n  tier1: { restore_test: monthly }\n',
);

export const SERVICE_REMOVED = meta(
  'service-removed',
  'warning',
  'A service present in OLD is gone from NEW, so nothing protects it any more.',
  'Removing a service stops its backups, monitoring and drills. Often deliberate (a decommissioned system), hence a warning; make it an error in .drc.yaml when every removal needs sign-off.',
  '# OLD had services: { legacy-db: ... }\nservices: {}\n',
  'services:\n  legacy-db: { tier: tier3 }\n',
);

export const IMMUTABILITY_REMOVED = meta(
  'immutability-removed',
  'error',
  'A change turns immutable off for a service or tier, removes or shortens a storage target\'s object lock, or relaxes it from compliance to governance.',
  'Immutable (object-locked) backups are the defence against ransomware and a compromised admin deleting restore points.',
  '# OLD: immutable: true\n# NEW:\ntiers:\n  tier1: { immutable: false }\n',
  'tiers:\n  tier1: { immutable: true }\n',
);

export const DIFF_RULES: readonly RuleMeta[] = [
  OBJECTIVE_WEAKENED,
  RETENTION_REDUCED,
  REGION_REMOVED,
  ENCRYPTION_WEAKENED,
  RESTORE_TEST_LESS_FREQUENT,
  SERVICE_REMOVED,
  IMMUTABILITY_REMOVED,
];

export type DiffRuleId =
  | 'objective-weakened'
  | 'retention-reduced'
  | 'region-removed'
  | 'encryption-weakened'
  | 'restore-test-less-frequent'
  | 'service-removed'
  | 'immutability-removed';

export function diffRuleMeta(id: DiffRuleId): RuleMeta {
  return DIFF_RULES.find((r) => r.id === id)!;
}
