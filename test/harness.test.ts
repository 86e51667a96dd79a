// Proves every harness helper works against the REAL tools (no mocks). A missing tool fails.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  awsEnv,
  chownToPostgres,
  isPortFree,
  makeTempDir,
  MissingToolError,
  PORT_MAX,
  PORT_MIN,
  requireTool,
  run,
  runAsPostgres,
  s3ClientConfig,
  startMoto,
  startPostgres,
  startTlsProxy,
  uniqueBucket,
  useS3,
  useTempDir,
  type MotoServer,
} from './harness/index.js';
import motoGlobalSetup from './harness/moto.globalSetup.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('tools', () => {
  test.each([
    ['shellcheck', ['--version'], /version: \d+\.\d+/],
    ['promtool', ['--version'], /promtool, version \d+/],
    ['cfn-lint', ['--version'], /cfn-lint \d+\./],
    ['age', ['--version'], /\d+\.\d+/],
    ['age-keygen', ['--version'], /\d+\.\d+/],
    ['pgbackrest', ['version'], /pgBackRest \d+\./], // pgBackRest 2.45 has no --version flag
    ['aws', ['--version'], /aws-cli\/\d+/],
    ['pg_dump', ['--version'], /pg_dump \(PostgreSQL\) \d+/],
    ['openssl', ['version'], /OpenSSL \d+/],
  ])('%s runs', async (name, args, expected) => {
    const bin = requireTool(name);
    expect(bin.startsWith('/')).toBe(true);
    const r = await run(bin, args, { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(expected);
  });

  test('requireTool names the package to install', () => {
    expect(() => requireTool('no-such-tool-xyz')).toThrow(MissingToolError);
    expect(() => requireTool('no-such-tool-xyz')).toThrow(/no-such-tool-xyz/);
    const hint = (() => {
      try {
        requireTool('promtool-missing');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(hint).toMatch(/Install it/);
  });

  test('run: stdin, env, cwd, exit code', async () => {
    const dir = makeTempDir('run');
    try {
      const r = await run('sh', ['-c', 'cat; printf "%s|%s" "$FOO" "$(pwd)"; echo err >&2; exit 3'], {
        input: 'in:',
        env: { FOO: 'bar' },
        cwd: dir.path,
      });
      expect(r).toMatchObject({ code: 3, stdout: `in:bar|${dir.path}`, stderr: 'err\n', timedOut: false });
    } finally {
      await dir.cleanup();
    }
    expect(existsSync(dir.path)).toBe(false);
  });

  test('run: timeout kills the whole process group', async () => {
    const t0 = Date.now();
    const r = await run('sh', ['-c', 'sleep 30 & sleep 30; wait'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBe(-1);
    expect(Date.now() - t0).toBeLessThan(5000);
    const ps = await run('ps', ['-eo', 'args']);
    expect(ps.stdout).not.toMatch(/^sleep 30$/m);
  });
});

describe('tmp', () => {
  const dir = useTempDir('fixture');
  test('useTempDir gives a writable dir under os.tmpdir', () => {
    writeFileSync(join(dir(), 'f'), 'x');
    expect(readFileSync(join(dir(), 'f'), 'utf8')).toBe('x');
  });
});

describe('moto_server', () => {
  let moto: MotoServer;
  const timings: Record<string, number> = {};
  beforeAll(async () => {
    const t0 = performance.now();
    moto = await startMoto();
    timings.start = performance.now() - t0;
  });
  afterAll(async () => {
    const t0 = performance.now();
    await moto?.stop();
    timings.stop = performance.now() - t0;
    console.log(`[harness timings] moto start ${timings.start?.toFixed(0)} ms, stop ${timings.stop.toFixed(0)} ms`);
  });

  test('listens on loopback below 32768', () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(moto.port).toBeGreaterThanOrEqual(PORT_MIN);
    expect(moto.port).toBeLessThan(PORT_MAX);
  });

  test('S3 round trip with @aws-sdk/client-s3', async () => {
    const s3 = new S3Client(s3ClientConfig(moto.endpoint));
    try {
      const Bucket = uniqueBucket('sdk');
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutObjectCommand({ Bucket, Key: 'a/b.txt', Body: 'hello drc' }));
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' }));
      expect(await got.Body!.transformToString()).toBe('hello drc');
    } finally {
      s3.destroy();
    }
  });

  test('S3 round trip with the aws CLI', async () => {
    const aws = requireTool('aws');
    const env = awsEnv();
    const dir = makeTempDir('awscli');
    try {
      const bucket = uniqueBucket('cli');
      const src = join(dir.path, 'blob.bin');
      writeFileSync(src, Buffer.from('cli round trip\n'));
      const e = ['--endpoint-url', moto.endpoint];
      for (const args of [
        ['s3', 'mb', `s3://${bucket}`],
        ['s3', 'cp', '--only-show-errors', src, `s3://${bucket}/x/blob.bin`],
        ['s3', 'cp', '--only-show-errors', `s3://${bucket}/x/blob.bin`, join(dir.path, 'back.bin')],
      ]) {
        const r = await run(aws, [...e, ...args], { env });
        expect(r.code, `${r.command}\n${r.stderr}`).toBe(0);
      }
      expect(readFileSync(join(dir.path, 'back.bin'), 'utf8')).toBe('cli round trip\n');
      const ls = await run(aws, [...e, 's3api', 'list-objects-v2', '--bucket', bucket, '--query', 'Contents[].Key', '--output', 'text'], { env });
      expect(ls.stdout.trim()).toBe('x/blob.bin');
    } finally {
      await dir.cleanup();
    }
  });

  test('reset empties the server', async () => {
    await moto.reset();
    const r = await run(requireTool('aws'), ['--endpoint-url', moto.endpoint, 's3api', 'list-buckets', '--query', 'length(Buckets)'], { env: awsEnv() });
    expect(r.stdout.trim()).toBe('0');
  });

  test('TLS proxy in front of moto (https, own CA) for pgBackRest', async () => {
    const proxy = await startTlsProxy(moto.port);
    try {
      expect(proxy.port).toBeLessThan(32768);
      const bucket = uniqueBucket('tls');
      const aws = requireTool('aws');
      const e = ['--endpoint-url', proxy.endpoint, '--ca-bundle', proxy.caFile];
      const mb = await run(aws, [...e, 's3', 'mb', `s3://${bucket}`], { env: awsEnv() });
      expect(mb.code, mb.stderr).toBe(0);
      const ls = await run(aws, ['--endpoint-url', moto.endpoint, 's3api', 'head-bucket', '--bucket', bucket], { env: awsEnv() });
      expect(ls.code, ls.stderr).toBe(0); // the bucket exists on the moto behind the proxy
    } finally {
      await proxy.stop();
    }
    expect(existsSync(proxy.caFile)).toBe(false);
    expect(await isPortFree(proxy.port)).toBe(true);
  });

  test('stop() leaves no process and frees the port', async () => {
    const m = await startMoto();
    await m.stop();
    await m.stop(); // idempotent
    expect(await isPortFree(m.port)).toBe(true);
  });
});

describe('useS3 fixture', () => {
  const s3 = useS3(); // the globalSetup's moto if vitest.config lists it, else a private one
  test('gives a working endpoint', async () => {
    const r = await fetch(`${s3().endpoint}/moto-api/`);
    expect(r.ok).toBe(true);
  });
});

describe('moto globalSetup module', () => {
  test('provides s3Endpoint, shares one server between setups, stops on the last teardown', async () => {
    const provided: Record<string, unknown> = {};
    const project = { provide: (k: string, v: unknown) => void (provided[k] = v) } as Parameters<typeof motoGlobalSetup>[0];
    const teardownA = await motoGlobalSetup(project);
    const first = provided.s3Endpoint as string;
    const teardownB = await motoGlobalSetup(project);
    expect(provided.s3Endpoint).toBe(first);
    const r = await fetch(`${first}/moto-api/`);
    expect(r.ok).toBe(true);
    await teardownA();
    expect((await fetch(`${first}/moto-api/`)).ok).toBe(true); // still used by B
    await teardownB();
    await expect(fetch(`${first}/moto-api/`)).rejects.toThrow();
  });
});

describe('PostgreSQL 15', () => {
  test('a throwaway cluster starts, answers select 1, stops and is removed', async () => {
    const t0 = performance.now();
    const pg = await startPostgres();
    const started = performance.now() - t0;
    let stopMs = 0;
    try {
      expect(pg.port).toBeGreaterThanOrEqual(PORT_MIN);
      expect(pg.port).toBeLessThan(PORT_MAX);
      expect(pg.env).toEqual({ PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'postgres' });
      expect(await pg.psql('select 1')).toBe('1');
      expect(await pg.psql('show wal_level')).toBe('replica');
      expect(await pg.psql('show fsync')).toBe('off');
      await pg.psql('create database app');
      await pg.psql('create table t(x int); insert into t values (41), (1);', 'app');
      expect(await pg.psql('select sum(x) from t', 'app')).toBe('42');
      await expect(pg.psql('select * from missing_table')).rejects.toThrow(/missing_table/);
      // plain clients work with pg.env
      const r = await run(requireTool('psql'), ['-XAtc', 'select current_user'], { env: pg.env });
      expect(r.stdout.trim()).toBe('postgres');
      // the unix socket works too
      const s = await run(requireTool('psql'), ['-XAt', '-h', pg.socketDir, '-p', String(pg.port), '-U', 'postgres', '-c', 'select 2']);
      expect(s.stdout.trim()).toBe('2');
    } finally {
      const t1 = performance.now();
      await pg.stop();
      stopMs = performance.now() - t1;
    }
    expect(existsSync(pg.baseDir)).toBe(false);
    expect(await isPortFree(pg.port)).toBe(true);
    console.log(`[harness timings] postgres initdb+start ${started.toFixed(0)} ms, stop+rm ${stopMs.toFixed(0)} ms`);
  });

  test('archive_mode with an archive_command (as used by pgBackRest)', async () => {
    const archive = makeTempDir('wal', { mode: 0o777 });
    const pg = await startPostgres({ archiveCommand: `cp %p ${archive.path}/%f` });
    try {
      expect(await pg.psql('show archive_mode')).toBe('on');
      await pg.psql('select pg_switch_wal(); create table t(x int);');
      await pg.psql('select pg_switch_wal()');
      const deadline = Date.now() + 15_000;
      let archived = '0';
      while (Date.now() < deadline && archived === '0') {
        archived = await pg.psql('select archived_count from pg_stat_archiver');
        if (archived === '0') await new Promise((r) => setTimeout(r, 100));
      }
      expect(Number(archived)).toBeGreaterThan(0);
      // pgbackrest runs as the cluster's OS user
      const v = await runAsPostgres('pgbackrest', ['version']);
      expect(v.stdout).toMatch(/pgBackRest/);
    } finally {
      await pg.stop();
      await archive.cleanup();
    }
  });

  test('pgBackRest stanza-create + check against moto through the TLS proxy (verify-tls on)', async () => {
    const moto = await startMoto();
    const proxy = await startTlsProxy(moto.port).catch(async (e) => {
      await moto.stop();
      throw e;
    });
    const work = makeTempDir('pgbr', { mode: 0o755 });
    let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
    try {
      const bucket = uniqueBucket('pgbr');
      const mb = await run(requireTool('aws'), ['--endpoint-url', moto.endpoint, 's3', 'mb', `s3://${bucket}`], { env: awsEnv() });
      expect(mb.code, mb.stderr).toBe(0);
      for (const d of ['log', 'lock', 'spool']) {
        mkdirSync(join(work.path, d));
        chownToPostgres(join(work.path, d));
      }
      const conf = join(work.path, 'pgbackrest.conf');
      const pgbackrest = requireTool('pgbackrest');
      pg = await startPostgres({ archiveCommand: `${pgbackrest} --config=${conf} --stanza=main archive-push %p` });
      writeFileSync(
        conf,
        [
          '[global]',
          'repo1-type=s3',
          'repo1-path=/pgbr',
          `repo1-s3-bucket=${bucket}`,
          'repo1-s3-endpoint=127.0.0.1',
          `repo1-storage-port=${proxy.port}`,
          `repo1-storage-ca-file=${proxy.caFile}`,
          'repo1-s3-region=us-east-1',
          'repo1-s3-key=test',
          'repo1-s3-key-secret=test',
          'repo1-s3-uri-style=path',
          `log-path=${work.path}/log`,
          `lock-path=${work.path}/lock`,
          `spool-path=${work.path}/spool`,
          'log-level-console=warn',
          'log-level-file=off',
          'io-timeout=10',
          '',
          '[main]',
          `pg1-path=${pg.dataDir}`,
          `pg1-port=${pg.port}`,
          `pg1-socket-path=${pg.socketDir}`,
          'pg1-user=postgres',
          '',
        ].join('\n'),
      );
      chmodSync(conf, 0o644);
      for (const cmd of ['stanza-create', 'check']) {
        const r = await pg.runAsOwner(pgbackrest, [`--config=${conf}`, '--stanza=main', cmd], { timeoutMs: 60_000 });
        expect(r.code, `${r.command}\n${r.stdout}${r.stderr}`).toBe(0);
      }
      const ls = await run(requireTool('aws'), ['--endpoint-url', moto.endpoint, 's3', 'ls', '--recursive', `s3://${bucket}/pgbr/`], { env: awsEnv() });
      expect(ls.stdout).toMatch(/archive\/main\/.*\.zst|archive\/main\/.*\.gz|archive\/main\//);
    } finally {
      await pg?.stop();
      await proxy.stop();
      await moto.stop();
      await work.cleanup();
    }
  });
});
