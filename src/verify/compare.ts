/**
 * Semantic comparison of live bucket configuration with what `drc build` emits (the expected side
 * always comes from src/emitters/aws/bucket-config.ts). Pure: no SDK, no I/O.
 *
 * Normalisation (see docs/verify.md): rule order and lifecycle/replication rule IDs do not matter
 * (a rule is matched by ID, else by identical content); moto's `Years: 0` next to `Days`, S3's
 * `TransitionDefaultMinimumObjectSize`, a missing `Filter` vs `Filter: {Prefix: ""}`, bucket ARN
 * vs bucket name, and a KMS key given as an alias/key ARN vs `alias/x` / `key/id` are all equal.
 * The replication role ARN is not compared (the build names it through CloudFormation).
 */
import type {
  LifecycleConfiguration,
  ObjectLockConfiguration,
  ReplicationConfiguration,
  ServerSideEncryptionConfiguration,
  VersioningConfiguration,
} from '../emitters/aws/bucket-config.js';

/** A difference between expected and actual, as a phrase for a diagnostic message. */
export type Differences = string[];

/** Live values as the S3 API returns them (loosely typed: anything S3 or moto may add). */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

// ------------------------------------------------------------------------------------------
// Helpers

/** `arn:aws:kms:us-east-1:123:alias/x` → `alias/x`; `arn:…:key/abc` → `key/abc`; bare UUID → `key/<uuid>`. */
export function normalizeKmsKey(key: string | null | undefined): string | null {
  if (!key) return null;
  const arn = /^arn:[a-z-]+:kms:[^:]*:[^:]*:(.+)$/.exec(key);
  const rest = arn ? arn[1]! : key;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rest)) return `key/${rest.toLowerCase()}`;
  return rest;
}

