// Which S3 requests drc verify makes, against moto_server: the request pattern is what decides
// verify's time at scale (docs/verify.md, "Scale"), so it is pinned here. The buckets are configured
// from the build's own functions and the backups written with the SDK (./helpers.ts); verify runs on
// the real S3Access of src/verify/s3.ts, behind a thin decorator that only records each call (kind,
// bucket, what, start and end, listings in flight) before handing it to the real BucketReader.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_NAME, servicePrefix, storageBuckets } from '../../src/emitters/layout.js';
import type { Policy, Service } from '../../src/model/types.js';
import { stampTime, verifyPolicy } from '../../src/verify/index.js';
import { createS3Access, type BucketReader, type ListedObject, type S3Access } from '../../src/verify/s3.js';
import { awsEnv, useMoto } from '../harness/index.js';
import { configureStorageExcept, modelOf, policyText, S3, writeHourlyBackups, writeRestoreTest } from './helpers.js';

type Kind = 'config' | 'listFolders' | 'listObjects' | 'getText' | 'exists' | 'digest';
interface Request {
  kind: Kind;
  bucket: string;
  what: string;
}
interface Event extends Request {
  at: 'start' | 'end';
}

/** How long a held listing waits for the others of its service before it goes ahead anyway. */
const HOLD_TIMEOUT_MS = 5_000;

/**
 * A counting decorator around the real S3Access: every BucketReader call is recorded, then
 * delegated unchanged to the reader createS3Access made. With `holdListings: n`, a listing is sent
 * only once n listings of its service have been asked for (or after HOLD_TIMEOUT_MS): see the
 * second test.
 */
class CountingS3 implements S3Access {
  readonly requests: Request[] = [];
  /** Starts (verify asked) and ends (verify got the answer or the error), in the order they happened. */
  readonly log: Event[] = [];
  /** Listings in flight per service prefix, and the most seen at once. */
  readonly listingsInFlight = new Map<string, number>();
  readonly maxListingsInFlight = new Map<string, number>();
  private readonly listingsAsked = new Map<string, number>();
  private readonly held = new Map<string, (() => void)[]>();

  constructor(
    readonly inner: S3Access,
    readonly opts: { holdListings?: number } = {},
  ) {}

  get stats(): S3Access['stats'] {
    return this.inner.stats;
  }

  /** HTTP requests the real S3Access sent: one per configuration read, object read or listing page. */
  get sent(): number {
    return this.inner.stats.answered + this.inner.stats.failed;
  }

  /** `start <kind>` and `end <kind>`. */
  get events(): string[] {
    return this.log.map((e) => `${e.at} ${e.kind}`);
  }

  count(kind: Kind, filter: (r: Request) => boolean = () => true): number {
    return this.requests.filter((r) => r.kind === kind && filter(r)).length;
  }

  close(): void {
    this.inner.close();
  }

