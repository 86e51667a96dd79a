/**
 * Metadata of the rules `drc verify` reports (live state, policy-language.md §11), for
 * `drc explain`, `drc rules`, SARIF and docs/rules/<id>.md. The checks themselves are in ./index.ts.
 */
import type { RuleMeta } from '../checker/rule.js';

const S3_VERSIONING = { title: 'Amazon S3 API: PutBucketVersioning', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html' };
const S3_ENCRYPTION = { title: 'Amazon S3 User Guide: default bucket encryption', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html' };
const S3_OBJECT_LOCK = { title: 'Amazon S3 User Guide: Object Lock', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html' };
const S3_REPLICATION = { title: 'Amazon S3 User Guide: replication requirements', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html#replication-requirements' };
const S3_LIFECYCLE = { title: 'Amazon S3 API: PutBucketLifecycleConfiguration', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html' };
const NIST_34 = { title: 'NIST SP 800-34 Rev. 1, Contingency Planning Guide (3.4.2 backup and recovery; 3.5 testing)', url: 'https://csrc.nist.gov/pubs/sp/800/34/r1/upd1/final' };
const SPEC = { title: 'drc policy language §11 (drc verify) and §10.1 (object layout, manifests)', url: 'docs/verify.md' };

const STORAGE_EXAMPLE = `storage:
  backups:
    type: s3
    bucket: acme-backups-use1
    region: us-east-1
    replicas: [{ bucket: acme-backups-usw2, region: us-west-2 }]
    object_lock: { mode: compliance, days: 30 }`;

function driftExample(what: string): { failing: string; passing: string } {
  return {
    failing: `${STORAGE_EXAMPLE}\n# live bucket: ${what}\n# drc verify: drift`,
    passing: `${STORAGE_EXAMPLE}\n# live bucket: configured from \`drc build\` (aws/cloudformation/backup-stack.yaml)`,
  };
}

const SERVICE_EXAMPLE = `services:
  production-db:
    tier: tier1          # rpo: 15m, restore_test: monthly
    kind: postgresql
    schedule: every 15m
    storage: backups`;

function serviceExample(failing: string, passing: string): { failing: string; passing: string } {
  return { failing: `${SERVICE_EXAMPLE}\n# live state: ${failing}`, passing: `${SERVICE_EXAMPLE}\n# live state: ${passing}` };
}

const COMMON_DRIFT = 'Expected values come from the same functions `drc build` uses to emit the bucket configuration, so verify and build cannot disagree. Values are compared after normalisation (rule order and IDs, `Years: 0`, key ARNs vs aliases; see docs/verify.md).';

export const DRIFT_VERSIONING: RuleMeta = {
  id: 'drift-versioning',
  severity: 'error',
  description: 'A storage or replica bucket whose versioning is not Enabled, as drc build configures it.',
  rationale: `Every drc bucket is versioned: replication and Object Lock require it, and a suspended bucket lets an overwrite or delete destroy the only copy of a backup. AWS allows suspending versioning at any time (but never returning to unversioned), so it can drift silently. ${COMMON_DRIFT}`,
  sources: [S3_VERSIONING, S3_REPLICATION, SPEC],
  examples: driftExample('versioning Suspended'),
};

export const DRIFT_ENCRYPTION: RuleMeta = {
  id: 'drift-encryption',
  severity: 'error',
  description: 'A bucket whose default encryption (algorithm, KMS key, S3 Bucket Key) differs from what drc build configures.',
  rationale: `Default encryption decides how objects written without explicit SSE headers are stored, and which KMS key (whose key policy and deletion protect the data) they depend on. S3 does not validate the key id, and since January 2023 SSE-S3 (AES256) is the baseline, so a removed SSE-KMS configuration silently falls back to AES256. Where the policy names a key (\`kms_key\`, \`replica_kms_keys\`), the bucket must use that key. ${COMMON_DRIFT}`,
  sources: [S3_ENCRYPTION, { title: 'Amazon S3 API: PutBucketEncryption', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html' }, SPEC],
  examples: driftExample('default encryption AES256 while the policy says at_rest: aws:kms, kms_key: alias/acme-backup'),
};

export const DRIFT_OBJECT_LOCK: RuleMeta = {
  id: 'drift-object-lock',
  severity: 'error',
  description: "A bucket whose Object Lock default retention (mode and days) differs from the storage's object_lock.",
  rationale: `Immutable tiers rely on Object Lock so that neither a compromised writer nor an operator can delete backups before the retention ends. A default retention in GOVERNANCE mode can be bypassed with \`s3:BypassGovernanceRetention\`; a shorter period protects less. A lock the policy does not ask for is reported as a warning (the bucket is stricter than the build). ${COMMON_DRIFT}`,
  sources: [S3_OBJECT_LOCK, { title: 'Amazon S3 API: DefaultRetention', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DefaultRetention.html' }, SPEC],
  examples: driftExample('object lock GOVERNANCE 7 days'),
};

export const DRIFT_REPLICATION: RuleMeta = {
  id: 'drift-replication',
  severity: 'error',
  description: 'A primary bucket whose replication rules do not replicate to each replica as drc build configures (or replicate where the build does not).',
  rationale: `Cross-region copies are what make a regional outage survivable. Replication is compared per destination bucket: status, prefix, delete-marker replication, SSE-KMS object selection and the replica KMS key (S3 does not validate that key: replication fails later). The role ARN, rule IDs and priorities are not compared. ${COMMON_DRIFT}`,
  sources: [S3_REPLICATION, { title: 'Amazon S3 User Guide: replicating SSE-KMS objects', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html' }, SPEC],
  examples: driftExample('no replication configuration'),
};

export const DRIFT_LIFECYCLE: RuleMeta = {
  id: 'drift-lifecycle',
  severity: 'error',
  description: 'A bucket whose lifecycle rules differ from what drc build emits (retention expiry, transitions, noncurrent versions, multipart cleanup).',
  rationale: `Lifecycle rules implement retention: a rule that expires earlier than the policy's retention deletes restore points (data loss), one that is missing keeps data (and cost, and GDPR exposure) forever. Rules are matched by ID, else by identical content, and compared field by field. S3's \`TransitionDefaultMinimumObjectSize\` is ignored. ${COMMON_DRIFT}`,
  sources: [S3_LIFECYCLE, { title: 'Amazon S3 User Guide: lifecycle configuration elements', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html' }, SPEC],
  examples: driftExample('lifecycle rule drc-production-db expires after 7 days; the policy keeps 30 days'),
};

export const BACKUP_MISSING: RuleMeta = {
  id: 'backup-missing',
  severity: 'error',
  description: 'A service with no complete backup (no backup folder with a manifest.json) in its primary storage.',
  rationale: 'A backup is complete only when its manifest exists (the backup script writes it last); a folder with only a payload is a failed or running backup that restore ignores. A service with no complete backup cannot be restored at all.',
  sources: [SPEC, NIST_34],
  examples: serviceExample('s3://acme-backups-use1/acme-production/production-db/ holds no manifest.json', 'a complete backup finished 5 minutes ago'),
};

export const BACKUP_STALE: RuleMeta = {
  id: 'backup-stale',
  severity: 'error',
  description: "A service whose newest complete backup (by the manifest's finished_at) is older than its RPO.",
  rationale: "If the primary failed now, everything written since the newest complete backup would be lost: its age is the measured recovery point. It is compared with the service's effective RPO; for continuous services (WAL archiving, bucket versioning) the RPO is met by the mechanism, so the full backups are compared with the longer of the RPO and the schedule's longest gap. The age comes from the manifest's `finished_at`, never from listing order or LastModified.",
  sources: [SPEC, NIST_34],
  examples: serviceExample('newest complete backup finished 3h ago', 'newest complete backup finished 10 minutes ago'),
};

export const REPLICA_MISSING: RuleMeta = {
  id: 'replica-missing',
  severity: 'error',
  description: 'A complete backup in the primary bucket that has no manifest in a replica bucket after the grace period.',
  rationale: 'A backup that exists only in the primary region is lost with that region. Copies take time, so a backup counts as missing only when it finished more than the grace period ago: the longer of 1 hour and the service\'s RPO. Backups older than the retention window (less one day of lifecycle slack) are not compared, since each bucket expires them on its own schedule.',
  sources: [S3_REPLICATION, SPEC, NIST_34],
  examples: serviceExample('backup 20260101T000000Z is in us-east-1 but not in us-west-2 two hours later', 'every backup older than the grace period is in both regions'),
};

export const BACKUP_CORRUPT: RuleMeta = {
  id: 'backup-corrupt',
  severity: 'error',
  description: "A backup whose stored payload does not match its manifest's sha256 or bytes (checked with --deep), or whose manifest is unreadable.",
  rationale: "The manifest records the sha256 and size of the stored (encrypted) payload at backup time. A mismatch means the object was truncated, overwritten or damaged, and a restore from it would fail or, with unauthenticated encryption (openssl CBC), silently produce garbage. `--deep` downloads the newest complete backup in every bucket and hashes it.",
  sources: [SPEC, { title: 'Amazon S3 User Guide: checking object integrity', url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html' }],
  examples: serviceExample('payload sha256 3f2a… but manifest says 9c1b…', 'payload sha256 equals the manifest\'s sha256 and size equals bytes'),
};

export const RESTORE_TEST_STALE: RuleMeta = {
  id: 'restore-test-stale',
  severity: 'error',
  description: "A service whose newest successful restore-test record is older than its restore_test frequency allows, or that has none.",
  rationale: 'Backups that are never restored are hopes, not backups. `restore-test.sh` records every run as `<policy>/<service>/restore-tests/<UTC timestamp>.json` in the primary storage; the newest successful record must be younger than the longest gap of the effective `restore_test` frequency (monthly = 31 days, quarterly = 92 days).',
  sources: [NIST_34, SPEC],
  examples: serviceExample('newest restore-test record is 45 days old (monthly allows 31 days)', 'a restore test succeeded 3 days ago'),
};

export const VERIFY_ERROR: RuleMeta = {
  id: 'verify-error',
  severity: 'error',
  description: 'A bucket or configuration that drc verify could not read (missing bucket, access denied, endpoint unreachable).',
  rationale: 'What cannot be read cannot be verified: a missing bucket or a permission gap is reported at the storage target, and the other checks continue. See docs/verify.md for the read-only IAM permissions verify needs.',
  sources: [SPEC, { title: 'Amazon S3 API: error responses', url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html' }],
  examples: {
    failing: `${STORAGE_EXAMPLE}\n# live state: bucket acme-backups-usw2 does not exist (NoSuchBucket)`,
    passing: `${STORAGE_EXAMPLE}\n# live state: both buckets exist and the caller may read their configuration`,
  },
};

/** Every rule drc verify can report, in catalogue order. */
export const VERIFY_RULES: readonly RuleMeta[] = [
  DRIFT_VERSIONING,
  DRIFT_ENCRYPTION,
  DRIFT_OBJECT_LOCK,
  DRIFT_REPLICATION,
  DRIFT_LIFECYCLE,
  BACKUP_MISSING,
  BACKUP_STALE,
  REPLICA_MISSING,
  BACKUP_CORRUPT,
  RESTORE_TEST_STALE,
  VERIFY_ERROR,
];

export type VerifyRuleId = (typeof VERIFY_RULES)[number]['id'];