/** `arn:aws:s3:::bucket` → `bucket`. */
export function normalizeBucket(bucket: string | null | undefined): string {
  if (!bucket) return '';
  const m = /^arn:[a-z-]+:s3:::(.+)$/.exec(bucket);
  return m ? m[1]! : bucket;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Joins differences into one clause, listing at most `max` and counting the rest. */
export function joinDifferences(diffs: Differences, max = 4): string {
  if (diffs.length <= max) return diffs.join('; ');
  return `${diffs.slice(0, max).join('; ')}; and ${diffs.length - max} more`;
}

// ------------------------------------------------------------------------------------------
// Versioning

export function compareVersioning(expected: VersioningConfiguration, actual: Loose | null): Differences {
  const status: string | undefined = actual?.Status;
  if (status === expected.Status) return [];
  return [`versioning is ${status ? status : 'not enabled (never set)'}, expected ${expected.Status}`];
}

// ------------------------------------------------------------------------------------------
// Default encryption

interface CanonEncryption {
  algorithm: string;
  key: string | null;
  bucketKey: boolean;
}

function canonEncryption(config: Loose | null): CanonEncryption | null {
  const rule = config?.Rules?.[0];
  const by = rule?.ApplyServerSideEncryptionByDefault;
  if (!by?.SSEAlgorithm) return null;
  return { algorithm: by.SSEAlgorithm, key: normalizeKmsKey(by.KMSMasterKeyID), bucketKey: rule.BucketKeyEnabled === true };
}

function describeEncryption(e: CanonEncryption | null): string {
  if (!e) return 'none';
  return e.algorithm === 'AES256' ? 'AES256 (SSE-S3)' : `${e.algorithm}${e.key ? ` with key ${e.key}` : ' without a key'}`;
}

/**
 * `actual` null means S3 returned no configuration (ServerSideEncryptionConfigurationNotFoundError).
 * AWS applies SSE-S3 to every bucket since January 2023, so an `AES256` expectation is met by it.
 */
export function compareEncryption(expected: ServerSideEncryptionConfiguration, actual: Loose | null): Differences {
  const want = canonEncryption(expected)!;
  const got = canonEncryption(actual);
  if (!got) {
    if (want.algorithm === 'AES256') return [];
    return [`default encryption is none, expected ${describeEncryption(want)}`];
  }
  const diffs: Differences = [];
  if (got.algorithm !== want.algorithm || (want.key !== null && got.key !== want.key)) {
    diffs.push(`default encryption is ${describeEncryption(got)}, expected ${describeEncryption(want)}`);
  } else if (want.algorithm !== 'AES256' && want.key === null && got.key !== null) {
    diffs.push(`default encryption uses key ${got.key}, expected the AWS managed key`);
  }
  const wantBucketKey = expected.Rules[0]?.BucketKeyEnabled === true;
  if (wantBucketKey && !got.bucketKey && got.algorithm === want.algorithm) diffs.push('S3 Bucket Key is off, expected on');
  return diffs;
}

// ------------------------------------------------------------------------------------------
// Object lock

interface CanonLock {
  enabled: boolean;
  mode: string | null;
  days: number | null;
}

function canonLock(config: Loose | null): CanonLock {
  if (!config || config.ObjectLockEnabled !== 'Enabled') return { enabled: false, mode: null, days: null };
  const retention = config.Rule?.DefaultRetention;
  if (!retention?.Mode) return { enabled: true, mode: null, days: null };
  // moto returns `Years: 0` next to `Days`; AWS returns exactly one of them.
  const days = typeof retention.Days === 'number' && retention.Days > 0 ? retention.Days
    : typeof retention.Years === 'number' && retention.Years > 0 ? retention.Years * 365 : null;
  return { enabled: true, mode: String(retention.Mode).toUpperCase(), days };
}

function describeLock(l: CanonLock): string {
  if (!l.enabled) return 'not enabled';
  if (!l.mode) return 'enabled without a default retention';
  return `${l.mode} ${l.days === null ? '(no period)' : plural(l.days, 'day')}`;
}

export interface LockDifferences {
  diffs: Differences;
  /** True when the bucket is stricter than the build (a lock the policy does not ask for). */
  stricter: boolean;
}

export function compareObjectLock(expected: ObjectLockConfiguration | null, actual: Loose | null): LockDifferences {
  const got = canonLock(actual);
  if (!expected) {
    if (got.mode) return { diffs: [`object lock default retention is ${describeLock(got)}, expected none`], stricter: true };
    return { diffs: [], stricter: false };
  }
  const want = canonLock(expected);
  if (got.enabled && got.mode === want.mode && got.days === want.days) return { diffs: [], stricter: false };
  return { diffs: [`object lock is ${describeLock(got)}, expected ${describeLock(want)}`], stricter: false };
}

// ------------------------------------------------------------------------------------------
// Replication

interface CanonReplicationRule {
  id: string;
  destination: string;
  status: string;
  prefix: string;
  tags: string;
  deleteMarkers: string;
  sseKms: boolean;
  replicaKey: string | null;
  storageClass: string;
}

function canonReplicationRule(rule: Loose): CanonReplicationRule {
  const filter = rule.Filter ?? {};
  const prefix: string = filter.Prefix ?? filter.And?.Prefix ?? rule.Prefix ?? '';
  const tags: Loose[] = filter.And?.Tags ?? (filter.Tag ? [filter.Tag] : []);
  return {
    id: String(rule.ID ?? ''),
    destination: normalizeBucket(rule.Destination?.Bucket),
    status: rule.Status ?? 'Disabled',
    prefix,
    tags: tags.map((t) => `${t.Key}=${t.Value}`).sort().join(','),
    deleteMarkers: rule.DeleteMarkerReplication?.Status ?? 'Disabled',
    // AWS rejects a replica KMS key without SSE-KMS object selection, so a key implies the selection
    // unless the rule says Disabled (moto drops SourceSelectionCriteria on the way back).
    sseKms: rule.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status
      ? rule.SourceSelectionCriteria.SseKmsEncryptedObjects.Status === 'Enabled'
      : Boolean(rule.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID),
    replicaKey: normalizeKmsKey(rule.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID),
    storageClass: rule.Destination?.StorageClass ?? 'STANDARD',
  };
}

function replicationRuleDiffs(want: CanonReplicationRule, got: CanonReplicationRule): Differences {
  const d: Differences = [];
  const where = `rule to ${want.destination}`;
  if (got.status !== want.status) d.push(`${where} is ${got.status}, expected ${want.status}`);
  // A filter that covers the emitted prefix (e.g. the whole bucket) replicates everything drc writes.
  if (!want.prefix.startsWith(got.prefix)) d.push(`${where} replicates prefix "${got.prefix}", expected "${want.prefix}"`);
  if (got.tags !== want.tags) d.push(`${where} filters on tags ${got.tags || 'none'}, expected ${want.tags || 'none'}`);
  if (got.deleteMarkers !== want.deleteMarkers) d.push(`${where} delete-marker replication is ${got.deleteMarkers}, expected ${want.deleteMarkers}`);
  if (got.sseKms !== want.sseKms) d.push(`${where} ${got.sseKms ? 'replicates' : 'does not replicate'} SSE-KMS objects, expected ${want.sseKms ? 'it does' : 'it does not'}`);
  if (got.replicaKey !== want.replicaKey) d.push(`${where} re-encrypts with ${got.replicaKey ?? 'no key'}, expected ${want.replicaKey ?? 'no key'}`);
  if (got.storageClass !== want.storageClass) d.push(`${where} stores as ${got.storageClass}, expected ${want.storageClass}`);
  return d;
}

/** Compares replication per destination bucket; IDs, priorities, order and the role are not compared. */
export function compareReplication(expected: ReplicationConfiguration<unknown> | null, actual: Loose | null): Differences {
  const wantRules = (expected?.Rules ?? []).map(canonReplicationRule);
  const gotRules: CanonReplicationRule[] = (actual?.Rules ?? []).map(canonReplicationRule);
  if (wantRules.length === 0) {
    if (gotRules.length === 0) return [];
    return [`replication is configured (${gotRules.map((r) => `to ${r.destination}`).join(', ')}), expected none`];
  }
  if (gotRules.length === 0) {
    return [`replication is not configured, expected ${wantRules.map((r) => `a rule to ${r.destination}`).join(' and ')}`];
  }
  const diffs: Differences = [];
  const unmatched = new Set(gotRules);
  for (const want of wantRules) {
    const candidates = gotRules.filter((g) => unmatched.has(g) && g.destination === want.destination);
    if (candidates.length === 0) {
      diffs.push(`no replication rule to ${want.destination}, expected one`);
      continue;
    }
    // Prefer an exact match among several rules to the same destination.
    const best = candidates.find((c) => replicationRuleDiffs(want, c).length === 0) ?? candidates[0]!;
    unmatched.delete(best);
    diffs.push(...replicationRuleDiffs(want, best));
  }
  for (const extra of unmatched) diffs.push(`unexpected replication rule ${extra.id ? `"${extra.id}" ` : ''}to ${extra.destination}`);
  return diffs;
}

// ------------------------------------------------------------------------------------------
// Lifecycle

interface CanonLifecycleRule {
  id: string;
  status: string;
  filter: string;
  transitions: string;
  expiration: string;
  noncurrentExpiration: string;
  noncurrentTransitions: string;
  abort: string;
}

const LIFECYCLE_FIELDS: [keyof CanonLifecycleRule, string][] = [
  ['status', 'status'],
  ['filter', 'filter'],
  ['transitions', 'transitions'],
  ['expiration', 'expiration'],
  ['noncurrentExpiration', 'noncurrent-version expiration'],
  ['noncurrentTransitions', 'noncurrent-version transitions'],
  ['abort', 'incomplete-multipart abort'],
];

function canonFilter(rule: Loose): string {
  const filter = rule.Filter;
  let prefix: string = rule.Prefix ?? '';
  let tags: Loose[] = [];
  let gt: number | undefined;
  let lt: number | undefined;
  if (filter) {
    const and = filter.And;
    prefix = filter.Prefix ?? and?.Prefix ?? prefix;
    tags = and?.Tags ?? (filter.Tag ? [filter.Tag] : []);
    gt = filter.ObjectSizeGreaterThan ?? and?.ObjectSizeGreaterThan;
    lt = filter.ObjectSizeLessThan ?? and?.ObjectSizeLessThan;
  }
  const parts = [`prefix "${prefix}"`];
  if (tags.length) parts.push(`tags ${tags.map((t) => `${t.Key}=${t.Value}`).sort().join(',')}`);
  if (gt !== undefined && gt !== null) parts.push(`size > ${gt}`);
  if (lt !== undefined && lt !== null) parts.push(`size < ${lt}`);
  return parts.join(' and ');
}

function canonTransitions(list: Loose[] | undefined, daysKey: 'Days' | 'NoncurrentDays'): string {
  if (!list || list.length === 0) return 'none';
  return [...list]
    .map((t) => ({ days: t[daysKey] ?? t.Date ?? '?', cls: t.StorageClass }))
    .sort((a, b) => (typeof a.days === 'number' && typeof b.days === 'number' ? a.days - b.days : String(a.days) < String(b.days) ? -1 : 1))
    .map((t) => `${t.cls} after ${typeof t.days === 'number' ? plural(t.days, 'day') : t.days}`)
    .join(', ');
}

function canonLifecycleRule(rule: Loose): CanonLifecycleRule {
  const exp = rule.Expiration;
  let expiration = 'none';
  if (exp) {
    const parts: string[] = [];
    if (typeof exp.Days === 'number' && exp.Days > 0) parts.push(plural(exp.Days, 'day'));
    if (exp.Date) parts.push(`on ${new Date(exp.Date).toISOString().slice(0, 10)}`);
    if (exp.ExpiredObjectDeleteMarker === true) parts.push('expired delete markers');
    if (parts.length) expiration = parts.join(', ');
  }
  const nve = rule.NoncurrentVersionExpiration;
  let noncurrent = 'none';
  if (nve && (nve.NoncurrentDays || nve.NewerNoncurrentVersions)) {
    noncurrent = [nve.NoncurrentDays ? plural(nve.NoncurrentDays, 'day') : null, nve.NewerNoncurrentVersions ? `keep ${nve.NewerNoncurrentVersions} newer` : null]
      .filter(Boolean)
      .join(', ');
  }
  const abort = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation;
  return {
    id: String(rule.ID ?? ''),
    status: rule.Status ?? 'Disabled',
    filter: canonFilter(rule),
    transitions: canonTransitions(rule.Transitions, 'Days'),
    expiration,
    noncurrentExpiration: noncurrent,
    noncurrentTransitions: canonTransitions(rule.NoncurrentVersionTransitions, 'NoncurrentDays'),
    abort: typeof abort === 'number' ? `after ${plural(abort, 'day')}` : 'none',
  };
}

function sameBody(a: CanonLifecycleRule, b: CanonLifecycleRule): boolean {
  return LIFECYCLE_FIELDS.every(([k]) => a[k] === b[k]);
}

function lifecycleRuleDiffs(want: CanonLifecycleRule, got: CanonLifecycleRule): Differences {
  const d: Differences = [];
  for (const [key, label] of LIFECYCLE_FIELDS) {
    if (want[key] !== got[key]) d.push(`rule ${want.id}: ${label} is ${got[key]}, expected ${want[key]}`);
  }
  return d;
}

/** `actual` null means the bucket has no lifecycle configuration (NoSuchLifecycleConfiguration). */
export function compareLifecycle(expected: LifecycleConfiguration, actual: Loose | null): Differences {
  const want = expected.Rules.map(canonLifecycleRule);
  const got: CanonLifecycleRule[] = (actual?.Rules ?? []).map(canonLifecycleRule);
  if (got.length === 0) {
    if (want.length === 0) return [];
    return [`no lifecycle configuration, expected ${plural(want.length, 'rule')} (${want.map((r) => r.id).join(', ')})`];
  }
  const diffs: Differences = [];
  const unmatched = new Set(got);
  const pending: CanonLifecycleRule[] = [];
  // 1. same ID; 2. identical content under another ID; 3. what is left is missing/extra.
  for (const w of want) {
    const byId = got.find((g) => unmatched.has(g) && g.id === w.id);
    if (byId) {
      unmatched.delete(byId);
      diffs.push(...lifecycleRuleDiffs(w, byId));
    } else pending.push(w);
  }
  for (const w of pending) {
    const same = got.find((g) => unmatched.has(g) && sameBody(w, g));
    if (same) unmatched.delete(same);
    else diffs.push(`rule ${w.id} (${w.filter}, expiration ${w.expiration}) is missing`);
  }
  for (const extra of unmatched) diffs.push(`unexpected rule ${extra.id || '(no ID)'} (${extra.filter}, expiration ${extra.expiration})`);
  return diffs;
}
