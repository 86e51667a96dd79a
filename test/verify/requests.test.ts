// Which S3 requests drc verify makes, counted on an in-memory S3 (no moto): the request pattern is what
// decides verify's time at scale (docs/verify.md, "Scale"), so it is pinned here.
import { describe, expect, it } from 'vitest';
import {
  bucketEncryption,
  bucketVersioning,
  lifecycleConfiguration,
  objectLockConfiguration,
  replicationConfiguration,
} from '../../src/emitters/aws/bucket-config.js';
import { MANIFEST_NAME, payloadName, restoreTestPrefix, servicePrefix, storageBuckets } from '../../src/emitters/layout.js';
import type { Policy, Service } from '../../src/model/types.js';
import { stampTime, verifyPolicy } from '../../src/verify/index.js';
import { S3ReadError, type BucketReader, type ListedObject, type S3Access } from '../../src/verify/s3.js';
import { modelOf, policyText, REPLICATION_ROLE, rfc3339, stamp } from './helpers.js';

type Kind = 'config' | 'listFolders' | 'listObjects' | 'getText' | 'exists' | 'digest';
interface Request {
  kind: Kind;
  bucket: string;
  what: string;
}

const PAGE = 1000;

/** An in-memory S3 behind the S3Access interface: counts requests, answers after a short delay. */
class FakeS3 implements S3Access {
  readonly objects = new Map<string, Map<string, string>>();
  readonly requests: Request[] = [];
  /** `start <kind>` and `end <kind>` in the order they happened. */
  readonly events: string[] = [];
  readonly stats = { answered: 0, failed: 0 };
  /** Listings in flight per service prefix, and the most seen at once. */
  readonly listingsInFlight = new Map<string, number>();
  readonly maxListingsInFlight = new Map<string, number>();
  readonly missing = new Set<string>();

  constructor(readonly policy: Policy) {}

  put(bucket: string, key: string, body: string): void {
    let b = this.objects.get(bucket);
    if (!b) this.objects.set(bucket, (b = new Map()));
    b.set(key, body);
  }

  count(kind: Kind, filter: (r: Request) => boolean = () => true): number {
    return this.requests.filter((r) => r.kind === kind && filter(r)).length;
  }

  close(): void {}

  reader(bucket: string, region: string): BucketReader {
    const storage = [...this.policy.storage.values()].find((st) => storageBuckets(st).some((b) => b.bucket === bucket))!;
    const primary = storage.bucket === bucket;
    const run = async <T>(kind: Kind, what: string, fn: () => T): Promise<T> => {
      this.requests.push({ kind, bucket, what });
      this.events.push(`start ${kind}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      this.events.push(`end ${kind}`);
      if (this.missing.has(bucket)) {
        this.stats.failed++;
        throw new S3ReadError('no-bucket', 'NoSuchBucket', `${what} of s3://${bucket}: the bucket does not exist (NoSuchBucket)`, 'the bucket does not exist (NoSuchBucket)');
      }
      this.stats.answered++;
      return fn();
    };
    const keys = () => [...(this.objects.get(bucket)?.keys() ?? [])].sort();
    const listing = async <T>(kind: Kind, prefix: string, page: (all: string[]) => T[]): Promise<T[]> => {
      const service = prefix.split('/').slice(0, 2).join('/');
      const inFlight = (this.listingsInFlight.get(service) ?? 0) + 1;
      this.listingsInFlight.set(service, inFlight);
      this.maxListingsInFlight.set(service, Math.max(inFlight, this.maxListingsInFlight.get(service) ?? 0));
      try {
        const all = page(keys().filter((k) => k.startsWith(prefix)));
        const out: T[] = [];
        for (let i = 0; i === 0 || i < all.length; i += PAGE) out.push(...(await run(kind, prefix, () => all.slice(i, i + PAGE))));
        return out;
      } finally {
        this.listingsInFlight.set(service, this.listingsInFlight.get(service)! - 1);
      }
    };
    return {
      bucket,
      region,
      endpoint: null,
      versioning: () => run('config', 'versioning', () => bucketVersioning(storage, bucket)),
      encryption: () => run('config', 'encryption', () => bucketEncryption(this.policy, storage, bucket)),
      objectLock: () => run('config', 'object lock', () => objectLockConfiguration(storage, bucket)),
      replication: () => run('config', 'replication', () => (primary ? replicationConfiguration(this.policy, storage, REPLICATION_ROLE) : null)),
      lifecycle: () => run('config', 'lifecycle', () => lifecycleConfiguration(this.policy, storage, bucket)),
      listFolders: (prefix) =>
        listing('listFolders', prefix, (all) => [...new Set(all.map((k) => k.slice(prefix.length)).filter((k) => k.includes('/')).map((k) => k.split('/')[0]!))]),
      listObjects: (prefix): Promise<ListedObject[]> =>
        listing('listObjects', prefix, (all) => all.map((key) => ({ key, size: this.objects.get(bucket)!.get(key)!.length }))),
      getText: (key) => run('getText', key, () => this.objects.get(bucket)?.get(key) ?? null),
      exists: (key) => run('exists', key, () => this.objects.get(bucket)?.has(key) ?? false),
      digest: () => run('digest', '', () => null),
    };
  }
}

const NOW = Date.parse('2026-11-24T12:00:00Z');

