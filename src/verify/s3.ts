/**
 * The S3 reads `drc verify` needs, behind a small interface so the checks are testable and the AWS
 * SDK is loaded only by verify (dynamic import). Every request goes through one concurrency
 * limiter; the SDK retries throttling and network errors with backoff (maxAttempts).
 */
import { createHash } from 'node:crypto';
import { regionEndpointVariable } from '../emitters/layout.js';
import { limiter, type Limit } from './limit.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

export type S3ErrorKind = 'no-bucket' | 'denied' | 'unreachable' | 'other';

/** A request that failed for a reason other than "this configuration/object does not exist". */
export class S3ReadError extends Error {
  constructor(
    readonly kind: S3ErrorKind,
    readonly code: string,
    message: string,
    /** The message without what was being read. */
    readonly reason: string = message,
  ) {
    super(message);
  }
}

export interface ListedObject {
  key: string;
  size: number;
}

/** Read access to one bucket. Configuration getters return null when the bucket has none. */
export interface BucketReader {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: string | null;
  versioning(): Promise<Loose>;
  encryption(): Promise<Loose | null>;
  objectLock(): Promise<Loose | null>;
  replication(): Promise<Loose | null>;
  lifecycle(): Promise<Loose | null>;
  /** Names of the "folders" directly under `prefix` (ListObjectsV2 with Delimiter '/', every page). */
  listFolders(prefix: string): Promise<string[]>;
  /** Every object under `prefix` (every page). */
  listObjects(prefix: string): Promise<ListedObject[]>;
  /** The object's text, or null when it does not exist. */
  getText(key: string): Promise<string | null>;
  /** Whether the object exists (HeadObject). */
  exists(key: string): Promise<boolean>;
  /** Streams the object through sha256; null when it does not exist. */
  digest(key: string): Promise<{ sha256: string; bytes: number } | null>;
}

export interface S3Access {
  reader(bucket: string, region: string): BucketReader;
  /** Requests that succeeded (including "not found"), and ones that failed (denied, missing bucket, unreachable…). */
  readonly stats: { answered: number; failed: number };
  close(): void;
}

export interface S3AccessOptions {
  /** --endpoint; DRC_ENDPOINT_URL_<REGION> in `env` overrides it per region. */
  endpoint?: string;
  env: Record<string, string | undefined>;
  profile?: string;
  concurrency?: number;
  maxAttempts?: number;
  /** Per-request timeouts in ms. */
  connectionTimeout?: number;
  requestTimeout?: number;
}

/** Endpoint for a region: DRC_ENDPOINT_URL_<REGION>, else --endpoint, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS's own. */
export function endpointFor(region: string, opts: Pick<S3AccessOptions, 'endpoint' | 'env'>): string | null {
  return opts.env[regionEndpointVariable(region)] || opts.endpoint || opts.env.AWS_ENDPOINT_URL_S3 || opts.env.AWS_ENDPOINT_URL || null;
}

