// End to end: `restore.sh --at TIME` (point-in-time recovery with pgBackRest 2.45, posix repository) for a
// postgresql service with `pitr: true`. The cluster archives WAL with pgbackrest; a full backup; rows before
// and after the target time; restore.sh recovers into a NEW data directory, a server started on it holds
// exactly the rows before the target, and the source keeps everything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PG_BIN_DIR, chownToPostgres, freePort, requireTool, runAsPostgres, runOk, startPostgres, type PostgresCluster, type TempDir,
} from '../harness/index.js';
import { ageIdentity, makeTempDir, scriptEnv, writeScripts } from './helpers.js';

describe('postgresql point-in-time recovery (restore.sh --at)', () => {
  let pg: PostgresCluster;
  let tmp: TempDir;
  let conf: string;
  let dir: string;
  let restored: string | undefined;

  beforeAll(async () => {
    const pgbackrest = requireTool('pgbackrest');
    tmp = makeTempDir('e2e-pitr', { mode: 0o755 });
    chownToPostgres(tmp.path);
    for (const d of ['repo', 'log', 'lock', 'spool']) {
      mkdirSync(join(tmp.path, d));
      chownToPostgres(join(tmp.path, d));
    }
    conf = join(tmp.path, 'pgbackrest.conf');
    pg = await startPostgres({ name: 'e2e-pitr', archiveCommand: `${pgbackrest} --config=${conf} --stanza=app-db archive-push %p` });
    writeFileSync(conf, [
      '[global]', `repo1-path=${tmp.path}/repo`, 'repo1-retention-full=2', `log-path=${tmp.path}/log`, `lock-path=${tmp.path}/lock`,
      `spool-path=${tmp.path}/spool`, 'log-level-console=warn', 'start-fast=y', 'compress-type=zst', 'io-timeout=10', '',
      '[app-db]', `pg1-path=${pg.dataDir}`, `pg1-port=${pg.port}`, `pg1-socket-path=${pg.socketDir}`, 'pg1-user=postgres', '',
    ].join('\n'));
    chownToPostgres(conf);
    const pb = async (...args: string[]) => {
      const r = await runAsPostgres(pgbackrest, [`--config=${conf}`, '--stanza=app-db', ...args], { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`pgbackrest ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    };
    await pb('stanza-create');
    await pg.psql('CREATE DATABASE app');
    await pg.psql("CREATE TABLE pitr(id int, phase text); INSERT INTO pitr SELECT g, 'before' FROM generate_series(1, 100) g", 'app');
    await pb('backup', '--type=full');
    const id = await ageIdentity(tmp);
    dir = join(tmp.path, 'out');
    writeScripts(`version: 1
name: e2e-pitr
regions: { primary: us-east-1 }
encryption: { at_rest: AES256, client_side: { method: age, recipients: [${id.recipient}] } }
storage:
  s: { type: s3, bucket: drc-pitr-use1, region: us-east-1 }
tiers:
  t: { rto: 4h, rpo: 24h, retention: 30d, restore_test: monthly, dr_drill: quarterly }
services:
  app-db:
    tier: t
    environment: test
    kind: postgresql
    postgresql: { host: 127.0.0.1, port: ${pg.port}, database: app, user: postgres, pitr: true }
    schedule: daily
    storage: s
`, dir);
    chownToPostgres(join(dir));
    for (const p of ['scripts', 'scripts/app-db', 'scripts/app-db/restore.sh', 'scripts/_lib', 'scripts/_lib/drc-postgresql.sh']) chownToPostgres(join(dir, p));
  }, 120_000);

  afterAll(async () => {
    if (restored) await runAsPostgres(join(PG_BIN_DIR, 'pg_ctl'), ['-D', restored, '-w', '-m', 'immediate', 'stop']).catch(() => undefined);
    await pg?.stop();
    await tmp?.cleanup();
  });

  it('recovers into a new data directory exactly up to the target time; the source is untouched', async () => {
    await pg.psql("INSERT INTO pitr SELECT g, 'after-backup' FROM generate_series(101, 200) g", 'app');
    await new Promise((r) => setTimeout(r, 1100));
    const target = await pg.psql("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00')");
    await new Promise((r) => setTimeout(r, 1100));
    await pg.psql("INSERT INTO pitr SELECT g, 'too-late' FROM generate_series(201, 300) g", 'app');
    await pg.psql('SELECT pg_switch_wal()');
    // Wait until the WAL holding the late commits is archived.
    for (let i = 0; i < 100; i++) {
      if ((await pg.psql('SELECT last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver')) === 't') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    restored = join(tmp.path, 'restored');
    const env = scriptEnv('http://127.0.0.1:9', { DRC_PGBACKREST_CONFIG: conf, DRC_PGBACKREST_STANZA: 'app-db', HOME: tmp.path });
    const r = await runAsPostgres('bash', [join(dir, 'scripts/app-db/restore.sh'), '--at', target, '--target-dir', restored, '--yes'], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('recovered data directory');
    const port = await freePort();
    mkdirSync(join(tmp.path, 'sock2'));
    chownToPostgres(join(tmp.path, 'sock2'));
    await runOk(...asPg(join(PG_BIN_DIR, 'pg_ctl'), ['-D', restored, '-l', join(tmp.path, 'restored.log'), '-w', '-t', '60', '-o', `-p ${port} -c unix_socket_directories=${tmp.path}/sock2 -c archive_mode=off`, 'start']), { timeoutMs: 90_000 });
    let phases = '';
    for (let i = 0; i < 100; i++) {
      const q = await runOk(requireTool('psql'), ['-XAtq', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'app', '-c', 'SELECT pg_is_in_recovery()']);
      if (q.stdout.trim() === 'f') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    phases = (await runOk(requireTool('psql'), ['-XAtq', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'app', '-c',
      "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase) FROM (SELECT phase, count(*) n FROM pitr GROUP BY phase) s"])).stdout.trim();
    expect(phases).toBe('after-backup=100 before=100');
    expect(await pg.psql('SELECT count(*) FROM pitr', 'app')).toBe('300');
    // A non-empty target directory is refused.
    const again = await runAsPostgres('bash', [join(dir, 'scripts/app-db/restore.sh'), '--at', target, '--target-dir', restored, '--yes'], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('is not empty');
  });
});

function asPg(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? [requireTool('runuser'), ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}