  private hold(service: string): Promise<void> {
    const n = this.opts.holdListings;
    if (!n) return Promise.resolve();
    const asked = (this.listingsAsked.get(service) ?? 0) + 1;
    this.listingsAsked.set(service, asked);
    const waiting = this.held.get(service) ?? [];
    this.held.set(service, waiting);
    if (asked >= n) {
      for (const release of waiting.splice(0)) release();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, HOLD_TIMEOUT_MS);
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  reader(bucket: string, region: string): BucketReader {
    const real = this.inner.reader(bucket, region);
    const run = async <T>(kind: Kind, what: string, call: () => Promise<T>, before?: () => Promise<void>): Promise<T> => {
      this.requests.push({ kind, bucket, what });
      this.log.push({ at: 'start', kind, bucket, what });
      try {
        await before?.();
        return await call();
      } finally {
        this.log.push({ at: 'end', kind, bucket, what });
      }
    };
    const listing = async <T>(kind: Kind, prefix: string, call: () => Promise<T>): Promise<T> => {
      const service = prefix.split('/').slice(0, 2).join('/');
      const inFlight = (this.listingsInFlight.get(service) ?? 0) + 1;
      this.listingsInFlight.set(service, inFlight);
      this.maxListingsInFlight.set(service, Math.max(inFlight, this.maxListingsInFlight.get(service) ?? 0));
      try {
        return await run(kind, prefix, call, () => this.hold(service));
      } finally {
        this.listingsInFlight.set(service, this.listingsInFlight.get(service)! - 1);
      }
    };
    return {
      bucket: real.bucket,
      region: real.region,
      endpoint: real.endpoint,
      versioning: () => run('config', 'versioning', () => real.versioning()),
      encryption: () => run('config', 'encryption', () => real.encryption()),
      objectLock: () => run('config', 'object lock', () => real.objectLock()),
      replication: () => run('config', 'replication', () => real.replication()),
      lifecycle: () => run('config', 'lifecycle', () => real.lifecycle()),
      listFolders: (prefix) => listing('listFolders', prefix, () => real.listFolders(prefix)),
      listObjects: (prefix): Promise<ListedObject[]> => listing('listObjects', prefix, () => real.listObjects(prefix)),
      getText: (key) => run('getText', key, () => real.getText(key)),
      exists: (key) => run('exists', key, () => real.exists(key)),
      digest: (key) => run('digest', key, () => real.digest(key)),
    };
  }
}

const NOW = Date.parse('2026-11-24T12:00:00Z');

// A private moto: the 1,500-backup buckets would slow the other files' tests down.
const moto = useMoto();
let sdk: S3;
const opened: S3Access[] = [];
beforeAll(() => {
  sdk = new S3(moto().endpoint);
});
afterEach(() => {
  for (const access of opened.splice(0)) access.close();
});
afterAll(() => sdk?.close());

/** The real S3Access verify uses (default concurrency), on moto, behind the counting decorator. */
async function counting(opts: { holdListings?: number } = {}): Promise<CountingS3> {
  const access = await createS3Access({ endpoint: moto().endpoint, env: awsEnv() });
  opened.push(access);
  return new CountingS3(access, opts);
}

/**
 * `count` hourly backups of `service` in every bucket that exists, the newest finished
 * `newestMinutes` ago; a restore test a day ago when the primary exists. Returns the backups' folder
 * stamps, newest first.
 */
async function seed(policy: Policy, service: Service, count: number, missing: readonly string[] = [], newestMinutes = 10): Promise<string[]> {
  const buckets = storageBuckets(service.storage!).flatMap((b, i) => (missing.includes(b.bucket) ? [] : [i]));
  // Verify without --deep never reads a payload: past 100 backups, only the manifests are written.
  const written = await writeHourlyBackups(sdk, policy, service, count, new Date(NOW - newestMinutes * 60_000), {
    buckets,
    payload: Buffer.from('payload'),
    noPayload: count > 100,
  });
  if (!missing.includes(service.storage!.bucket)) await writeRestoreTest(sdk, policy, service, new Date(NOW - 86_400_000));
  return written.map((w) => w.stamp);
}

/** A policy with fresh buckets, configured in moto as drc build would (but for `missing`), and seeded. */
async function setup(
  opts: Parameters<typeof policyText>[0],
  backups: number,
  missing: (policy: Policy) => string[] = () => [],
): Promise<{ policy: Policy; stamps: Map<string, string[]> }> {
  const policy = modelOf(policyText({ objectLock: false, ...opts }).text);
  const gone = missing(policy);
  for (const storage of policy.storage.values()) await configureStorageExcept(sdk, policy, storage, gone);
  const stamps = new Map<string, string[]>();
  for (const service of policy.services) stamps.set(service.name, await seed(policy, service, backups, gone));
  return { policy, stamps };
}

const manifestReads = (r: Request) => r.what.endsWith(`/${MANIFEST_NAME}`);

describe('drc verify: requests per service (moto)', () => {
  it('a healthy service with a replica: 3 listings, 2 manifest reads, 1 HEAD, 1 restore-test record', async () => {
    const { policy } = await setup({ services: ['a', 'b', 'c'] }, 30);
    const s3 = await counting();
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(s3.count('config')).toBe(10); // 5 per bucket
    expect(s3.count('listFolders')).toBe(6); // primary and replica
    expect(s3.count('listObjects')).toBe(3); // restore-test records
    expect(s3.count('getText', manifestReads)).toBe(6); // newest, and the replica reference (newest past the grace period)
    expect(s3.count('getText', (r) => !manifestReads(r))).toBe(3); // the newest restore-test record
    expect(s3.count('exists')).toBe(3); // the reference's manifest in the replica
    expect(s3.requests).toHaveLength(10 + 3 * 7);
    // What went over the wire: one HTTP request per call (every listing fits in one page), none failed.
    expect(s3.sent).toBe(10 + 3 * 7);
    expect(s3.stats.failed).toBe(0);
  });

  it('the three listings of a service are in flight together, right after the configuration reads', async () => {
    const { policy } = await setup({ services: ['a'] }, 5);
    const primary = policy.storage.get('backups')!.bucket;
    // On moto, unlike the former in-memory S3 that answered every request after the same 1 ms, the
    // primary's listing may well be answered before the replica's configuration reads are back, so
    // whether the three listings overlap would be a matter of luck. The decorator therefore sends a
    // listing only once all three of the service's listings have been asked for: a verify that waited
    // for one listing before asking for the next would stall in that hold for HOLD_TIMEOUT_MS and see
    // fewer than 3 in flight.
    const s3 = await counting({ holdListings: 3 });
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(s3.maxListingsInFlight.get(`${policy.name}/a`)).toBe(3);

    // Listings wait for their bucket's configuration reads (a bucket that cannot be read costs nothing more)…
    expect(s3.events.indexOf('start listFolders')).toBeGreaterThan(s3.events.indexOf('end config'));
    const at = (e: Partial<Event>) =>
      s3.log.findIndex((x) => (Object.keys(e) as (keyof Event)[]).every((k) => x[k] === e[k]));
    const lastConfigEnd = (bucket: string) => Math.max(...s3.log.flatMap((e, i) => (e.at === 'end' && e.kind === 'config' && e.bucket === bucket ? [i] : [])));
    for (const [i, e] of s3.log.entries()) {
      if (e.at !== 'start' || (e.kind !== 'listFolders' && e.kind !== 'listObjects')) continue;
      expect(i).toBeGreaterThan(lastConfigEnd(e.bucket)); // its own bucket's five reads…
      expect(i).toBeGreaterThan(lastConfigEnd(primary)); // …and the primary's (nothing to compare a replica with otherwise)
    }

    // …and no longer: the configuration reads, then the three listings, then the second stage. The
    // former exact sequence of the second stage came from the equal 1 ms answers; on moto the
    // restore-test record may be read before or after the manifests, so its order is checked by
    // what each request waits for.
    const stages = s3.log.filter((e) => e.at === 'start').map((e) => e.kind);
    expect(stages.slice(0, 13)).toEqual([...Array(10).fill('config'), 'listFolders', 'listObjects', 'listFolders']);
    expect(stages.slice(13).sort()).toEqual(['exists', 'getText', 'getText', 'getText']);
    const manifests = s3.log.filter((e) => e.at === 'start' && e.kind === 'getText' && manifestReads(e)).map((e) => e.what);
    expect(manifests).toHaveLength(2);
    const [newest, reference] = [...manifests].sort().reverse() as [string, string];
    const prefix = servicePrefix(policy, policy.servicesByName.get('a')!);
    // The newest manifest and the replica reference go out together, as soon as the primary's folders are listed…
    expect(at({ at: 'start', what: newest })).toBeGreaterThan(at({ at: 'end', kind: 'listFolders', bucket: primary }));
    expect(at({ at: 'start', what: reference })).toBeGreaterThan(at({ at: 'end', kind: 'listFolders', bucket: primary }));
    expect(Math.max(at({ at: 'start', what: newest }), at({ at: 'start', what: reference }))).toBeLessThan(
      Math.min(at({ at: 'end', what: newest }), at({ at: 'end', what: reference })),
    );
    // …the newest restore-test record once the records are listed, and the replica HEAD once the reference is known.
    const record = s3.requests.find((r) => r.kind === 'getText' && !manifestReads(r))!.what;
    expect(record.startsWith(`${prefix}restore-tests/`)).toBe(true);
    expect(at({ at: 'start', what: record })).toBeGreaterThan(at({ at: 'end', kind: 'listObjects' }));
    expect(at({ at: 'start', kind: 'exists' })).toBeGreaterThan(at({ at: 'end', what: reference }));
    expect(s3.requests.find((r) => r.kind === 'exists')!.what).toBe(reference);
  });

  it('manifests of backups started inside the grace period are not read to find the replica reference', async () => {
    // RPO 6h: grace 6h; hourly backups, so the 6 newest folders started after the cutoff.
    const { policy } = await setup({ services: ['a'], rpo: '6h' }, 30);
    const s3 = await counting();
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(s3.count('getText', manifestReads)).toBe(2);
    const reference = result.services.a!;
    expect(reference.replicas[0]!.missing).toBe(0);
  });

  it('a replica missing the reference manifest is still found (read from the manifest, not the folder name)', async () => {
    const { policy, stamps } = await setup({ services: ['a'], rpo: '6h' }, 30);
    const service = policy.servicesByName.get('a')!;
    const replica = storageBuckets(service.storage!)[1]!;
    // The newest folder that started more than 6 hours ago: its manifest goes missing in the replica.
    const refStamp = stamps.get('a')!.find((st) => stampTime(st) <= NOW - 6 * 3_600_000)!;
    await sdk.client(replica.region).send(new DeleteObjectCommand({ Bucket: replica.bucket, Key: `${servicePrefix(policy, service)}${refStamp}/${MANIFEST_NAME}` }));
    const s3 = await counting();
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual(['replica-missing /services/a']);
    expect(result.diagnostics[0]!.message).toContain(`backup ${refStamp}`);
  });

  it('1,500 backups: two listing pages in the primary and the replica, the same reads', { timeout: 180_000 }, async () => {
    const { policy } = await setup({ services: ['a'] }, 1500);
    const s3 = await counting();
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(result.services.a!.backup_folders).toBe(1500);
    expect(s3.count('listFolders')).toBe(2); // one call per bucket, walking every page
    expect(s3.count('getText', manifestReads)).toBe(2);
    // The pages are requests of the real S3Access (its stats count every request it sends): all
    // of them but the single-request calls are listing pages, and the one restore-test listing is
    // one page (a single record), so the two folder listings took 2 pages each.
    const single = s3.requests.filter((r) => r.kind !== 'listFolders' && r.kind !== 'listObjects').length;
    expect(s3.sent - single - s3.count('listObjects')).toBe(4);
  });

  it('a missing primary bucket: one verify-error at the storage, its services unchecked, no second finding', async () => {
    const { policy } = await setup({ services: ['a', 'b'] }, 3, (p) => [p.storage.get('backups')!.bucket]);
    const s3 = await counting();
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual(['verify-error /storage/backups']);
    expect(result.diagnostics[0]!.message).toContain('the bucket does not exist (NoSuchBucket)');
    expect(result.services.a!.status).toBe('unchecked');
    expect(result.services.b!.status).toBe('unchecked');
    expect(s3.requests.filter((r) => r.kind !== 'config')).toEqual([]); // its listings are not even tried
    expect(s3.stats.failed).toBe(5); // the primary's five configuration reads, nothing else
  });

  it('a missing replica bucket: one verify-error at the replica; the primary checks go on', async () => {
    const { policy } = await setup({ services: ['a'] }, 3, (p) => [p.storage.get('backups')!.replicas[0]!.bucket]);
    const s3 = await counting();
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual(['verify-error /storage/backups/replicas/0']);
    expect(result.diagnostics[0]!.message).toContain('the bucket does not exist (NoSuchBucket)');
    expect(result.services.a!.status).toBe('checked');
    expect(result.services.a!.newest_backup).not.toBeNull();
    expect(result.services.a!.replicas[0]!.backup_folders).toBeNull();
  });
});
