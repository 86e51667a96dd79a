/**
 * The S3 bucket configuration `drc build` emits, in the S3 API's JSON shapes (what
 * `aws s3api put-bucket-*` takes and `get-bucket-*` returns). Pure functions of the Model, so
 * `drc verify` can compare a live bucket with exactly what the build would have written.
 * CloudFormation shapes are derived from these (cloudformation.ts), never written separately.
 */
import { GFS_PERIODS, type Policy, type Service, type StorageClass, type StorageTarget } from '../../model/types.js';
import { byName, fit, kmsKeyForRegion, primaryRegion, RESTORE_TEST_RETENTION, RETENTION_TAG, servicePrefix, storageBuckets } from '../layout.js';
import { gfsExpirationDays } from './gfs.js';
import { ceilDays, s3BucketArn, writesToS3 } from './names.js';

// ------------------------------------------------------------------------------------------
// Lifecycle

export interface LifecycleFilter {
  Prefix?: string;
  And?: { Prefix: string; Tags: { Key: string; Value: string }[] };
}

export interface LifecycleRule {
  ID: string;
  Status: 'Enabled';
  Filter: LifecycleFilter;
  Transitions?: { Days: number; StorageClass: Exclude<StorageClass, 'STANDARD'> }[];
  Expiration?: { Days: number } | { ExpiredObjectDeleteMarker: true };
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
}

export interface LifecycleConfiguration {
  Rules: LifecycleRule[];
}

/** Days after which incomplete multipart uploads are aborted. */
export const ABORT_MULTIPART_DAYS = 7;
/** Noncurrent versions (overwritten or expired objects) are kept this long, or the object-lock days when longer. */
export const NONCURRENT_DAYS = 7;
/** Longest lifecycle rule ID S3 accepts. */
export const MAX_RULE_ID = 255;

/**
 * Backup folders are `<policy>/<service>/<YYYYMMDDTHHMMSSZ>/`: every one of them (years 2000-2999)
 * starts with this character, and no other folder under the service prefix does.
 */
export const BACKUP_FOLDER_PREFIX = '2';

/**
 * Rule ID of the bucket's restore-test records (tag `drc-retention=restore-test`). Rule IDs are
 * `drc-<service>` for a service's backups, `drc-<service>.<period>` for its GFS periods, and `drc.<name>`
 * for the bucket's own rules. Service names have no dot, so no two IDs can be equal (S3 rejects a
 * configuration that repeats one): a service named `x-daily` or `restore-tests` is safe.
 */
export const RESTORE_TEST_RULE_ID = 'drc.restore-tests';
/**
 * Restore-test records are audit evidence: kept at least 12 months (PCI DSS 10.5.1's audit-trail history,
 * a yearly SOC 2 period), plus 35 days for the auditor to read the oldest one. Each record is a few
 * hundred bytes. Why: docs/artifacts/aws.md, "Restore-test records".
 */
export const RESTORE_TEST_RECORD_MIN_DAYS = 400;

/** The services writing into each bucket, built once per policy (lint and several emitters ask for every bucket). */
const servicesByBucket = new WeakMap<Policy, Map<string, Service[]>>();

/** Services that write objects into `bucket` (any storage that lists it), sorted by name. Shared: do not modify. */
export function servicesInBucket(policy: Policy, bucket: string): readonly Service[] {
  let byBucket = servicesByBucket.get(policy);
  if (!byBucket) {
    byBucket = new Map();
    const bucketsOf = new Map<StorageTarget, string[]>();
    for (const service of [...policy.services].sort(byName)) {
      if (!writesToS3(service)) continue;
      const storage = service.storage!;
      let buckets = bucketsOf.get(storage);
      if (!buckets) bucketsOf.set(storage, (buckets = [...new Set(storageBuckets(storage).map((b) => b.bucket))]));
      for (const name of buckets) {
        const list = byBucket.get(name);
        if (list) list.push(service);
        else byBucket.set(name, [service]);
      }
    }
    servicesByBucket.set(policy, byBucket);
  }
  return byBucket.get(bucket) ?? [];
}

