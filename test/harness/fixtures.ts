// vitest fixtures: start a component in beforeAll, stop it in afterAll (which vitest runs even
// when a test or a later hook fails). Call these at the top of a describe() or test file.
//
//   const pg = usePostgres();            // pg() returns the running PostgresCluster
//   const s3 = useS3();                  // s3() returns { endpoint } (the shared globalSetup moto, or a private one)
//   test('x', async () => { await pg().psql('select 1'); });
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { startMoto, type MotoServer } from './moto.js';
import { startPostgres, type PostgresCluster, type StartPostgresOptions } from './postgres.js';
import { startTlsProxy, type TlsProxy } from './tls-proxy.js';
import { makeTempDir, type TempDir } from './tmp.js';
import type {} from './moto.globalSetup.js'; // the ProvidedContext['s3Endpoint'] augmentation

function holder<T>(what: string): { set(v: T): void; get(): T } {
  let value: T | undefined;
  return {
    set: (v) => (value = v),
    get: () => {
      if (value === undefined) throw new Error(`${what} is not running (used outside a test, or its beforeAll failed)`);
      return value;
    },
  };
}

/** A private moto_server for this file/describe. */
export function useMoto(): () => MotoServer {
  const h = holder<MotoServer>('moto');
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await startMoto();
    h.set(server);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return h.get;
}

/**
 * An S3 endpoint: the run-wide moto from moto.globalSetup.ts when the vitest config lists it
 * (inject('s3Endpoint')), otherwise a private moto_server started for this file.
 */
export function useS3(): () => { endpoint: string } {
  const h = holder<{ endpoint: string }>('S3 endpoint');
  let own: MotoServer | undefined;
  beforeAll(async () => {
    const shared = inject('s3Endpoint');
    if (shared) return h.set({ endpoint: shared });
    own = await startMoto();
    h.set({ endpoint: own.endpoint });
  });
  afterAll(async () => {
    await own?.stop();
  });
  return h.get;
}

export function usePostgres(opts?: StartPostgresOptions | (() => StartPostgresOptions)): () => PostgresCluster {
  const h = holder<PostgresCluster>('PostgreSQL');
  let pg: PostgresCluster | undefined;
  beforeAll(async () => {
    pg = await startPostgres(typeof opts === 'function' ? opts() : opts);
    h.set(pg);
  });
  afterAll(async () => {
    await pg?.stop();
  });
  return h.get;
}

export function useTlsProxy(targetPort: () => number): () => TlsProxy {
  const h = holder<TlsProxy>('TLS proxy');
  let proxy: TlsProxy | undefined;
  beforeAll(async () => {
    proxy = await startTlsProxy(targetPort());
    h.set(proxy);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  return h.get;
}

export function useTempDir(prefix = 'test', opts?: { mode?: number }): () => string {
  const h = holder<string>('temp dir');
  let dir: TempDir | undefined;
  beforeAll(() => {
    dir = makeTempDir(prefix, opts);
    h.set(dir.path);
  });
  afterAll(async () => {
    await dir?.cleanup();
  });
  return h.get;
}

/** A bucket name unique across test files sharing one moto (3–63 chars, lowercase). */
export function uniqueBucket(prefix = 'drc'): string {
  const p = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  return `${p}-${randomBytes(6).toString('hex')}`;
}
