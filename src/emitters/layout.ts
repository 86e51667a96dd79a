/**
 * Names every artifact agrees on (policy-language.md §10, §10.1): script paths, the S3 object layout,
 * metric names, environment variables. Scripts, alert rules, lifecycle rules, IAM policies and
 * `drc verify` all read them from here, so a backup script and the alert that watches it cannot disagree.
 */
import { sha256Hex } from '../hash.js';
import type { Encryption, Policy, Service, StorageTarget } from '../model/types.js';
import type { EmitPart } from './types.js';

export const SCRIPT_NAMES = ['backup.sh', 'restore.sh', 'restore-test.sh', 'verify.sh'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export function scriptPath(service: Pick<Service, 'name'>, script: ScriptName): string {
  return `scripts/${service.name}/${script}`;
}

/** Prefix of a service's objects in a bucket: `<policy name>/<service>/`. */
export function servicePrefix(policy: Pick<Policy, 'name'>, service: Pick<Service, 'name'>): string {
  return `${policy.name}/${service.name}/`;
}

/** Prefix of a service's restore-test records in the primary storage. */
export function restoreTestPrefix(policy: Pick<Policy, 'name'>, service: Pick<Service, 'name'>): string {
  return `${servicePrefix(policy, service)}restore-tests/`;
}

/** Backup folders are UTC timestamps: YYYYMMDDTHHMMSSZ. */
export const BACKUP_TIMESTAMP_PATTERN = /^\d{8}T\d{6}Z$/;
export const MANIFEST_NAME = 'manifest.json';

/** Payload object name inside a backup folder, by service kind and client-side encryption. */
export function payloadName(service: Service): string {
  const base = service.kind === 'postgresql' ? 'dump.pgcustom' : service.kind === 'mysql' ? 'dump.sql.gz' : 'archive.tar.gz';
  const method = service.encryption.clientSide?.method ?? 'none';
  return method === 'age' ? `${base}.age` : method === 'openssl' ? `${base}.enc` : base;
}

/** Object tag the backup scripts set for grandfather-father-son retention (`drc-retention=daily`). */
export const RETENTION_TAG = 'drc-retention';
/**
 * RETENTION_TAG's value on restore-test records: their own lifecycle rule keeps them longer than the
 * backups (docs/artifacts/aws.md), and no GFS rule matches it.
 */
export const RESTORE_TEST_RETENTION = 'restore-test';

export const METRICS = {
  backupLastSuccess: 'drc_backup_last_success_timestamp_seconds',
  backupLastDuration: 'drc_backup_last_duration_seconds',
  backupLastSize: 'drc_backup_last_size_bytes',
  backupLastStatus: 'drc_backup_last_status',
  restoreTestLastSuccess: 'drc_restore_test_last_success_timestamp_seconds',
  restoreTestLastDuration: 'drc_restore_test_last_duration_seconds',
  /** 1 ok, 0 failed; not in the spec's minimum set, but alerts need the failure signal. */
  restoreTestLastStatus: 'drc_restore_test_last_status',
} as const;

/** Service kinds that get scripts (scripts/<service>/); the other kinds are backed up by Velero or AWS Backup. */
export const SCRIPT_KINDS = ['postgresql', 'files', 's3-bucket'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

/** Labels on every metric. */
export const METRIC_LABELS = ['service', 'tier', 'region'] as const;

/** The textfile collector file a service's scripts write (one per service and script kind). */
export function metricsFileName(service: Pick<Service, 'name'>, job: 'backup' | 'restore-test'): string {
  return `drc_${service.name.replace(/-/g, '_')}_${job.replace('-', '_')}.prom`;
}

export const ENV = {
  textfileDir: 'DRC_TEXTFILE_DIR',
  ageIdentityFile: 'DRC_AGE_IDENTITY_FILE',
  endpointUrl: 'AWS_ENDPOINT_URL',
  /** Per-region override: DRC_ENDPOINT_URL_US_WEST_2. */
  regionEndpointPrefix: 'DRC_ENDPOINT_URL_',
} as const;

export function regionEndpointVariable(region: string): string {
  return `${ENV.regionEndpointPrefix}${region.toUpperCase().replace(/-/g, '_')}`;
}

/** Every bucket a storage target writes to, primary first. */
export function storageBuckets(storage: StorageTarget): { bucket: string; region: string; primary: boolean }[] {
  return [
    { bucket: storage.bucket, region: storage.region, primary: true },
    ...storage.replicas.map((r) => ({ bucket: r.bucket, region: r.region, primary: false })),
  ];
}

/** A name safe for files, Kubernetes objects and CloudFormation logical ids' lower-case parts. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** CloudFormation logical id from a slug: `production-db` → `ProductionDb`. */
export function logicalId(...parts: string[]): string {
  return parts
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** Where the generated pgbackrest.conf is installed on the database host; restore.sh --at reads it. */
export function pgbackrestConfigPath(service: Pick<Service, 'name'>): string {
  return `/etc/pgbackrest/${service.name}.conf`;
}

export function tierName(service: Service): string {
  return service.tier?.name ?? service.tierName?.value ?? 'none';
}

/** Orders by `name` (services, tiers, storage targets, buckets by name). */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Orders artifacts by path. */
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** `name` when it fits in `max` characters, else a prefix plus an 8-hex hash of the whole name (AWS and Kubernetes length limits). */
export function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9).replace(/[-_.]+$/, '')}-${sha256Hex(name).slice(0, 8)}`;
}

/** Whether the item at `position` (in name order) belongs to the part; every item does without one. */
export function inPart(position: number, part: EmitPart | undefined): boolean {
  return !part || position % part.count === part.index;
}

/** Whether the part holds the files a family's services share (part 0, or the whole family). */
export function holdsShared(part: EmitPart | undefined): boolean {
  return !part || part.index === 0;
}

/** The region `kms_key` belongs to: the policy's primary region, else the storage's. */
export function primaryRegion(policy: Policy, storage?: StorageTarget): string {
  return policy.regions.primary || storage?.region || '';
}

/**
 * The KMS key for objects in `region`: the region's `replica_kms_keys` entry, else (for the
 * policy's primary region, or when no entry exists) `kms_key`. Every artifact that names a key (bucket
 * default encryption, IAM, the scripts' uploads, Velero's storage locations) asks this function with
 * the policy's primary region, so they agree for a storage whose own bucket is in another region.
 */
export function kmsKeyForRegion(encryption: Encryption, region: string, primaryRegion: string): string | null {
  if (encryption.atRest !== 'aws:kms') return null;
  if (region !== primaryRegion && encryption.replicaKmsKeys[region]) return encryption.replicaKmsKeys[region]!;
  return encryption.kmsKey ?? encryption.replicaKmsKeys[region] ?? null;
}
