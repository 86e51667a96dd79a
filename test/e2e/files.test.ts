// End to end: the generated files scripts (openssl client-side encryption) against moto with two buckets in
// two regions. A tree with spaces, newlines, quotes and `$(...)` in names; backup, change, restore from each
// region into NEW directories, compare; verify, restore-test; faults (endpoint down, corrupted payload,
// wrong passphrase, disk full on the restore target, non-empty target).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, startMoto, type MotoServer, type TempDir } from '../harness/index.js';
import { aws, createBuckets, getObject, listKeys, makeTempDir, okScript, putObject, readMetrics, runScript, scriptEnv, series, writeScripts, type Env } from './helpers.js';

const SERVICE = 'app-files';
const PREFIX = 'e2e-files/app-files/';
const EAST = 'drc-files-use1';
const WEST = 'drc-files-usw2';
const PASS_ENV = 'DRC_E2E_PASSPHRASE';

function policy(src: string, textfileDir: string): string {
  return `version: 1
name: e2e-files
owner: sre@example.com
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption:
  at_rest: AES256
  client_side: { method: openssl, passphrase_env: ${PASS_ENV} }
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
    title: App files
    tier: tier2
    kind: files
    paths: ["${src}"]
    exclude: ["*.tmp"]
    schedule: every 6h
    storage: backups
monitoring:
  metrics: textfile
  textfile_dir: ${textfileDir}
`;
}