const NOT_FOUND_CONFIG = new Set([
  'ServerSideEncryptionConfigurationNotFoundError',
  'ObjectLockConfigurationNotFoundError',
  'ReplicationConfigurationNotFoundError',
  'NoSuchLifecycleConfiguration',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Classifies an SDK error. */
export function classify(error: unknown, what: string, endpoint: string | null): S3ReadError {
  const e = error as Loose;
  const code: string = e?.Code ?? e?.name ?? e?.code ?? 'Error';
  const status: number | undefined = e?.$metadata?.httpStatusCode;
  const errno: string | undefined = e?.code ?? e?.cause?.code ?? e?.errno;
  const where = endpoint ? ` at ${endpoint}` : '';
  const make = (kind: S3ErrorKind, c: string, reason: string) => new S3ReadError(kind, c, `${what}: ${reason}`, reason);
  if (code === 'NoSuchBucket') return make('no-bucket', code, 'the bucket does not exist (NoSuchBucket)');
  if (code === 'AccessDenied' || code === 'Forbidden' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'ExpiredToken' || status === 403) {
    return make('denied', code, `access denied (${code})`);
  }
  if ((errno && NETWORK_CODES.has(errno)) || code === 'TimeoutError' || code === 'CredentialsProviderError' || (status === undefined && !NOT_FOUND_CONFIG.has(code) && /ECONN|ENOTFOUND|socket|timeout|connect/i.test(String(e?.message)))) {
    const reason = code === 'CredentialsProviderError' ? 'no AWS credentials found' : `the S3 endpoint${where} is unreachable (${errno ?? code})`;
    return make(code === 'CredentialsProviderError' ? 'denied' : 'unreachable', errno ?? code, reason);
  }
  const message = String(e?.message ?? e).split('\n')[0];
  return make('other', code, `${code}${message && message !== code ? `: ${message}` : ''}${status ? ` (HTTP ${status})` : ''}`);
}

function isNotFound(error: unknown): boolean {
  const e = error as Loose;
  const code: string = e?.Code ?? e?.name ?? '';
  return NOT_FOUND_CONFIG.has(code) || code === 'NoSuchKey' || code === 'NotFound' || (e?.$metadata?.httpStatusCode === 404 && code !== 'NoSuchBucket');
}

export async function createS3Access(opts: S3AccessOptions): Promise<S3Access> {
  // The SDK warns on Node 20 through process.emitWarning; verify output must stay clean.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const limit: Limit = limiter(opts.concurrency ?? 16);
  const stats = { answered: 0, failed: 0 };
  const clients = new Map<string, InstanceType<typeof sdk.S3Client>>();
  const env = opts.env;
  const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
    : undefined;
  const profile = opts.profile ?? (credentials ? undefined : env.AWS_PROFILE);

  const clientFor = (region: string) => {
    const endpoint = endpointFor(region, opts);
    const id = `${region} ${endpoint ?? ''}`;
    let client = clients.get(id);
    if (!client) {
      client = new sdk.S3Client({
        region,
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        ...(credentials ? { credentials } : {}),
        ...(profile ? { profile } : {}),
        maxAttempts: opts.maxAttempts ?? 4,
        requestHandler: { connectionTimeout: opts.connectionTimeout ?? 5_000, requestTimeout: opts.requestTimeout ?? 60_000 },
      });
      clients.set(id, client);
    }
    return { client, endpoint };
  };

  const reader = (bucket: string, region: string): BucketReader => {
    const { client, endpoint } = clientFor(region);
    const label = (what: string) => `${what} of s3://${bucket} (${region})`;
    /** Runs one request under the limiter; null on "not found" when allowed, S3ReadError otherwise. */
    const run = <T>(what: string, fn: () => Promise<T>, allowNotFound: boolean): Promise<T | null> =>
      limit(async () => {
        try {
          const out = await fn();
          stats.answered++;
          return out;
        } catch (error) {
          if (allowNotFound && isNotFound(error)) {
            stats.answered++;
            return null;
          }
          stats.failed++;
          throw classify(error, label(what), endpoint);
        }
      });
    const send = <T>(what: string, make: () => Loose, allowNotFound: boolean): Promise<T | null> =>
      run(what, async () => (await client.send(make())) as T, allowNotFound);
    /** Every page of a ListObjectsV2 under `prefix` (with `delimiter`: the "folders" view). */
    async function* pages(prefix: string, delimiter?: string): AsyncGenerator<Loose> {
      let token: string | undefined;
      do {
        const page = await send<Loose>(`listing of ${prefix}`, () => new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: 1000 }), false);
        if (page) yield page;
        token = page?.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }

    return {
      bucket,
      region,
      endpoint,
      versioning: async () => (await send<Loose>('versioning', () => new sdk.GetBucketVersioningCommand({ Bucket: bucket }), false)) ?? {},
      encryption: async () => (await send<Loose>('default encryption', () => new sdk.GetBucketEncryptionCommand({ Bucket: bucket }), true))?.ServerSideEncryptionConfiguration ?? null,
      objectLock: async () => (await send<Loose>('object lock configuration', () => new sdk.GetObjectLockConfigurationCommand({ Bucket: bucket }), true))?.ObjectLockConfiguration ?? null,
      replication: async () => (await send<Loose>('replication configuration', () => new sdk.GetBucketReplicationCommand({ Bucket: bucket }), true))?.ReplicationConfiguration ?? null,
      lifecycle: async () => {
        const out = await send<Loose>('lifecycle configuration', () => new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), true);
        return out ? { Rules: out.Rules ?? [] } : null;
      },
      async listFolders(prefix) {
        const folders: string[] = [];
        for await (const page of pages(prefix, '/')) for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
        return folders;
      },
      async listObjects(prefix) {
        const objects: ListedObject[] = [];
        for await (const page of pages(prefix)) for (const o of page.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: Number(o.Size ?? 0) });
        return objects;
      },
      async getText(key) {
        return run(`object ${key}`, async () => {
          const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
          return await out.Body!.transformToString('utf8');
        }, true);
      },
      async exists(key) {
        return (await send<Loose>(`object ${key}`, () => new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), true)) !== null;
      },
      async digest(key) {
        return run(`object ${key}`, async () => {
          const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
          const hash = createHash('sha256');
          let bytes = 0;
          for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
            hash.update(chunk);
            bytes += chunk.length;
          }
          return { sha256: hash.digest('hex'), bytes };
        }, true);
      },
    };
  };

  return {
    reader,
    stats,
    close() {
      for (const c of clients.values()) c.destroy();
    },
  };
}
