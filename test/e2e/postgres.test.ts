// End to end: the generated postgresql scripts against a real PostgreSQL 15 cluster and moto (two buckets,
// two regions, each reached through its DRC_ENDPOINT_URL_<REGION> override). Backup, change the source,
// restore into NEW databases from each region, compare every row; restore-test, verify; then the faults.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, startPostgres, type MotoServer, type PostgresCluster, type TempDir } from '../harness/index.js';
import {
  ageIdentity, createBuckets, getObject, listKeys, makeTempDir, okScript, putObject, readMetrics, runScript, scriptEnv, series, writeScripts, type Env,
} from './helpers.js';
import { spawn } from 'node:child_process';

const SERVICE = 'app-db';
const PREFIX = 'e2e-policy/app-db/';
const EAST = 'drc-e2e-use1';
const WEST = 'drc-e2e-usw2';

function policy(recipient: string, port: number, textfileDir: string): string {
  return `version: 1
name: e2e-policy
owner: sre@example.com
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption:
  at_rest: aws:kms
  kms_key: alias/drc-e2e
  replica_kms_keys: { us-west-2: alias/drc-e2e-usw2 }
  client_side: { method: age, recipients: [${recipient}] }
storage:
  backups:
    type: s3
    bucket: ${EAST}
    region: us-east-1
    replicas: [{ bucket: ${WEST}, region: us-west-2 }]
tiers:
  tier2: { title: Important, rto: 4h, rpo: 24h, retention: 30d, restore_test: monthly, dr_drill: quarterly, min_regions: 2 }
services:
  ${SERVICE}:
    title: App database
    tier: tier2
    owner: team-data
    kind: postgresql
    postgresql: { host: 127.0.0.1, port: ${port}, database: app, user: postgres }
    schedule: hourly
    storage: backups
monitoring:
  metrics: textfile
  textfile_dir: ${textfileDir}
`;
}

const TABLES = ['public.orders', 'public.empty', '"we ird"."Tab""le"'];
/** md5 over every row of every table, in a fixed order. */
const CHECKSUM_SQL = `SELECT md5(string_agg(x, E'\\n' ORDER BY x)) FROM (${TABLES.map((t) => `SELECT ${`'${t.replace(/'/g, "''")}'`} || ':' || r::text AS x FROM ${t} r`).join(' UNION ALL ')}) s`;

