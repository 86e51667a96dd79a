/**
 * `drc verify` as a function: compare the live buckets and backups with the policy
 * (policy-language.md §11). Findings are Diagnostics on the policy file, at the storage target or
 * the service. S3 access comes in through `S3Access` (./s3.ts), so this module never loads the SDK.
 */
import { diagnosticFactory } from '../checker/index.js';
import { sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics.js';
import type { RuleMeta } from '../checker/rule.js';
import {
  bucketEncryption,
  bucketVersioning,
  lifecycleConfiguration,
  objectLockConfiguration,
  replicationConfiguration,
  retentionDays,
} from '../emitters/aws/bucket-config.js';
import { writesToS3 } from '../emitters/aws/names.js';
import { BACKUP_TIMESTAMP_PATTERN, MANIFEST_NAME, restoreTestPrefix, servicePrefix, storageBuckets } from '../emitters/layout.js';
import { hasContinuousMechanism } from '../model/continuous.js';
import type { Policy, Service, StorageTarget } from '../model/types.js';
import {
  compareEncryption,
  compareLifecycle,
  compareObjectLock,
  compareReplication,
  compareVersioning,
  joinDifferences,
  type Differences,
} from './compare.js';
import { S3ReadError, type BucketReader, type S3Access } from './s3.js';
import {
  BACKUP_CORRUPT,
  BACKUP_MISSING,
  BACKUP_STALE,
  DRIFT_ENCRYPTION,
  DRIFT_LIFECYCLE,
  DRIFT_OBJECT_LOCK,
  DRIFT_REPLICATION,
  DRIFT_VERSIONING,
  REPLICA_MISSING,
  RESTORE_TEST_STALE,
  VERIFY_ERROR,
} from './rules.js';

export { VERIFY_RULES } from './rules.js';

/** A replica copy counts as missing only after max(MIN_REPLICA_GRACE, RPO). */
export const MIN_REPLICA_GRACE_SECONDS = 3_600;
/** Lifecycle runs asynchronously (AWS: objects are queued at midnight UTC), so the window for replica comparison ends a day early. */
export const LIFECYCLE_SLACK_SECONDS = 86_400;
/** How many of the newest restore-test records are read looking for a successful one. */
export const RESTORE_TEST_RECORDS_READ = 10;

export interface VerifyOptions {
  /** Only this service (and its storage's buckets). */
  service?: string;
  /** Download the newest complete backup in every bucket and check its sha256 and size. */
  deep?: boolean;
  /** Current time in ms (tests). */
  now?: number;
  /** Called as checks finish: done of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface BackupRef {
  timestamp: string;
  finished_at: string;
  bucket: string;
  region: string;
  bytes: number | null;
}

export interface ServiceReport {
  tier: string | null;
  kind: string;
  /** `checked`, or `unchecked` when its primary bucket could not be read. */
  status: 'checked' | 'unchecked';
  rpo_seconds: number | null;
  /** Age of the newest complete backup (by its manifest's finished_at); null without one. */
  measured_rpo_seconds: number | null;
  newest_backup: BackupRef | null;
  /** Backup folders in the primary bucket (complete or not). */
  backup_folders: number;
  replicas: { bucket: string; region: string; backup_folders: number | null; missing: number | null; grace_seconds: number }[];
  restore_test: { max_gap_seconds: number; newest: string | null; age_seconds: number | null } | null;
  deep: { bucket: string; key: string; ok: boolean }[];
}

export interface VerifyResult {
  diagnostics: Diagnostic[];
  services: Record<string, ServiceReport>;
  /** Buckets whose configuration was compared. */
  buckets: { bucket: string; region: string; storage: string; status: 'checked' | 'unreadable' }[];
  /** False when no request to S3 succeeded at all (exit 2). */
  checkedAnything: boolean;
  /** The first error that stopped a check, for the "nothing could be checked" message. */
  firstError: string | null;
}

interface Manifest {
  state: 'ok';
  stamp: string;
  data: Record<string, unknown>;
  finishedAt: number;
  finishedAtText: string;
}
type ManifestRead = Manifest | { state: 'missing'; stamp: string } | { state: 'invalid'; stamp: string; reason: string };

/** `20260101T023000Z` → ms since the epoch. */
export function stampTime(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** "3d 4h", "2h 5m", "45s". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function describeRead(error: unknown): string {
  return error instanceof S3ReadError ? error.message : error instanceof Error ? error.message : String(error);
}

export async function verifyPolicy(policy: Policy, access: S3Access, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const now = opts.now ?? Date.now();
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  let firstError: string | null = null;

  const toDiagnostic = diagnosticFactory(policy.source, {});
  const report = (rule: RuleMeta, path: string, message: string, hint?: string, severity?: Severity) => {
    const key = `${rule.id}\u0000${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    // Storage targets and services point at their key (`backups:`), a field (…/rpo) at its value.
    const atKey = /^\/(storage|services)\/[^/]+(\/replicas\/\d+)?$/.test(path);
    diagnostics.push(toDiagnostic(rule, { path, message, hint, severity, atKey })!);
  };
  const readError = (path: string, error: unknown) => {
    const message = describeRead(error);
    firstError ??= message;
    report(VERIFY_ERROR, path, message, hintFor(error));
  };

  const services = policy.services.filter((s) => writesToS3(s) && (!opts.service || s.name === opts.service));
  const storageNames = new Set(services.map((s) => s.storage!.name));
  const storages = [...policy.storage.values()].filter((st) => st.type === 's3' && (!opts.service || storageNames.has(st.name)));

  let total = services.length + storages.reduce((n, st) => n + uniqueBuckets(st).length, 0);
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  opts.onProgress?.(0, total);

  // ---- 1. Bucket configuration, and 2. backups, replicas, restore tests per service -----------
  // The configuration reads go out first; a service's listings of a bucket follow as soon as that
  // bucket's reads are back. A bucket that cannot be read at all (missing, unreachable) gets one
  // verify-error at its storage, and its services' checks of it are skipped (no second finding).
  const buckets: VerifyResult['buckets'] = [];
  const readable = new Map<string, Promise<boolean>>();
  const configChecks = storages.flatMap((storage) =>
    uniqueBuckets(storage).map(({ bucket, region, index }) => {
      const path = index === 0 ? `/storage/${storage.name}` : `/storage/${storage.name}/replicas/${index - 1}`;
      const check = checkBucket(policy, storage, access.reader(bucket, region), index === 0, path, report, readError).then((ok) => {
        buckets.push({ bucket, region, storage: storage.name, status: ok.readable ? 'checked' : 'unreadable' });
        tick();
        return ok.readable;
      });
      if (!readable.has(bucket)) readable.set(bucket, check);
      return check;
    }),
  );
  const isReadable = (bucket: string) => readable.get(bucket) ?? Promise.resolve(true);

  const reports: Record<string, ServiceReport> = {};
  await Promise.all([
    ...configChecks,
    ...services.map(async (service) => {
      reports[service.name] = await checkService(policy, service, access, { now, deep: opts.deep === true, readable: isReadable, report, readError });
      tick();
    }),
  ]);
  total = done;

  const ordered: Record<string, ServiceReport> = {};
  for (const name of Object.keys(reports).sort()) ordered[name] = reports[name]!;
  buckets.sort((a, b) => (a.storage + a.bucket < b.storage + b.bucket ? -1 : 1));
  return {
    diagnostics: sortDiagnostics(diagnostics),
    services: ordered,
    buckets,
    checkedAnything: access.stats.answered > 0 || access.stats.failed === 0,
    firstError,
  };
}

type ReportFn = (rule: RuleMeta, path: string, message: string, hint?: string, severity?: Severity) => void;
type ReadErrorFn = (path: string, error: unknown) => void;

function uniqueBuckets(storage: StorageTarget): { bucket: string; region: string; index: number }[] {
  const seen = new Set<string>();
  return storageBuckets(storage)
    .map((b, index) => ({ bucket: b.bucket, region: b.region, index }))
    .filter((b) => !seen.has(b.bucket) && seen.add(b.bucket));
}

function hintFor(error: unknown): string | undefined {
  if (!(error instanceof S3ReadError)) return undefined;
  switch (error.kind) {
    case 'no-bucket':
      return 'create the bucket from the drc build output (aws/cloudformation/backup-stack.yaml), or fix the bucket name in the policy';
    case 'denied':
      return 'grant the read-only permissions listed in docs/verify.md to the identity drc verify runs as';
    case 'unreachable':
      return 'check --endpoint / DRC_ENDPOINT_URL_<REGION>, the network, and the region';
    default:
      return undefined;
  }
}

const DRIFT_HINT = 'apply the configuration drc build emits (aws/cloudformation/backup-stack.yaml, aws/s3-lifecycle/<bucket>.json), or change the policy';

async function checkBucket(
  policy: Policy,
  storage: StorageTarget,
  reader: BucketReader,
  primary: boolean,
  path: string,
  report: ReportFn,
  readError: ReadErrorFn,
): Promise<{ readable: true } | { readable: false; reason: string }> {
  const { bucket, region } = reader;
  const [versioning, encryption, lock, replication, lifecycle] = await Promise.allSettled([
    reader.versioning(),
    reader.encryption(),
    reader.objectLock(),
    reader.replication(),
    reader.lifecycle(),
  ]);
  const results = [versioning, encryption, lock, replication, lifecycle];
  const fatal = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof S3ReadError && (r.reason.kind === 'no-bucket' || r.reason.kind === 'unreachable'),
  );
  if (fatal) {
    const cause = fatal.reason as S3ReadError;
    const reason = cause.reason;
    readError(path, new S3ReadError(cause.kind, cause.code,
      `s3://${bucket} (${region}, storage ${storage.name}) cannot be read: ${reason}; its configuration and backups were not checked`, reason));
    return { readable: false, reason };
  }
  const where = `s3://${bucket} (${region}, storage ${storage.name}${primary ? '' : ' replica'})`;
  const compare = (result: PromiseSettledResult<unknown>, rule: RuleMeta, diff: (actual: unknown) => Differences, severity?: (actual: unknown) => Severity | undefined) => {
    if (result.status === 'rejected') return readError(path, result.reason);
    const diffs = diff(result.value);
    if (diffs.length > 0) report(rule, path, `${where}: ${joinDifferences(diffs)}`, DRIFT_HINT, severity?.(result.value));
  };
  compare(versioning, DRIFT_VERSIONING, (a) => compareVersioning(bucketVersioning(storage, bucket), a));
  compare(encryption, DRIFT_ENCRYPTION, (a) => compareEncryption(bucketEncryption(policy, storage, bucket), a));
  const expectedLock = objectLockConfiguration(storage, bucket);
  compare(lock, DRIFT_OBJECT_LOCK, (a) => compareObjectLock(expectedLock, a).diffs, (a) => (compareObjectLock(expectedLock, a).stricter ? 'warning' : undefined));
  // The role ARN comes from the CloudFormation stack; it is not compared.
  compare(replication, DRIFT_REPLICATION, (a) => compareReplication(primary ? replicationConfiguration(policy, storage, '') : null, a));
  compare(lifecycle, DRIFT_LIFECYCLE, (a) => compareLifecycle(lifecycleConfiguration(policy, storage, bucket), a));
  return { readable: true };
}

interface ServiceContext {
  now: number;
  deep: boolean;
  /** Resolves false when the bucket cannot be read at all (its configuration check reported why). */
  readable: (bucket: string) => Promise<boolean>;
  report: ReportFn;
  readError: ReadErrorFn;
}

async function readManifest(reader: BucketReader, prefix: string, stamp: string): Promise<ManifestRead> {
  const text = await reader.getText(`${prefix}${stamp}/${MANIFEST_NAME}`);
  if (text === null) return { state: 'missing', stamp };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { state: 'invalid', stamp, reason: 'is not valid JSON' };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { state: 'invalid', stamp, reason: 'is not a JSON object' };
  const record = data as Record<string, unknown>;
  const finished = typeof record.finished_at === 'string' ? Date.parse(record.finished_at) : Number.NaN;
  if (Number.isNaN(finished)) return { state: 'invalid', stamp, reason: 'has no valid finished_at (RFC 3339)' };
  return { state: 'ok', stamp, data: record, finishedAt: finished, finishedAtText: new Date(finished).toISOString().replace('.000Z', 'Z') };
}

/** Walks a bucket's backup folders newest first, reading each manifest at most once. */
class ManifestWalker {
  private readonly cache = new Map<string, Promise<ManifestRead>>();
  constructor(
    readonly reader: BucketReader,
    readonly prefix: string,
    /** Newest first. */
    readonly folders: string[],
  ) {}

  read(stamp: string): Promise<ManifestRead> {
    let p = this.cache.get(stamp);
    if (!p) {
      p = readManifest(this.reader, this.prefix, stamp);
      this.cache.set(stamp, p);
    }
    return p;
  }

  /** Starts reading a manifest that will be needed, so that it is read alongside others. */
  prefetch(stamp: string): void {
    this.read(stamp).catch(() => {
      /* the error is reported where the read is awaited */
    });
  }

  /**
   * The newest complete backup satisfying `accept`, stopping (null) at the first folder `stop`
   * rejects; folders `consider` rejects are passed over without reading their manifest.
   */
  async find(
    accept: (m: Manifest) => boolean,
    stop: (stamp: string) => boolean = () => false,
    invalid?: (m: ManifestRead & { state: 'invalid' }) => void,
    consider: (stamp: string) => boolean = () => true,
  ): Promise<Manifest | null> {
    for (const stamp of this.folders) {
      if (stop(stamp)) return null;
      if (!consider(stamp)) continue;
      const m = await this.read(stamp);
      if (m.state === 'invalid') invalid?.(m);
      if (m.state === 'ok' && accept(m)) return m;
    }
    return null;
  }
}

async function listBackupFolders(reader: BucketReader, prefix: string): Promise<string[]> {
  const folders = await reader.listFolders(prefix);
  return folders.filter((f) => BACKUP_TIMESTAMP_PATTERN.test(f)).sort().reverse();
}

/** The age past which the newest full backup is stale: the RPO, or for a continuous service the longer schedule gap. */
export function effectiveThreshold(service: Service): { seconds: number; words: string } | null {
  const rpo = service.rpo?.value;
  if (!rpo) return null;
  const continuous = hasContinuousMechanism(service);
  const gap = service.schedule?.value.maxGapSeconds ?? 0;
  if (continuous && gap > rpo.seconds) {
    return { seconds: gap, words: `the schedule's longest gap ${formatAge(gap)} (RPO ${rpo.text} is met by the continuous mechanism)` };
  }
  return { seconds: rpo.seconds, words: `RPO ${rpo.text}` };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
/** Starts `p` now and keeps its outcome (never an unhandled rejection), to be looked at later. */
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}

async function checkService(policy: Policy, service: Service, access: S3Access, ctx: ServiceContext): Promise<ServiceReport> {
  const { now, report, readError } = ctx;
  const storage = service.storage!;
  const buckets = uniqueBuckets(storage);
  const primary = buckets[0]!;
  const servicePath = `/services/${service.name}`;
  const prefix = servicePrefix(policy, service);
  const threshold = effectiveThreshold(service);
  const grace = Math.max(MIN_REPLICA_GRACE_SECONDS, service.rpo?.value.seconds ?? 0);
  const frequency = service.restoreTest?.value;
  const rtPrefix = restoreTestPrefix(policy, service);
  const out: ServiceReport = {
    tier: service.tier?.name ?? service.tierName?.value ?? null,
    kind: service.kind,
    status: 'checked',
    rpo_seconds: service.rpo?.value.seconds ?? null,
    measured_rpo_seconds: null,
    newest_backup: null,
    backup_folders: 0,
    replicas: [],
    restore_test: null,
    deep: [],
  };
  const pr = access.reader(primary.bucket, primary.region);
  const where = `s3://${primary.bucket}/${prefix}`;

  // Every listing starts at once (they do not depend on each other): the primary's backup folders,
  // each replica's, and the restore-test records; then the manifests the checks need are read. A
  // listing waits only for the configuration reads of its bucket and the primary (the first requests
  // sent), so that a bucket that cannot be read (missing, or an endpoint that times out) costs
  // nothing more; without the primary there is nothing to compare a replica with.
  const whenReadable = <T>(bucket: string, list: () => Promise<T>): Promise<Settled<T> | null> =>
    Promise.all([ctx.readable(primary.bucket), ctx.readable(bucket)]).then(([p, b]) => (p && b ? settle(list()) : null));
  const primaryListing = whenReadable(primary.bucket, () => listBackupFolders(pr, prefix));
  const restoreTestListing = frequency ? whenReadable(primary.bucket, () => listRestoreTests(pr, rtPrefix)) : null;
  const replicas = buckets.slice(1).map((replica) => {
    const reader = access.reader(replica.bucket, replica.region);
    const entry: ServiceReport['replicas'][number] = { bucket: replica.bucket, region: replica.region, backup_folders: null, missing: null, grace_seconds: grace };
    out.replicas.push(entry);
    return { ...replica, reader, entry, listing: whenReadable(replica.bucket, () => listBackupFolders(reader, prefix)) };
  });

  const listed = await primaryListing;
  if (listed === null) {
    out.status = 'unchecked';
    return out;
  }
  if (!listed.ok) {
    readError(servicePath, listed.error);
    out.status = 'unchecked';
    return out;
  }
  const folders = listed.value;
  out.backup_folders = folders.length;
  const walker = new ManifestWalker(pr, prefix, folders);
  const invalidManifest = (bucket: string) => (m: { stamp: string; reason: string }) =>
    report(BACKUP_CORRUPT, servicePath, `${service.name}: the manifest of backup ${m.stamp} in s3://${bucket}/${prefix} ${m.reason}`,
      'a backup whose manifest cannot be read is ignored by restore; take a new backup and remove the broken folder');

  // -- restore tests (alongside the backup checks) --
  const restoreTests = (async () => {
    if (!frequency || !restoreTestListing) return;
    out.restore_test = { max_gap_seconds: frequency.maxGapSeconds, newest: null, age_seconds: null };
    try {
      const records = (await restoreTestListing)!; // the primary is readable here
      if (!records.ok) throw records.error;
      const newestTest = await newestRestoreTest(pr, records.value);
      const rtWhere = `s3://${primary.bucket}/${rtPrefix}`;
      const hint = `run scripts/${service.name}/restore-test.sh on its schedule (restore_test ${frequency.text})`;
      if (!newestTest.ok) {
        report(RESTORE_TEST_STALE, servicePath,
          `${service.name}: no successful restore test recorded in ${rtWhere}${newestTest.failed ? ` (the newest ${newestTest.failed} record(s) report failure)` : ''}; restore_test ${frequency.text} allows at most ${formatAge(frequency.maxGapSeconds)} between tests`, hint);
      } else {
        const age = (now - newestTest.ok.time) / 1000;
        out.restore_test.newest = newestTest.ok.name;
        out.restore_test.age_seconds = Math.max(0, Math.round(age));
        if (age > frequency.maxGapSeconds) {
          report(RESTORE_TEST_STALE, servicePath,
            `${service.name}: the newest successful restore test ${newestTest.ok.name} is ${formatAge(age)} old, restore_test ${frequency.text} allows at most ${formatAge(frequency.maxGapSeconds)}`, hint);
        }
      }
    } catch (error) {
      readError(servicePath, error);
    }
  })();

  // The replica reference (below) is the newest complete backup that finished before the grace
  // cutoff. A folder is named by its backup's start time and a backup cannot finish before it
  // starts, so folders named after the cutoff cannot be it and their manifests are not read for it;
  // the newest folder named before the cutoff is read now, alongside the newest backup.
  const retention = retentionDays(service);
  const windowStart = retention === null ? Number.NEGATIVE_INFINITY : now - (retention * 86_400 - LIFECYCLE_SLACK_SECONDS) * 1000;
  const cutoff = now - grace * 1000;
  const startedBeforeCutoff = (stamp: string) => stampTime(stamp) <= cutoff;
  if (replicas.length > 0) {
    const candidate = folders.find(startedBeforeCutoff);
    if (candidate !== undefined && stampTime(candidate) >= windowStart) walker.prefetch(candidate);
  }

  // -- newest complete backup and the measured RPO --
  let newest: Manifest | null = null;
  let walked = true;
  try {
    newest = await walker.find(() => true, undefined, invalidManifest(primary.bucket));
  } catch (error) {
    readError(servicePath, error);
    walked = false;
  }
  if (newest === null && walked) {
    const incomplete = folders.length > 0 ? ` (${folders.length} backup folder${folders.length === 1 ? '' : 's'}, none with a ${MANIFEST_NAME})` : '';
    report(BACKUP_MISSING, servicePath, `${service.name}: no complete backup in ${where}${incomplete}`,
      `run scripts/${service.name}/backup.sh and check its schedule; a backup is complete only when its ${MANIFEST_NAME} exists`);
  } else if (newest) {
    const age = (now - newest.finishedAt) / 1000;
    out.measured_rpo_seconds = Math.max(0, Math.round(age));
    out.newest_backup = {
      timestamp: newest.stamp,
      finished_at: newest.finishedAtText,
      bucket: primary.bucket,
      region: primary.region,
      bytes: typeof newest.data.bytes === 'number' ? newest.data.bytes : null,
    };
    if (threshold && age > threshold.seconds) {
      report(BACKUP_STALE, `${servicePath}/rpo`,
        `${service.name}: the newest complete backup ${newest.stamp} finished ${formatAge(age)} ago (${newest.finishedAtText}), older than ${threshold.words}`,
        `check that scripts/${service.name}/backup.sh runs on its schedule and succeeds (drc_backup_last_status)`);
    }
  }

  // -- replicas (each on its own) --
  let reference: Promise<Manifest | null> | null = null;
  const findReference = () =>
    (reference ??= walker.find((m) => m.finishedAt <= cutoff, (stamp) => stampTime(stamp) < windowStart, undefined, startedBeforeCutoff));
  const replicaWalkers: ({ walker: ManifestWalker; bucket: string; region: string } | null)[] = await Promise.all(
    replicas.map(async (replica) => {
      const { entry, reader: rr } = replica;
      const replicaListed = await replica.listing;
      if (replicaListed === null) return null;
      if (!replicaListed.ok) {
        readError(servicePath, replicaListed.error);
        return null;
      }
      const replicaFolders = replicaListed.value;
      entry.backup_folders = replicaFolders.length;
      const found = { walker: new ManifestWalker(rr, prefix, replicaFolders), bucket: replica.bucket, region: replica.region };
      try {
        const present = new Set(replicaFolders);
        const missing: Manifest[] = [];
        // The newest complete primary backup past the grace period must have a manifest in the replica.
        const ref = await findReference();
        if (ref && !(present.has(ref.stamp) && (await rr.exists(`${prefix}${ref.stamp}/${MANIFEST_NAME}`)))) missing.push(ref);
        // Older primary folders inside the retention window that the replica lacks entirely.
        const absent = folders.filter((f) => !present.has(f) && f !== ref?.stamp && stampTime(f) >= windowStart && stampTime(f) <= cutoff);
        const reads = await Promise.all(absent.map((f) => walker.read(f)));
        for (const m of reads) if (m.state === 'ok' && m.finishedAt <= cutoff) missing.push(m);
        entry.missing = missing.length;
        if (missing.length > 0) {
          missing.sort((a, b) => b.finishedAt - a.finishedAt);
          const top = missing[0]!;
          const count = missing.length === 1 ? `backup ${top.stamp}` : `${missing.length} complete backups (newest ${top.stamp})`;
          report(REPLICA_MISSING, servicePath,
            `${service.name}: ${count} in s3://${primary.bucket} (${primary.region}) ${missing.length === 1 ? 'has' : 'have'} no ${MANIFEST_NAME} in replica s3://${replica.bucket} (${replica.region}) ${formatAge((now - top.finishedAt) / 1000)} after finishing (grace ${formatAge(grace)})`,
            `check the copy step of scripts/${service.name}/backup.sh and the ${replica.region} endpoint; copy the missing folder(s) to the replica`);
        }
      } catch (error) {
        readError(servicePath, error);
      }
      return found;
    }),
  );

  // -- deep: payload checksums of the newest complete backup in every bucket --
  if (ctx.deep) {
    const targets: { walker: ManifestWalker; bucket: string; region: string; manifest: Manifest | null }[] = [];
    if (newest) targets.push({ walker, bucket: primary.bucket, region: primary.region, manifest: newest });
    for (const r of replicaWalkers) {
      if (!r) continue;
      try {
        targets.push({ ...r, manifest: await r.walker.find(() => true, undefined, invalidManifest(r.bucket)) });
      } catch (error) {
        readError(servicePath, error);
      }
    }
    await Promise.all(
      targets.map(async (t) => {
        if (!t.manifest) return;
        try {
          const result = await deepCheck(t.walker.reader, prefix, t.manifest);
          out.deep.push({ bucket: t.bucket, key: result.key, ok: result.problem === null });
          if (result.problem) {
            report(BACKUP_CORRUPT, servicePath, `${service.name}: backup ${t.manifest.stamp} in s3://${t.bucket} (${t.region}): ${result.problem}`,
              'do not restore from this backup; take a new one and investigate who or what changed the object (enable Object Lock)');
          }
        } catch (error) {
          readError(servicePath, error);
        }
      }),
    );
    out.deep.sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
  }

  await restoreTests;
  return out;
}

/** Checks the payload of a complete backup against its manifest; `problem` null when it matches. */
async function deepCheck(reader: BucketReader, prefix: string, manifest: Manifest): Promise<{ key: string; problem: string | null }> {
  const folder = `${prefix}${manifest.stamp}/`;
  const data = manifest.data;
  const wantBytes = typeof data.bytes === 'number' ? data.bytes : typeof data.bytes === 'string' && /^\d+$/.test(data.bytes) ? Number(data.bytes) : null;
  const wantSha = typeof data.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(data.sha256) ? data.sha256.toLowerCase() : null;
  if (wantSha === null) {
    // s3-bucket copies (a folder of objects, no single payload): compare the total size.
    if (typeof data.objects === 'number') {
      const objects = await reader.listObjects(`${folder}objects/`);
      const bytes = objects.reduce((n, o) => n + o.size, 0);
      if (wantBytes !== null && bytes !== wantBytes) return { key: `${folder}objects/`, problem: `the copied objects total ${bytes} bytes, the manifest says ${wantBytes}` };
      if (objects.length !== data.objects) return { key: `${folder}objects/`, problem: `${objects.length} objects are stored, the manifest says ${data.objects}` };
      return { key: `${folder}objects/`, problem: null };
    }
    return { key: `${folder}${MANIFEST_NAME}`, problem: 'the manifest records no sha256 of the payload' };
  }
  let key: string | null = null;
  if (typeof data.key === 'string' && data.key.startsWith(folder)) key = data.key;
  else if (typeof data.payload === 'string' && data.payload && !data.payload.includes('/')) key = `${folder}${data.payload}`;
  else {
    const objects = (await reader.listObjects(folder)).filter((o) => o.key !== `${folder}${MANIFEST_NAME}`);
    if (objects.length === 1) key = objects[0]!.key;
    else return { key: folder, problem: objects.length === 0 ? 'the folder holds no payload' : 'the manifest names no payload and the folder holds several objects' };
  }
  const got = await reader.digest(key);
  if (got === null) return { key, problem: `the payload ${key} is missing` };
  const problems: string[] = [];
  if (got.sha256 !== wantSha) problems.push(`payload sha256 ${got.sha256.slice(0, 12)}… differs from the manifest's ${wantSha.slice(0, 12)}…`);
  if (wantBytes !== null && got.bytes !== wantBytes) problems.push(`payload is ${got.bytes} bytes, the manifest says ${wantBytes}`);
  return { key, problem: problems.length ? problems.join(', and ') : null };
}

const FAILED_STATUS = new Set(['failed', 'failure', 'error', 'fail', 'not ok', 'ko']);

/** Time of a restore-test record from its name: `<YYYYMMDDTHHMMSSZ>.json` or an RFC 3339 stamp. */
export function recordTime(name: string): number {
  const base = name.replace(/\.json$/, '');
  const stamp = /^(\d{8}T\d{6}Z)/.exec(base);
  if (stamp) return stampTime(stamp[1]!);
  return Date.parse(base);
}

interface RestoreTestRecord {
  key: string;
  name: string;
  time: number;
}

/** The restore-test records under `prefix`, newest first (time from the record's name). */
async function listRestoreTests(reader: BucketReader, prefix: string): Promise<RestoreTestRecord[]> {
  return (await reader.listObjects(prefix))
    .map((o) => ({ key: o.key, name: o.key.slice(prefix.length) }))
    .filter((r) => r.name.endsWith('.json') && !r.name.includes('/'))
    .map((r) => ({ ...r, time: recordTime(r.name) }))
    .filter((r) => !Number.isNaN(r.time))
    .sort((a, b) => b.time - a.time);
}

async function newestRestoreTest(reader: BucketReader, records: RestoreTestRecord[]): Promise<{ ok: { name: string; time: number } | null; failed: number }> {
  let failed = 0;
  for (const record of records.slice(0, RESTORE_TEST_RECORDS_READ)) {
    const text = await reader.getText(record.key);
    if (text === null) continue;
    let data: Record<string, unknown> | null = null;
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed;
    } catch {
      /* a record that is not JSON still proves a run; treat as success */
    }
    const status = data ? String(data.status ?? data.result ?? '').toLowerCase() : '';
    const failedRecord = FAILED_STATUS.has(status) || data?.ok === false || data?.success === false || data?.passed === false;
    if (failedRecord) {
      failed++;
      continue;
    }
    return { ok: { name: record.name.replace(/\.json$/, ''), time: record.time }, failed };
  }
  return { ok: null, failed };
}