/** A service's effective retention in whole days (rounded up), or null when it has none. */
export function retentionDays(service: Service): number | null {
  const retention = service.retention?.value;
  return retention && retention.seconds > 0 ? ceilDays(retention.seconds) : null;
}

function expireAfterDays(storage: StorageTarget | null): number | null {
  const seconds = storage?.expireAfter?.value.seconds;
  return seconds && seconds > 0 ? ceilDays(seconds) : null;
}

function minDefined(...values: (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length ? Math.min(...defined) : null;
}

/**
 * Days a service's restore-test records are kept: the longest of the audit floor, the backups' retention
 * (a record names a backup), and two restore_test gaps (so `drc verify` still finds the newest record when
 * a test is late, and reports it stale rather than missing).
 */
export function restoreTestRecordDays(service: Service): number {
  const gap = service.restoreTest?.value.maxGapSeconds;
  return Math.max(RESTORE_TEST_RECORD_MIN_DAYS, retentionDays(service) ?? 0, gap ? 2 * ceilDays(gap) : 0);
}

/** Noncurrent-version expiry: 7 days, or the object-lock days when longer (locked versions cannot go earlier). */
export function noncurrentDays(storage: StorageTarget | null): number {
  return Math.max(NONCURRENT_DAYS, storage?.objectLock?.days ?? 0);
}

/** The storage's transitions that happen strictly before `expireDays` (all of them without expiry). */
function transitionsBefore(storage: StorageTarget, expireDays: number | null): LifecycleRule['Transitions'] {
  const out = storage.transitions
    .filter((t) => t.class !== 'STANDARD')
    .map((t) => ({ Days: Math.max(0, Math.ceil(t.after.seconds / 86_400)), StorageClass: t.class as Exclude<StorageClass, 'STANDARD'> }))
    .filter((t) => expireDays === null || t.Days < expireDays)
    .sort((a, b) => a.Days - b.Days);
  return out.length ? out : undefined;
}

function rule(id: string, filter: LifecycleFilter, storage: StorageTarget, expireDays: number | null): LifecycleRule {
  const out: LifecycleRule = { ID: fit(id, MAX_RULE_ID), Status: 'Enabled', Filter: filter };
  const transitions = transitionsBefore(storage, expireDays);
  if (transitions) out.Transitions = transitions;
  if (expireDays !== null) out.Expiration = { Days: expireDays };
  out.NoncurrentVersionExpiration = { NoncurrentDays: noncurrentDays(storage) };
  return out;
}

/** A service's grandfather-father-son `keep:` counts, or null without any. */
function gfsKeep(service: Service): NonNullable<NonNullable<Service['retention']>['value']['keep']> | null {
  const keep = service.retention?.value.keep;
  return keep && Object.keys(keep).length > 0 ? keep : null;
}

/**
 * How many rules lifecycleConfiguration writes for a bucket of `storage` holding `services`, without
 * building them (lint's lifecycle-rule-limit; test/emitters/aws.test.ts checks that the two agree).
 */
export function lifecycleRuleCount(storage: StorageTarget, services: readonly Service[]): number {
  let count = expireAfterDays(storage) === null ? 1 : 2; // the clean-up rule, and expire_after's
  if (services.length > 0) count += 1; // the restore-test records' rule
  for (const service of services) count += 1 + (gfsKeep(service) ? GFS_PERIODS.length : 0);
  return count;
}

/**
 * The rule for the restore-test records of every service in the bucket: tag-filtered, because they live
 * under the service prefixes (policy-language.md §10.1) and S3 applies the earliest expiration among the
 * rules matching an object. No transitions: records are tiny (archiving one costs more than it saves), and
 * `drc verify` reads them, which an archived object refuses.
 */
function restoreTestRule(policy: Policy, storage: StorageTarget, days: number): LifecycleRule {
  return {
    ID: RESTORE_TEST_RULE_ID,
    Status: 'Enabled',
    Filter: { And: { Prefix: `${policy.name}/`, Tags: [{ Key: RETENTION_TAG, Value: RESTORE_TEST_RETENTION }] } },
    Expiration: { Days: days },
    NoncurrentVersionExpiration: { NoncurrentDays: noncurrentDays(storage) },
  };
}

/**
 * The lifecycle configuration of one bucket (primary or replica) of `storage`:
 * - per service writing there, one rule on its backup folders `<policy>/<service>/2` expiring at the
 *   effective retention (days, rounded up) capped by the storage's `expire_after`, with the storage's
 *   transitions that come before the expiry, and noncurrent versions expiring after
 *   `noncurrentDays`;
 * - for services with `keep:` counts, one more rule per GFS period, filtered on the prefix AND the
 *   tag `drc-retention=<period>` (docs/gfs-retention.md);
 * - `drc.restore-tests`: the restore-test records (tag `drc-retention=restore-test`), kept the longest
 *   `restoreTestRecordDays` of the bucket's services, capped like their backups;
 * - `drc.expire-after`: the storage's `expire_after` on the whole bucket, when set;
 * - `drc.bucket-cleanup`: incomplete multipart uploads aborted after 7 days and expired object
 *   delete markers removed, on the whole bucket.
 */
export function lifecycleConfiguration(policy: Policy, storage: StorageTarget, bucket: string): LifecycleConfiguration {
  const rules: LifecycleRule[] = [];
  const cap = expireAfterDays(storage);
  const services = servicesInBucket(policy, bucket);
  let recordDays = 0;
  for (const service of services) {
    const own = service.storage ?? storage;
    const serviceCap = minDefined(cap, expireAfterDays(own));
    const prefix = servicePrefix(policy, service);
    const days = minDefined(retentionDays(service), serviceCap);
    // Only the timestamped backup folders: S3 filters cannot exclude a prefix, and the other folders
    // must not expire with the backups: restore-tests/ (RESTORE_TEST_RULE_ID keeps the records longer) and
    // pgBackRest's repository pgbackrest/ (pgBackRest expires it itself: it may keep files older than
    // the retention, and cannot read archived storage classes).
    rules.push(rule(`drc-${service.name}`, { Prefix: `${prefix}${BACKUP_FOLDER_PREFIX}` }, own, days));
    recordDays = Math.max(recordDays, Math.min(restoreTestRecordDays(service), serviceCap ?? Infinity));
    const keep = gfsKeep(service);
    if (keep) {
      for (const { period, days: tagDays } of gfsExpirationDays(keep, days ?? Number.MAX_SAFE_INTEGER)) {
        const filter = { And: { Prefix: prefix, Tags: [{ Key: RETENTION_TAG, Value: period }] } };
        rules.push(rule(`drc-${service.name}.${period}`, filter, own, tagDays));
      }
    }
  }
  if (services.length > 0) rules.push(restoreTestRule(policy, storage, recordDays));
  if (cap !== null) {
    rules.push({
      ID: 'drc.expire-after',
      Status: 'Enabled',
      Filter: { Prefix: '' },
      Expiration: { Days: cap },
      NoncurrentVersionExpiration: { NoncurrentDays: noncurrentDays(storage) },
    });
  }
  rules.push({
    ID: 'drc.bucket-cleanup',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { ExpiredObjectDeleteMarker: true },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_DAYS },
  });
  return { Rules: rules };
}

