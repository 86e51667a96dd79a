// Test helpers for drc verify: a policy with unique bucket names, buckets configured from the build's
// own configuration functions, and backups written in the §10.1 layout with the SDK.
import { createHash, randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { lintText } from '../../src/checker/index.js';
import {
  bucketEncryption,
  bucketVersioning,
  lifecycleConfiguration,
  objectLockConfiguration,
  replicationConfiguration,
} from '../../src/emitters/aws/bucket-config.js';
import { MANIFEST_NAME, payloadName, restoreTestPrefix, servicePrefix, storageBuckets } from '../../src/emitters/layout.js';
import type { Policy, Service, StorageTarget } from '../../src/model/types.js';
import type { Io } from '../../src/cli/io.js';
import { runVerify, type VerifyCliOptions } from '../../src/cli/verify.js';
import { mapLimit } from '../../src/verify/limit.js';
import { awsEnv, s3ClientConfig, uniqueBucket } from '../harness/index.js';

export const REPLICATION_ROLE = 'arn:aws:iam::123456789012:role/drc-replication';
export const AGE_RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

export interface PolicyOptions {
  name?: string;
  primary?: string;
  replica?: string | null;
  services?: string[];
  objectLock?: boolean;
  rpo?: string;
  extraServices?: string;
}

/** A policy text with fresh bucket names; every service is a `files` service on storage `backups`. */
export function policyText(opts: PolicyOptions = {}): { text: string; primary: string; replica: string | null } {
  const primary = opts.primary ?? uniqueBucket('vp');
  const replica = opts.replica === null ? null : (opts.replica ?? uniqueBucket('vr'));
  const services = opts.services ?? ['app-db', 'app-files'];
  const lines = [
    'version: 1',
    `name: ${opts.name ?? 'vt'}`,
    'owner: sre@example.com',
    'regions:',
    '  primary: us-east-1',
    `  secondary: [${replica ? 'us-west-2' : ''}]`,
    'encryption:',
    '  at_rest: aws:kms',
    '  kms_key: alias/vt-backup',
    '  replica_kms_keys: { us-west-2: alias/vt-backup-usw2 }',
    `  client_side: { method: age, recipients: [${AGE_RECIPIENT}] }`,
    'storage:',
    '  backups:',
    '    type: s3',
    `    bucket: ${primary}`,
    '    region: us-east-1',
    ...(replica ? ['    replicas:', `      - { bucket: ${replica}, region: us-west-2 }`] : []),
    ...(opts.objectLock === false ? [] : ['    object_lock: { mode: governance, days: 7 }']),
    '    transitions:',
    '      - { after: 30d, class: STANDARD_IA }',
    'tiers:',
    '  tier1:',
    '    rto: 4h',
    `    rpo: ${opts.rpo ?? '1h'}`,
    '    retention: 60d',
    '    restore_test: monthly',
    '    dr_drill: quarterly',
    `    min_regions: ${replica ? 2 : 1}`,
    'defaults:',
    '  storage: backups',
    '  owner: team-sre',
    'services:',
    ...services.flatMap((s) => [
      `  ${s}:`,
      '    tier: tier1',
      '    kind: files',
      '    paths: [/srv/data]',
      '    schedule: hourly',
      '    data_size: 1GiB',
      '    restore_rate: 100MiB/s',
    ]),
    ...(opts.extraServices ? [opts.extraServices] : []),
    '',
  ];
  return { text: lines.join('\n'), primary, replica };
}

export function modelOf(text: string, file = 'drc.yaml'): Policy {
  const result = lintText(text, file);
  if (!result.policy) throw new Error(`policy does not load: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
  const structural = result.diagnostics.filter((d) => d.severity === 'error' && ['syntax', 'schema', 'invalid-value', 'unknown-reference'].includes(d.rule));
  if (structural.length) throw new Error(`policy has structural errors: ${structural.map((d) => `${d.rule}: ${d.message}`).join('; ')}`);
  return result.policy;
}

/** One SDK client per region, all on the same moto. */
export class S3 {
  private readonly clients = new Map<string, S3Client>();
  constructor(readonly endpoint: string) {}
  client(region: string): S3Client {
    let c = this.clients.get(region);
    if (!c) {
      c = new S3Client({ ...s3ClientConfig(this.endpoint, region), maxAttempts: 5 });
      this.clients.set(region, c);
    }
    return c;
  }
  close(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}

/** Creates and configures every bucket of `storage` exactly as drc build would (bucket-config.ts). */
export async function configureStorage(s3: S3, policy: Policy, storage: StorageTarget): Promise<void> {
  await configureStorageExcept(s3, policy, storage, []);
}

/**
 * configureStorage, except that the buckets named in `missing` are not created (a bucket that does
 * not exist). The primary's replication rule is still put when only a replica is missing.
 */
export async function configureStorageExcept(s3: S3, policy: Policy, storage: StorageTarget, missing: readonly string[]): Promise<void> {
  const buckets = storageBuckets(storage).filter((b) => !missing.includes(b.bucket));
  for (const { bucket, region } of buckets) {
    const c = s3.client(region);
    await c.send(new CreateBucketCommand({
      Bucket: bucket,
      ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as never } } : {}),
      ...(storage.objectLock ? { ObjectLockEnabledForBucket: true } : {}),
    }));
    await c.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: bucketVersioning(storage, bucket) }));
    await c.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: bucketEncryption(policy, storage, bucket) as never }));
    const lock = objectLockConfiguration(storage, bucket);
    if (lock) await c.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: lock }));
    await c.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: lifecycleConfiguration(policy, storage, bucket) as never }));
  }
  const replication = replicationConfiguration(policy, storage, REPLICATION_ROLE);
  if (replication && !missing.includes(storage.bucket)) {
    await s3.client(storage.region).send(new PutBucketReplicationCommand({ Bucket: storage.bucket, ReplicationConfiguration: replication as never }));
  }
}

/** `Date` → `YYYYMMDDTHHMMSSZ`. */
export function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface BackupOptions {
  /** When the backup finished (manifest finished_at); the folder is named after started = finished - 1 min. */
  finishedAt: Date;
  /** Region indexes of storageBuckets(storage) to write to (default: all). */
  buckets?: number[];
  payload?: Buffer;
  /** Write the payload only, no manifest (an incomplete backup). */
  noManifest?: boolean;
  /** Write the manifest only, no payload (for checks that never read payloads: half the PUTs). */
  noPayload?: boolean;
  manifest?: Record<string, unknown>;
}

/** Writes one backup (payload, then manifest.json) in the §10.1 layout; returns the folder stamp and payload key. */
export async function writeBackup(s3: S3, policy: Policy, service: Service, opts: BackupOptions): Promise<{ stamp: string; key: string; folder: string }> {
  const started = new Date(opts.finishedAt.getTime() - 60_000);
  const folderStamp = stamp(started);
  const folder = `${servicePrefix(policy, service)}${folderStamp}/`;
  const payload = opts.payload ?? randomBytes(64);
  const key = `${folder}${payloadName(service)}`;
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const buckets = storageBuckets(service.storage!);
  await Promise.all(
    (opts.buckets ?? buckets.map((_, i) => i)).map(async (i) => {
      const { bucket, region } = buckets[i]!;
      const c = s3.client(region);
      if (!opts.noPayload) await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: payload }));
      if (opts.noManifest) return;
      const manifest = {
        service: service.name,
        kind: service.kind,
        policy: policy.name,
        timestamp: folderStamp,
        started_at: rfc3339(started),
        finished_at: rfc3339(opts.finishedAt),
        key,
        payload: payloadName(service),
        bytes: payload.length,
        sha256,
        encryption: service.encryption.clientSide?.method ?? 'none',
        region,
        bucket,
        policy_sha256: policy.sha256,
        drc_version: '0.1.0',
        ...opts.manifest,
      };
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: `${folder}${MANIFEST_NAME}`, Body: JSON.stringify(manifest, null, 2), ContentType: 'application/json' }));
    }),
  );
  return { stamp: folderStamp, key, folder };
}

/**
 * `count` backups of `service` an hour apart, the newest finished at `newest` (writeBackup for each,
 * `concurrency` at a time). Returned newest first.
 */
export async function writeHourlyBackups(
  s3: S3,
  policy: Policy,
  service: Service,
  count: number,
  newest: Date,
  opts: Omit<BackupOptions, 'finishedAt'> & { concurrency?: number } = {},
): Promise<{ stamp: string; key: string; folder: string }[]> {
  const { concurrency = 32, ...backup } = opts;
  const finished = Array.from({ length: count }, (_, i) => new Date(newest.getTime() - i * 3_600_000));
  return mapLimit(finished, concurrency, (finishedAt) => writeBackup(s3, policy, service, { ...backup, finishedAt }));
}

export async function writeRestoreTest(s3: S3, policy: Policy, service: Service, at: Date, record: Record<string, unknown> = { status: 'ok' }): Promise<string> {
  const key = `${restoreTestPrefix(policy, service)}${stamp(at)}.json`;
  await s3.client(service.storage!.region).send(new PutObjectCommand({ Bucket: service.storage!.bucket, Key: key, Body: JSON.stringify({ service: service.name, finished_at: rfc3339(at), ...record }) }));
  return key;
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `drc verify` in-process on `text` with moto credentials and `endpoint`. */
export async function verifyCli(text: string, opts: VerifyCliOptions & { env?: Record<string, string> } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>([['/work/drc.yaml', text]]);
  const io: Io = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readFile: (p) => {
      const t = files.get(p);
      if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return t;
    },
    writeFile: (p, t) => files.set(p, t),
    cwd: '/work',
    env: { ...awsEnv(), ...opts.env },
    isTTY: false,
    flush: async () => {},
  };
  const { env: _env, ...cli } = opts;
  const code = await runVerify(io, 'drc.yaml', { progress: false, ...cli });
  return { code, stdout, stderr };
}

export interface VerifyJson {
  diagnostics: { rule: string; severity: string; message: string; path: string; line: number; column: number; file: string }[];
  summary: { errors: number; warnings: number; infos: number };
  services: Record<string, { measured_rpo_seconds: number | null; newest_backup: { timestamp: string } | null; status: string; [k: string]: unknown }>;
}

export async function verifyJson(text: string, opts: VerifyCliOptions & { env?: Record<string, string> } = {}): Promise<Captured & { json: VerifyJson }> {
  const r = await verifyCli(text, { ...opts, format: ['json'] });
  let json: VerifyJson;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}