/** Every entry under root: relative path → type, mode, and content hash or link target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(p, r);
      } else out[r] = `file ${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root, '');
  return out;
}

describe('files scripts end to end', () => {
  let moto: MotoServer;
  let tmp: TempDir;
  let dir: string;
  let src: string;
  let env: Env;
  let metricsDir: string;
  let atBackup: Record<string, string>;
  let afterChange: Record<string, string>;
  const t0 = Date.now();

  beforeAll(async () => {
    tmp = makeTempDir('e2e-files');
    moto = await startMoto();
    src = join(tmp.path, 'source data');
    mkdirSync(join(src, 'sub dir/deeper'), { recursive: true });
    mkdirSync(join(src, 'empty dir'));
    writeFileSync(join(src, 'sub dir/a b.txt'), 'hello\n');
    writeFileSync(join(src, 'new\nline'), 'newline in the name');
    writeFileSync(join(src, `quote ' " $(touch pwned) \`x\`;.txt`), 'metacharacters in the name');
    writeFileSync(join(src, 'sub dir/deeper/ünïcødé'), 'unicode');
    writeFileSync(join(src, 'big.bin'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
    writeFileSync(join(src, 'scratch.tmp'), 'excluded');
    writeFileSync(join(src, 'secret.key'), 'mode 600');
    execFileSync('chmod', ['600', join(src, 'secret.key')]);
    symlinkSync('sub dir/a b.txt', join(src, 'link'));
    metricsDir = join(tmp.path, 'metrics');
    dir = join(tmp.path, 'out');
    writeScripts(policy(src, '/nonexistent/policy-textfile-dir'), dir);
    env = scriptEnv(moto.endpoint, { [PASS_ENV]: 'correct horse battery staple', DRC_TEXTFILE_DIR: metricsDir, TMPDIR: tmp.path, DRC_LOCK_DIR: tmp.path });
    await createBuckets(moto.endpoint, [[EAST, 'us-east-1'], [WEST, 'us-west-2']]);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
    await tmp?.cleanup();
    console.log(`files e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('backs up, and restores from each region into NEW directories exactly what was there at backup time', async () => {
    atBackup = snapshot(src);
    await okScript(dir, SERVICE, 'backup.sh', [], env);
    const keys = await listKeys(moto.endpoint, EAST, PREFIX);
    expect(keys.map((k) => k.replace(/\d{8}T\d{6}Z/, 'TS'))).toEqual([`${PREFIX}TS/archive.tar.gz.enc`, `${PREFIX}TS/manifest.json`]);
    expect(await listKeys(moto.endpoint, WEST, PREFIX)).toEqual(keys);
    await getObject(moto.endpoint, WEST, keys[1]!, join(tmp.path, 'm.json'));
    const manifest = JSON.parse(readFileSync(join(tmp.path, 'm.json'), 'utf8'));
    expect(manifest).toMatchObject({ service: SERVICE, kind: 'files', encryption: 'openssl', server_side_encryption: 'AES256', region: 'us-west-2' });
    expect(manifest.entries).toBe(Object.keys(atBackup).length); // scratch.tmp excluded, source dir itself included
    await getObject(moto.endpoint, EAST, keys[0]!, join(tmp.path, 'p.enc'));
    expect(readFileSync(join(tmp.path, 'p.enc')).subarray(0, 8).toString()).toBe('Salted__');
    const m = readMetrics(join(metricsDir, 'drc_app_files_backup.prom'));
    expect(m[series('drc_backup_last_status', SERVICE, 'tier2', 'us-west-2')]).toBe(1);
    expect(m[series('drc_backup_last_size_bytes', SERVICE, 'tier2', 'us-east-1')]).toBe(manifest.bytes);

    writeFileSync(join(src, 'sub dir/a b.txt'), 'changed after the backup\n');
    rmSync(join(src, 'big.bin'));
    writeFileSync(join(src, 'added later'), 'x');
    afterChange = snapshot(src);

    const expected = Object.fromEntries(Object.entries(atBackup).filter(([k]) => k !== 'scratch.tmp'));
    for (const [region, target] of [['us-east-1', 'r-east'], ['us-west-2', 'r-west']] as const) {
      const t = join(tmp.path, target);
      await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--region', region, '--target-dir', t, '--yes'], env);
      expect(snapshot(join(t, src.slice(1)))).toEqual(expected);
    }
    expect(snapshot(src)).toEqual(afterChange);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });

  it('verify.sh and restore-test.sh pass and record the result', async () => {
    await okScript(dir, SERVICE, 'verify.sh', ['--region', 'us-west-2'], env);
    const rt = await okScript(dir, SERVICE, 'restore-test.sh', [], env);
    expect(rt.stderr).toContain('restore test passed');
    const records = await listKeys(moto.endpoint, EAST, `${PREFIX}restore-tests/`);
    expect(records).toHaveLength(1);
    // The lifecycle keeps records by this tag, longer than the backups (docs/artifacts/aws.md).
    const tagging = await aws(moto.endpoint, ['s3api', 'get-object-tagging', '--bucket', EAST, '--key', records[0]!, '--output', 'json']);
    expect(JSON.parse(tagging.stdout).TagSet).toEqual([{ Key: 'drc-retention', Value: 'restore-test' }]);
    const m = readMetrics(join(metricsDir, 'drc_app_files_restore_test.prom'));
    expect(m[series('drc_restore_test_last_status', SERVICE, 'tier2', 'us-east-1')]).toBe(1);
    expect(readdirSync(tmp.path).filter((n) => n.startsWith('drc-app-files.'))).toEqual([]); // work dirs removed
  });

  it('refuses a non-empty target directory and needs --yes without a terminal', async () => {
    const t = join(tmp.path, 'r-east');
    const r = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-dir', t, '--yes'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not empty');
    const n = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-dir', join(tmp.path, 'r-new')], env);
    expect(n.code).not.toBe(0);
    expect(n.stderr).toContain('re-run with --yes');
    expect(existsSync(join(tmp.path, 'r-new'))).toBe(false);
  });

  it('a second backup while one holds the lock exits at once and changes nothing, metrics included', async () => {
    const metrics = join(metricsDir, 'drc_app_files_backup.prom');
    const before = readFileSync(metrics, 'utf8');
    const lock = join(tmp.path, 'drc-e2e-files-app-files-backup.lock');
    const holder = spawn(requireTool('flock'), [lock, 'sleep', '30'], { stdio: 'ignore', detached: true });
    try {
      for (let i = 0; i < 100 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      const r = await runScript(dir, SERVICE, 'backup.sh', [], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('another backup of app-files is running');
      expect(readFileSync(metrics, 'utf8')).toBe(before);
    } finally {
      process.kill(-holder.pid!, 'SIGKILL');
    }
  });

  it('fault: disk full on the restore target fails clearly and leaves nothing behind', async () => {
    const mnt = join(tmp.path, 'tiny');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', mnt]);
    } catch (e) {
      throw new Error(`cannot mount a tmpfs for the disk-full test (needs root): ${(e as Error).message}`);
    }
    try {
      const r = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-dir', join(mnt, 'restore'), '--yes'], env);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('(disk full?)');
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
    expect(snapshot(src)).toEqual(afterChange);
  });

  it('fault: wrong passphrase, corrupted payload, endpoint down', async () => {
    const wrong = await runScript(dir, SERVICE, 'verify.sh', [], { ...env, [PASS_ENV]: 'wrong' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('does not decrypt');
    const missing = await runScript(dir, SERVICE, 'backup.sh', [], { ...env, [PASS_ENV]: undefined });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`the passphrase variable ${PASS_ENV} is not set`);

    const key = (await listKeys(moto.endpoint, EAST, PREFIX)).find((k) => k.endsWith('.enc'))!;
    const good = join(tmp.path, 'good.enc');
    await getObject(moto.endpoint, EAST, key, good);
    const bad = Buffer.from(readFileSync(good));
    bad[100] ^= 1;
    writeFileSync(join(tmp.path, 'bad.enc'), bad);
    await putObject(moto.endpoint, EAST, key, join(tmp.path, 'bad.enc'));
    const v = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-dir', join(tmp.path, 'r-bad'), '--yes'], env);
    expect(v.code).not.toBe(0);
    expect(v.stderr).toContain('sha256 mismatch');
    expect(existsSync(join(tmp.path, 'r-bad'))).toBe(false);
    await putObject(moto.endpoint, EAST, key, good);

    const down = await runScript(dir, SERVICE, 'backup.sh', [], { ...env, DRC_ENDPOINT_URL_US_EAST_1: 'http://127.0.0.1:9' });
    expect(down.code).not.toBe(0);
    const m = readMetrics(join(metricsDir, 'drc_app_files_backup.prom'));
    expect(m[series('drc_backup_last_status', SERVICE, 'tier2', 'us-east-1')]).toBe(0);
    expect(m[series('drc_backup_last_success_timestamp_seconds', SERVICE, 'tier2', 'us-east-1')]).toBeGreaterThan(0);
    expect((await listKeys(moto.endpoint, EAST, PREFIX)).filter((k) => k.endsWith('manifest.json'))).toHaveLength(1);
    expect(snapshot(src)).toEqual(afterChange);
  });
});