describe('postgresql scripts end to end', () => {
  let moto: MotoServer;
  let pg: PostgresCluster;
  let tmp: TempDir;
  let dir: string;
  let env: Env;
  let metricsDir: string;
  let atBackup: string;
  let afterChange: string;
  let firstFolder: string;
  const t0 = Date.now();

  beforeAll(async () => {
    tmp = makeTempDir('e2e-pg', { mode: 0o755 });
    [moto, pg] = await Promise.all([startMoto(), startPostgres({ name: 'e2e-pg' })]);
    const id = await ageIdentity(tmp);
    metricsDir = join(tmp.path, 'metrics');
    dir = join(tmp.path, 'out');
    writeScripts(policy(id.recipient, pg.port, '/nonexistent/policy-textfile-dir'), dir);
    env = scriptEnv(moto.endpoint, { DRC_AGE_IDENTITY_FILE: id.file, DRC_TEXTFILE_DIR: metricsDir, TMPDIR: tmp.path, DRC_LOCK_DIR: tmp.path });
    await createBuckets(moto.endpoint, [[EAST, 'us-east-1'], [WEST, 'us-west-2']]);
    await pg.psql('CREATE DATABASE app');
    await pg.psql(`
      CREATE TABLE orders(id bigserial PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), note text);
      INSERT INTO orders(customer, amount, note) SELECT 'c' || (g % 1000), (g * 1.37)::numeric(12,2), CASE WHEN g % 7 = 0 THEN E'multi\\nline ''quoted'' $(x)' END FROM generate_series(1, 10000) g;
      CREATE TABLE empty(x int);
      CREATE SCHEMA "we ird";
      CREATE TABLE "we ird"."Tab""le"(k text PRIMARY KEY, v jsonb);
      INSERT INTO "we ird"."Tab""le" VALUES ('a', '{"x": 1}'), ('b', '[1, 2]');
    `, 'app');
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([moto?.stop(), pg?.stop()]);
    await tmp?.cleanup();
    console.log(`postgres e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('--print-config shows the resolved settings and touches nothing', async () => {
    const r = await okScript(dir, SERVICE, 'backup.sh', ['--print-config'], env);
    expect(r.stdout).toContain(`pgport=${pg.port}`);
    expect(r.stdout).toContain('pgdatabase=app');
    expect(r.stdout).toMatch(/bucket\[1\]=drc-e2e-usw2 region=us-west-2 sse=aws:kms kms_key=alias\/drc-e2e-usw2 endpoint=http/);
    expect(await listKeys(moto.endpoint, EAST)).toEqual([]);
  });

  it('backs up to both regions, and restores into NEW databases from each region with the data at backup time', async () => {
    atBackup = await pg.psql(CHECKSUM_SQL, 'app');
    const b = await okScript(dir, SERVICE, 'backup.sh', [], env);
    expect(b.stderr).toContain('backup complete');
    const east = await listKeys(moto.endpoint, EAST, PREFIX);
    const west = await listKeys(moto.endpoint, WEST, PREFIX);
    expect(east).toHaveLength(2);
    expect(west).toEqual(east);
    firstFolder = east[0]!.replace(/[^/]+$/, '');
    expect(firstFolder).toMatch(/^e2e-policy\/app-db\/\d{8}T\d{6}Z\/$/);
    expect(east).toEqual([`${firstFolder}dump.pgcustom.age`, `${firstFolder}manifest.json`]);

    // The manifest (§10.1): fields, counts from the snapshot, sha256 of the stored payload.
    await getObject(moto.endpoint, EAST, `${firstFolder}manifest.json`, join(tmp.path, 'm.json'));
    const manifest = JSON.parse(readFileSync(join(tmp.path, 'm.json'), 'utf8'));
    expect(manifest).toMatchObject({
      service: SERVICE, kind: 'postgresql', encryption: 'age', gfs: 'yearly', region: 'us-east-1', drc_version: '0.0.0-test',
      key: `${firstFolder}dump.pgcustom.age`, tables: { 'public.orders': 10000, 'public.empty': 0, 'we ird.Tab"le': 2 },
    });
    expect(manifest.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(manifest.finished_at >= manifest.started_at).toBe(true);
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.policy_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.bytes).toBeGreaterThan(1000);
    await getObject(moto.endpoint, EAST, `${firstFolder}dump.pgcustom.age`, join(tmp.path, 'p.age'));
    const payload = readFileSync(join(tmp.path, 'p.age'));
    expect(payload.length).toBe(manifest.bytes);
    expect(payload.subarray(0, 21).toString()).toBe('age-encryption.org/v1'); // encrypted, not a plaintext dump

    const m = readMetrics(join(metricsDir, 'drc_app_db_backup.prom'));
    for (const region of ['us-east-1', 'us-west-2']) {
      expect(m[series('drc_backup_last_status', SERVICE, 'tier2', region)]).toBe(1);
      expect(m[series('drc_backup_last_size_bytes', SERVICE, 'tier2', region)]).toBe(manifest.bytes);
      expect(m[series('drc_backup_last_success_timestamp_seconds', SERVICE, 'tier2', region)]).toBeGreaterThan(Date.now() / 1000 - 120);
      expect(m[series('drc_backup_last_duration_seconds', SERVICE, 'tier2', region)]).toBeGreaterThanOrEqual(0);
    }

    // The source moves on after the backup.
    await pg.psql("DELETE FROM orders WHERE id <= 100; INSERT INTO empty VALUES (1); UPDATE \"we ird\".\"Tab\"\"le\" SET v = 'null' WHERE k = 'a'", 'app');
    afterChange = await pg.psql(CHECKSUM_SQL, 'app');
    expect(afterChange).not.toBe(atBackup);

    await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app_east', '--yes'], env);
    await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--region', 'us-west-2', '--target-db', 'app_west', '--yes'], env);
    expect(await pg.psql(CHECKSUM_SQL, 'app_east')).toBe(atBackup);
    expect(await pg.psql(CHECKSUM_SQL, 'app_west')).toBe(atBackup);
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(afterChange);
  });

  it('verify.sh and restore-test.sh pass, record the result, and leave no scratch database', async () => {
    const v = await okScript(dir, SERVICE, 'verify.sh', [], env);
    expect(v.stderr).toContain('size, sha256 and decryption OK');
    await okScript(dir, SERVICE, 'verify.sh', ['--key', firstFolder, '--region', 'us-west-2'], env);
    const rt = await okScript(dir, SERVICE, 'restore-test.sh', [], env);
    expect(rt.stderr).toContain('restore test passed');
    expect(await pg.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'drc_restore_test%' OR datname LIKE '%drc_partial'")).toBe('0');
    const records = await listKeys(moto.endpoint, EAST, `${PREFIX}restore-tests/`);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatch(/restore-tests\/\d{8}T\d{6}Z\.json$/);
    await getObject(moto.endpoint, EAST, records[0]!, join(tmp.path, 'r.json'));
    expect(JSON.parse(readFileSync(join(tmp.path, 'r.json'), 'utf8'))).toMatchObject({
      service: SERVICE, backup_key: `${firstFolder}dump.pgcustom.age`, status: 'ok', tables_checked: 3,
    });
    const m = readMetrics(join(metricsDir, 'drc_app_db_restore_test.prom'));
    expect(m[series('drc_restore_test_last_success_timestamp_seconds', SERVICE, 'tier2', 'us-east-1')]).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(m[series('drc_restore_test_last_duration_seconds', SERVICE, 'tier2', 'us-east-1')]).toBeGreaterThanOrEqual(0);
  });

  it('refuses to overwrite: the source database, an existing database, and without a terminal or --yes', async () => {
    const src = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app', '--yes'], env);
    expect(src.code).not.toBe(0);
    expect(src.stderr).toContain('refusing to restore over the source database app');
    const existing = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app_east', '--yes'], env);
    expect(existing.code).not.toBe(0);
    expect(existing.stderr).toContain('database app_east already exists');
    const noTty = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app_x'], env);
    expect(noTty.code).not.toBe(0);
    expect(noTty.stderr).toContain('re-run with --yes');
    const pitr = await runScript(dir, SERVICE, 'restore.sh', ['--at', '2026-01-01 00:00:00+00', '--target-dir', join(tmp.path, 'pitr'), '--yes'], env);
    expect(pitr.code).not.toBe(0);
    expect(pitr.stderr).toContain('not supported for this service');
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(afterChange);
    expect(await pg.psql(CHECKSUM_SQL, 'app_east')).toBe(atBackup);
  });

  it('fault: S3 endpoint down during a backup → non-zero, status 0, last success kept, no new manifest', async () => {
    const before = readMetrics(join(metricsDir, 'drc_app_db_backup.prom'));
    const r = await runScript(dir, SERVICE, 'backup.sh', [], { ...env, DRC_ENDPOINT_URL_US_EAST_1: 'http://127.0.0.1:9' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot list s3:\/\/drc-e2e-use1\/e2e-policy\/app-db\/ .*is the endpoint reachable/);
    const m = readMetrics(join(metricsDir, 'drc_app_db_backup.prom'));
    const last = series('drc_backup_last_success_timestamp_seconds', SERVICE, 'tier2', 'us-east-1');
    expect(m[series('drc_backup_last_status', SERVICE, 'tier2', 'us-east-1')]).toBe(0);
    expect(m[last]).toBe(before[last]);
    // The replica endpoint down mid-backup: the primary payload was uploaded, then removed; no manifest anywhere.
    const r2 = await runScript(dir, SERVICE, 'backup.sh', [], { ...env, DRC_ENDPOINT_URL_US_WEST_2: 'http://127.0.0.1:9' });
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain('copying to s3://drc-e2e-usw2 (us-west-2) failed');
    expect((await listKeys(moto.endpoint, EAST, PREFIX)).filter((k) => k.endsWith('manifest.json'))).toHaveLength(1);
    expect((await listKeys(moto.endpoint, WEST, PREFIX)).filter((k) => k.endsWith('manifest.json'))).toHaveLength(1);
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(afterChange);
  });

  it('fault: a corrupted or truncated payload is refused by verify and restore (checked before decrypting)', async () => {
    const key = `${firstFolder}dump.pgcustom.age`;
    const good = join(tmp.path, 'good.age');
    await getObject(moto.endpoint, WEST, key, good);
    const bytes = readFileSync(good);
    const corrupt = Buffer.from(bytes);
    corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
    writeFileSync(join(tmp.path, 'corrupt.age'), corrupt);
    await putObject(moto.endpoint, WEST, key, join(tmp.path, 'corrupt.age'));
    for (const [script, args] of [['verify.sh', ['--region', 'us-west-2']], ['restore.sh', ['--latest', '--region', 'us-west-2', '--target-db', 'app_bad', '--yes']]] as const) {
      const r = await runScript(dir, SERVICE, script, [...args], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('sha256 mismatch');
    }
    writeFileSync(join(tmp.path, 'short.age'), bytes.subarray(0, bytes.length - 100));
    await putObject(moto.endpoint, WEST, key, join(tmp.path, 'short.age'));
    for (const [script, args] of [['verify.sh', ['--region', 'us-west-2']], ['restore.sh', ['--latest', '--region', 'us-west-2', '--target-db', 'app_bad', '--yes']]] as const) {
      const r = await runScript(dir, SERVICE, script, [...args], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('size mismatch');
    }
    expect(await pg.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'app_bad%'")).toBe('0');
    await putObject(moto.endpoint, WEST, key, good);
    await okScript(dir, SERVICE, 'verify.sh', ['--region', 'us-west-2'], env);
  });

  it('fault: a wrong or missing age identity fails clearly; restore-test records the failure', async () => {
    const wrong = await ageIdentity(tmp, 'wrong');
    const r = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app_wrong', '--yes'], { ...env, DRC_AGE_IDENTITY_FILE: wrong.file });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('does not decrypt');
    const missing = await runScript(dir, SERVICE, 'verify.sh', [], { ...env, DRC_AGE_IDENTITY_FILE: undefined });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('DRC_AGE_IDENTITY_FILE is not set');
    const rt = await runScript(dir, SERVICE, 'restore-test.sh', [], { ...env, DRC_AGE_IDENTITY_FILE: wrong.file });
    expect(rt.code).not.toBe(0);
    const m = readMetrics(join(metricsDir, 'drc_app_db_restore_test.prom'));
    expect(m[series('drc_restore_test_last_status', SERVICE, 'tier2', 'us-east-1')]).toBe(0);
    expect(m[series('drc_restore_test_last_success_timestamp_seconds', SERVICE, 'tier2', 'us-east-1')]).toBeGreaterThan(0);
    expect(await pg.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'app_wrong%' OR datname LIKE 'drc_restore_test%'")).toBe('0');
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(afterChange);
  });

  it('fault: a restore killed with SIGKILL mid-way can simply be re-run', async () => {
    const child = spawn('bash', [join(dir, 'scripts', SERVICE, 'restore.sh'), '--latest', '--target-db', 'app_killed', '--yes'], {
      env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined)) as Record<string, string>,
      detached: true, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let killed = false;
    for (let i = 0; i < 600 && !killed; i++) {
      if ((await pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'app_killed_drc_partial'")) === '1') {
        process.kill(-child.pid!, 'SIGKILL');
        killed = true;
      } else await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    expect(killed).toBe(true);
    expect(await pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'app_killed'")).toBe('0');
    const again = await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app_killed', '--yes'], env);
    expect(again.stderr).toContain('left behind by an interrupted restore');
    expect(await pg.psql(CHECKSUM_SQL, 'app_killed')).toBe(atBackup);
    expect(await pg.psql("SELECT count(*) FROM pg_database WHERE datname LIKE '%drc_partial'")).toBe('0');
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(afterChange);
  });

  it('a second backup is tagged by the GFS rule and --key restores an older backup', async () => {
    await okScript(dir, SERVICE, 'backup.sh', [], env);
    const manifests = (await listKeys(moto.endpoint, WEST, PREFIX)).filter((k) => /\d{8}T\d{6}Z\/manifest\.json$/.test(k)).sort();
    expect(manifests).toHaveLength(2);
    await getObject(moto.endpoint, WEST, manifests[1]!, join(tmp.path, 'm2.json'));
    const m2 = JSON.parse(readFileSync(join(tmp.path, 'm2.json'), 'utf8'));
    const a = manifests[0]!.match(/(\d{8})T(\d\d)/)!;
    const b = manifests[1]!.match(/(\d{8})T(\d\d)/)!;
    expect(m2.gfs).toEqual(a[1] !== b[1] ? expect.stringMatching(/daily|weekly|monthly|yearly/) : 'hourly');
    expect(m2.tables['public.orders']).toBe(9900);
    await okScript(dir, SERVICE, 'restore.sh', ['--key', `${firstFolder}manifest.json`, '--target-db', 'app_old', '--yes'], env);
    expect(await pg.psql(CHECKSUM_SQL, 'app_old')).toBe(atBackup);
    await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-db', 'app_new', '--yes'], env);
    expect(await pg.psql(CHECKSUM_SQL, 'app_new')).toBe(afterChange);
  });
});