// ------------------------------------------------------------------------------------------
// Versioning, encryption, object lock, replication

export interface VersioningConfiguration {
  Status: 'Enabled';
}

/** Every drc bucket is versioned (needed by replication and object lock). Arguments are accepted for symmetry and ignored. */
export function bucketVersioning(_storage?: StorageTarget, _bucket?: string): VersioningConfiguration {
  return { Status: 'Enabled' };
}

export interface ServerSideEncryptionConfiguration {
  Rules: {
    ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' | 'AES256'; KMSMasterKeyID?: string };
    BucketKeyEnabled?: boolean;
  }[];
}

/** Region of `bucket` within `storage` (the storage's region when the bucket is not one of its). */
export function bucketRegion(storage: StorageTarget, bucket: string): string {
  return storageBuckets(storage).find((b) => b.bucket === bucket)?.region ?? storage.region;
}

/**
 * Default encryption (PutBucketEncryption shape) from the policy's encryption: SSE-KMS with the
 * bucket region's key and an S3 Bucket Key, else SSE-S3 (`AES256`; S3 applies it to every bucket
 * since 2023, so `at_rest: none` also reads back as AES256).
 */
export function bucketEncryption(policy: Policy, storage: StorageTarget, bucket: string): ServerSideEncryptionConfiguration {
  const key = kmsKeyForRegion(policy.encryption, bucketRegion(storage, bucket), primaryRegion(policy, storage));
  if (key) return { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key }, BucketKeyEnabled: true }] };
  return { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
}