/** `count` hourly backups of `service` in every bucket, the newest finished `newestMinutes` ago; a restore test a day ago. */
function seed(s3: FakeS3, policy: Policy, service: Service, count: number, newestMinutes = 10): void {
  const prefix = servicePrefix(policy, service);
  for (let b = 0; b < count; b++) {
    const finished = new Date(NOW - newestMinutes * 60_000 - b * 3_600_000);
    const started = new Date(finished.getTime() - 60_000);
    const folder = `${prefix}${stamp(started)}/`;
    for (const { bucket } of storageBuckets(service.storage!)) {
      s3.put(bucket, `${folder}${payloadName(service)}`, 'payload');
      s3.put(bucket, `${folder}${MANIFEST_NAME}`, JSON.stringify({ service: service.name, started_at: rfc3339(started), finished_at: rfc3339(finished), bytes: 7 }));
    }
  }
  s3.put(service.storage!.bucket, `${restoreTestPrefix(policy, service)}${stamp(new Date(NOW - 86_400_000))}.json`, JSON.stringify({ status: 'ok' }));
}

function setup(opts: Parameters<typeof policyText>[0], backups: number): { policy: Policy; s3: FakeS3 } {
  const policy = modelOf(policyText({ objectLock: false, ...opts }).text);
  const s3 = new FakeS3(policy);
  for (const service of policy.services) seed(s3, policy, service, backups);
  return { policy, s3 };
}

const manifestReads = (r: Request) => r.what.endsWith(`/${MANIFEST_NAME}`);

describe('drc verify: requests per service', () => {
  it('a healthy service with a replica: 3 listings, 2 manifest reads, 1 HEAD, 1 restore-test record', async () => {
    const { policy, s3 } = setup({ services: ['a', 'b', 'c'] }, 30);
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(s3.count('config')).toBe(10); // 5 per bucket
    expect(s3.count('listFolders')).toBe(6); // primary and replica, one page each
    expect(s3.count('listObjects')).toBe(3); // restore-test records
    expect(s3.count('getText', manifestReads)).toBe(6); // newest, and the replica reference (newest past the grace period)
    expect(s3.count('getText', (r) => !manifestReads(r))).toBe(3); // the newest restore-test record
    expect(s3.count('exists')).toBe(3); // the reference's manifest in the replica
    expect(s3.requests).toHaveLength(10 + 3 * 7);
  });

  it('the three listings of a service are in flight together, right after the configuration reads', async () => {
    const { policy, s3 } = setup({ services: ['a'] }, 5);
    await verifyPolicy(policy, s3, { now: NOW });
    expect(s3.maxListingsInFlight.get(`${policy.name}/a`)).toBe(3);
    // Listings wait for their bucket's configuration reads (a bucket that cannot be read costs nothing more)…
    expect(s3.events.indexOf('start listFolders')).toBeGreaterThan(s3.events.indexOf('end config'));
    // …and no longer: the manifest reads of the second stage come right after.
    const stages = s3.events.filter((e) => e.startsWith('start')).map((e) => e.slice(6));
    expect(stages).toEqual([...Array(10).fill('config'), 'listFolders', 'listObjects', 'listFolders', 'getText', 'getText', 'getText', 'exists']);
  });

  it('manifests of backups started inside the grace period are not read to find the replica reference', async () => {
    // RPO 6h: grace 6h; hourly backups, so the 6 newest folders started after the cutoff.
    const { policy, s3 } = setup({ services: ['a'], rpo: '6h' }, 30);
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(s3.count('getText', manifestReads)).toBe(2);
    const reference = result.services.a!;
    expect(reference.replicas[0]!.missing).toBe(0);
  });

  it('a replica missing the reference manifest is still found (read from the manifest, not the folder name)', async () => {
    const { policy, s3 } = setup({ services: ['a'], rpo: '6h' }, 30);
    const service = policy.servicesByName.get('a')!;
    const replica = storageBuckets(service.storage!)[1]!.bucket;
    // The newest folder that started more than 6 hours ago: its manifest goes missing in the replica.
    const folders = [...s3.objects.get(replica)!.keys()].filter((k) => k.endsWith(MANIFEST_NAME)).sort().reverse();
    const refKey = folders.find((k) => stampTime(k.split('/')[2]!) <= NOW - 6 * 3_600_000)!;
    s3.objects.get(replica)!.delete(refKey);
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual(['replica-missing /services/a']);
    expect(result.diagnostics[0]!.message).toContain(`backup ${refKey.split('/')[2]}`);
  });

  it('1,500 backups: two listing pages in the primary and the replica, the same reads', async () => {
    const { policy, s3 } = setup({ services: ['a'] }, 1500);
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(result.services.a!.backup_folders).toBe(1500);
    expect(s3.count('listFolders')).toBe(4);
    expect(s3.count('getText', manifestReads)).toBe(2);
  });

  it('a missing primary bucket: one verify-error at the storage, its services unchecked, no second finding', async () => {
    const { policy, s3 } = setup({ services: ['a', 'b'] }, 3);
    s3.missing.add(policy.storage.get('backups')!.bucket);
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual(['verify-error /storage/backups']);
    expect(result.services.a!.status).toBe('unchecked');
    expect(result.services.b!.status).toBe('unchecked');
    expect(s3.requests.filter((r) => r.kind !== 'config')).toEqual([]); // its listings are not even tried
  });

  it('a missing replica bucket: one verify-error at the replica; the primary checks go on', async () => {
    const { policy, s3 } = setup({ services: ['a'] }, 3);
    s3.missing.add(policy.storage.get('backups')!.replicas[0]!.bucket);
    const result = await verifyPolicy(policy, s3, { now: NOW });
    expect(result.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual(['verify-error /storage/backups/replicas/0']);
    expect(result.services.a!.status).toBe('checked');
    expect(result.services.a!.newest_backup).not.toBeNull();
    expect(result.services.a!.replicas[0]!.backup_folders).toBeNull();
  });
});
