// `drc drill` end to end: the CLI (main(argv, io)) against a real PostgreSQL 15 cluster and moto_server with
// two buckets in two regions (each reached only through its DRC_ENDPOINT_URL_<REGION> override, as in
// test/e2e/postgres.test.ts): a postgresql drill passes and leaves the source unchanged and no scratch
// database behind; an RTO that cannot be met exits 1; a files drill; usage errors exit 2.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { scratchDatabaseName, restoredFolder, backedUpFolder } from '../../src/drill/index.js';
import { startMoto, startPostgres, type MotoServer, type PostgresCluster, type TempDir } from '../harness/index.js';
import { ageIdentity, createBuckets, listKeys, makeTempDir, scriptEnv, type Env } from '../e2e/helpers.js';

const EAST = 'drc-drill-use1';
const WEST = 'drc-drill-usw2';

function policy(recipient: string, port: number, filesDir: string, textfileDir: string): string {
  return `version: 1
name: drill-policy
owner: sre@example.com
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption:
  at_rest: aws:kms
  kms_key: alias/drc-drill
  replica_kms_keys: { us-west-2: alias/drc-drill-usw2 }
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
  app-db:
    title: App database
    tier: tier2
    owner: team-data
    kind: postgresql
    postgresql: { host: 127.0.0.1, port: ${port}, database: app, user: postgres }
    schedule: hourly
    storage: backups
  app-db-strict:
    title: App database, with an RTO no restore can meet
    tier: tier2
    rto: 1s
    owner: team-data
    kind: postgresql
    postgresql: { host: 127.0.0.1, port: ${port}, database: app, user: postgres }
    schedule: hourly
    storage: backups
  app-config:
    title: App configuration files
    tier: tier2
    owner: team-sre
    kind: files
    paths: [${filesDir}]
    schedule: hourly
    storage: backups
monitoring:
  metrics: textfile
  textfile_dir: ${textfileDir}
`;
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function memoryIo(cwd: string, env: Env): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) clean[k] = v;
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => writeFileSync(p, t),
    cwd,
    env: clean,
    isTTY: false,
    flush: async () => {},
  };
}

async function drc(cwd: string, env: Env, argv: string[]): Promise<Captured> {
  const io = memoryIo(cwd, env);
  const code = await main(argv, io);
  return { code, stdout: io.out.join(''), stderr: io.err.join('') };
}

const CHECKSUM_SQL = `SELECT md5(string_agg(r::text, E'\\n' ORDER BY r.id)) FROM orders r`;
const LEFTOVERS_SQL = "SELECT count(*) FROM pg_database WHERE datname LIKE 'drc_drill%' OR datname LIKE '%drc_partial'";