export interface ObjectLockConfiguration {
  ObjectLockEnabled: 'Enabled';
  Rule: { DefaultRetention: { Mode: 'COMPLIANCE' | 'GOVERNANCE'; Days: number } };
}

/** Object Lock default retention (PutObjectLockConfiguration shape), or null when the storage has none. Same on replicas. */
export function objectLockConfiguration(storage: StorageTarget, _bucket?: string): ObjectLockConfiguration | null {
  if (!storage.objectLock) return null;
  return {
    ObjectLockEnabled: 'Enabled',
    Rule: { DefaultRetention: { Mode: storage.objectLock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', Days: storage.objectLock.days } },
  };
}

export interface ReplicationRule {
  ID: string;
  Priority: number;
  Status: 'Enabled';
  Filter: { Prefix: string };
  DeleteMarkerReplication: { Status: 'Disabled' };
  SourceSelectionCriteria?: { SseKmsEncryptedObjects: { Status: 'Enabled' } };
  Destination: { Bucket: string; EncryptionConfiguration?: { ReplicaKmsKeyID: string } };
}

export interface ReplicationConfiguration<Role = string> {
  Role: Role;
  Rules: ReplicationRule[];
}

/**
 * Replication from the storage's primary bucket to each replica (PutBucketReplication shape), or
 * null without replicas. One V2 rule per replica on the policy's prefix `<policy>/`; delete
 * markers are not replicated (each bucket expires by its own lifecycle); SSE-KMS objects are
 * re-encrypted with the replica region's key. `role` is the replication role's ARN (a
 * CloudFormation `Fn::GetAtt` in the stack).
 */
export function replicationConfiguration<Role = string>(policy: Policy, storage: StorageTarget, role: Role): ReplicationConfiguration<Role> | null {
  if (storage.replicas.length === 0) return null;
  const primary = primaryRegion(policy, storage);
  const rules = storage.replicas.map((replica, i): ReplicationRule => {
    const key = kmsKeyForRegion(policy.encryption, replica.region, primary);
    const out: ReplicationRule = {
      ID: fit(`drc-replicate-to-${replica.bucket}`, MAX_RULE_ID),
      Priority: i + 1,
      Status: 'Enabled',
      Filter: { Prefix: `${policy.name}/` },
      DeleteMarkerReplication: { Status: 'Disabled' },
      Destination: { Bucket: s3BucketArn(replica.bucket) },
    };
    if (key) {
      out.SourceSelectionCriteria = { SseKmsEncryptedObjects: { Status: 'Enabled' } };
      out.Destination.EncryptionConfiguration = { ReplicaKmsKeyID: key };
    }
    return out;
  });
  return { Role: role, Rules: rules };
}

/** Public access block: all four settings on, for every drc bucket. */
export function publicAccessBlock() {
  return { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
}