describe('drc drill end to end', { timeout: 120_000 }, () => {
  let moto: MotoServer;
  let pg: PostgresCluster;
  let tmp: TempDir;
  let env: Env;
  let work: string;
  let source: string;

  const drillDirs = () => readdirSync(work).filter((n) => n.startsWith('drc-drill-'));

  beforeAll(async () => {
    tmp = makeTempDir('drill', { mode: 0o755 });
    [moto, pg] = await Promise.all([startMoto(), startPostgres({ name: 'drill-pg' })]);
    const id = await ageIdentity(tmp);
    work = join(tmp.path, 'work');
    mkdirSync(work);
    const filesDir = join(tmp.path, 'config');
    mkdirSync(join(filesDir, 'sub'), { recursive: true });
    writeFileSync(join(filesDir, 'app.conf'), 'listen = 8080\n');
    writeFileSync(join(filesDir, 'sub', 'secret.txt'), 'not really\n');
    writeFileSync(join(tmp.path, 'drc.yaml'), policy(id.recipient, pg.port, filesDir, join(tmp.path, 'policy-metrics')));
    env = scriptEnv(moto.endpoint, { DRC_AGE_IDENTITY_FILE: id.file, DRC_TEXTFILE_DIR: join(tmp.path, 'metrics'), TMPDIR: work, DRC_LOCK_DIR: tmp.path });
    await createBuckets(moto.endpoint, [[EAST, 'us-east-1'], [WEST, 'us-west-2']]);
    await pg.psql('CREATE DATABASE app');
    await pg.psql(`
      CREATE TABLE orders(id bigserial PRIMARY KEY, customer text NOT NULL, amount numeric(12,2));
      INSERT INTO orders(customer, amount) SELECT 'c' || (g % 100), (g * 1.37)::numeric(12,2) FROM generate_series(1, 5000) g;
      CREATE TABLE empty(x int);
    `, 'app');
    source = await pg.psql(CHECKSUM_SQL, 'app');
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([moto?.stop(), pg?.stop()]);
    await tmp?.cleanup();
  });

  it('drills a postgresql service: markdown report with the numbers, objectives met, source unchanged, no scratch database left', async () => {
    const r = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-db']);
    expect(r.stderr).toContain('drc drill: [1/4] scripts/app-db/backup.sh');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('# DR drill: app-db (postgresql)');
    expect(r.stdout).toContain('**PASS');
    expect(r.stdout).toMatch(/\| recovery time \(restore \+ validation\) \| \d+\.\d s \| RTO 4h \| met \|/);
    expect(r.stdout).toMatch(/\| recovery point \(age of the restored backup when the restore began\) \| \d+\.\d s \| RPO 1d \| met \|/);
    expect(r.stdout).toMatch(/\| backup size \(stored, encrypted\) \| [\d.]+ kB \(\d+ bytes\) \|/);
    expect(r.stdout).toMatch(/Backup restored: `drill-policy\/app-db\/\d{8}T\d{6}Z\/dump\.pgcustom\.age`/);
    expect(r.stdout).toMatch(/Scratch target: database `drc_drill_app_db_\d{14}`, removed/);
    // The drill's backup is a real backup, in both regions.
    const east = (await listKeys(moto.endpoint, EAST, 'drill-policy/app-db/')).filter((k) => k.endsWith('manifest.json'));
    expect(east).toHaveLength(1);
    expect(await listKeys(moto.endpoint, WEST, 'drill-policy/app-db/')).toHaveLength(2);
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(source);
    expect(await pg.psql(LEFTOVERS_SQL)).toBe('0');
    expect(drillDirs()).toEqual([]);
  });

  it('--format json parses, with rto_met and rpo_met true and every step ok', async () => {
    const r = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-db', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ service: 'app-db', kind: 'postgresql', rto_seconds: 14400, rpo_seconds: 86400, rto_met: true, rpo_met: true, passed: true, failed_step: null });
    expect(j.backup.bytes).toBeGreaterThan(1000);
    expect(j.backup.key).toMatch(/^drill-policy\/app-db\/\d{8}T\d{6}Z\/dump\.pgcustom\.age$/);
    expect(j.backup.seconds).toBeGreaterThan(0);
    expect(j.restore.seconds).toBeGreaterThan(0);
    expect(j.recovery_time_seconds).toBeCloseTo(j.restore.seconds + j.validate.seconds, 1);
    // The recovery point: restore start − the restored backup's started_at, so at least the backup's own run time (±1 s of stamp resolution).
    expect(j.recovery_point_seconds).toBeGreaterThanOrEqual(Math.max(0, j.backup.seconds - 1));
    expect(j.recovery_point_seconds).toBeLessThan(j.backup.seconds + 30);
    expect(j.steps.map((s: { name: string; ok: boolean }) => [s.name, s.ok])).toEqual([['backup.sh', true], ['restore.sh', true], ['verify.sh', true], ['cleanup', true]]);
    expect(j.steps[3].command).toMatch(/^dropdb --if-exists --no-password --maintenance-db=app drc_drill_app_db_\d{14}$/);
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(source);
    expect(await pg.psql(LEFTOVERS_SQL)).toBe('0');
  });

  it('an RTO that cannot be met (1s) exits 1 with rto_met false', async () => {
    const r = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-db-strict', '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ rto_seconds: 1, rto_met: false, rpo_met: true, passed: false, failed_step: null });
    expect(j.recovery_time_seconds).toBeGreaterThan(1);
    expect(r.stderr).toMatch(/recovery time [\d.]+ s exceeds the RTO of 1 s/);
    const md = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-db-strict']);
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('**FAIL: an objective was missed.**');
    expect(md.stdout).toMatch(/\| RTO 1s \| \*\*MISSED\*\* \|/);
    expect(await pg.psql(LEFTOVERS_SQL)).toBe('0');
    expect(await pg.psql(CHECKSUM_SQL, 'app')).toBe(source);
  }, 180_000);

  it('a failing step exits 1 with its stderr tail, and still removes the scratch target', async () => {
    // No age identity: restore.sh refuses before downloading anything.
    const r = await drc(tmp.path, { ...env, DRC_AGE_IDENTITY_FILE: join(tmp.path, 'missing.key') }, ['drill', 'drc.yaml', '--service', 'app-db', '--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ failed_step: 'restore.sh', rto_met: false, rpo_met: false, passed: false, recovery_time_seconds: null });
    expect(j.steps.map((s: { name: string }) => s.name)).toEqual(['backup.sh', 'restore.sh', 'cleanup']);
    expect(r.stderr).toMatch(/step restore\.sh failed:\n[\s\S]*missing\.key/);
    expect(await pg.psql(LEFTOVERS_SQL)).toBe('0');
  });

  it('drills a files service into a scratch directory; --keep keeps the scripts (0700) and logs', async () => {
    const r = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-config', '--keep', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ service: 'app-config', kind: 'files', rto_met: true, rpo_met: true });
    expect(j.backup.key).toMatch(/^drill-policy\/app-config\/\d{8}T\d{6}Z\/archive\.tar\.gz\.age$/);
    expect(j.restore.target).toMatch(/drc-drill-target-[^/]+\/restore$/);
    expect(existsSync(j.restore.target)).toBe(false);
    expect(j.steps[3]).toMatchObject({ name: 'cleanup', ok: true });
    expect(j.kept_dir).toBeTruthy();
    expect(statSync(j.kept_dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(j.kept_dir, 'scripts', 'app-config', 'restore.sh')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(j.kept_dir, 'logs')).sort()).toEqual(['1-backup.sh.log', '2-restore.sh.log', '3-verify.sh.log', '4-cleanup.log']);
    expect(drillDirs()).toEqual([j.kept_dir.split('/').pop()]);
    expect(readFileSync(join(tmp.path, 'config', 'app.conf'), 'utf8')).toBe('listen = 8080\n');
  });

  it('usage errors exit 2: an unknown service (with a suggestion), a bad --format, a policy with errors', async () => {
    const unknown = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-bd']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no service "app-bd" in drc.yaml (did you mean "app-db"?)');
    const fmt = await drc(tmp.path, env, ['drill', 'drc.yaml', '--service', 'app-db', '--format', 'sarif']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain('--format takes markdown or json');
    writeFileSync(join(tmp.path, 'broken.yaml'), 'version: 1\nname: x\nservices: { a: { kind: postgresql, tier: nope } }\n');
    const broken = await drc(tmp.path, env, ['drill', 'broken.yaml', '--service', 'a']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('has errors (drc lint); no drill was run');
  });
});

describe('drc drill: services without scripts', () => {
  it('a kubernetes service exits 2 and says why', async () => {
    const tmp = makeTempDir('drill-k8s');
    try {
      const text = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'acme', 'drc.yaml'), 'utf8');
      writeFileSync(join(tmp.path, 'drc.yaml'), text);
      const k8s = /^ {2}([a-z0-9-]+):\n(?: {4}.*\n)*? {4}kind: kubernetes/m.exec(text)?.[1];
      expect(k8s).toBeTruthy();
      const r = await drc(tmp.path, {}, ['drill', '--service', k8s!]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`service "${k8s}" is of kind kubernetes: drc generates no backup/restore scripts for it (Velero`);
    } finally {
      await tmp.cleanup();
    }
  });

  it('names scratch databases within the 48-character limit and parses the scripts\' log lines', () => {
    const at = new Date('2026-11-24T01:27:28.123Z');
    expect(scratchDatabaseName('app-db', at)).toBe('drc_drill_app_db_20261124012728');
    const long = scratchDatabaseName('a-very-long-service-name-that-goes-on-and-on', at);
    expect(long.length).toBeLessThanOrEqual(48);
    expect(long).toMatch(/^drc_drill_a_very_long_service_name_\d{14}$|^drc_drill_[a-z_]+_20261124012728$/);
    expect(restoredFolder('2026-11-24T01:27:40Z restore.sh[app-db]: restore complete: p/app-db/20261124T012728Z/ from us-east-1 into x, checked against the manifest'))
      .toBe('p/app-db/20261124T012728Z/');
    expect(backedUpFolder('… backup.sh[app-db]: backup complete: s3://b/p/app-db/20261124T012728Z/ (69200 bytes, sha256 abc)')).toBe('p/app-db/20261124T012728Z/');
  });
});
