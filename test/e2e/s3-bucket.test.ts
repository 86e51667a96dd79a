// End to end: the generated s3-bucket scripts against moto. The backup is a server-side copy of the source
// bucket into <policy>/<service>/<stamp>/objects/ in the primary storage, then into the replica; restore
// copies a backup into a NEW directory or an empty bucket prefix and checks the object count.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer, type TempDir } from '../harness/index.js';
import { aws, createBuckets, getObject, listKeys, makeTempDir, okScript, putObject, readMetrics, runScript, scriptEnv, series, writeScripts, type Env } from './helpers.js';

const SERVICE = 'user-files';
const PREFIX = 'e2e-s3/user-files/';

const POLICY = `version: 1
name: e2e-s3
owner: sre@example.com
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption: { at_rest: AES256 }
storage:
  archive:
    type: s3
    bucket: drc-s3-use1
    region: us-east-1
    replicas: [{ bucket: drc-s3-usw2, region: us-west-2 }]
tiers:
  tier2: { title: Important, rto: 4h, rpo: 24h, retention: 30d, restore_test: monthly, dr_drill: quarterly, min_regions: 2 }
services:
  ${SERVICE}:
    tier: tier2
    kind: s3-bucket
    bucket: drc-s3-source
    region: us-east-1
    schedule: daily at 03:00
    storage: archive
monitoring: { metrics: textfile, textfile_dir: /nonexistent }
`;

describe('s3-bucket scripts end to end', () => {
  let moto: MotoServer;
  let tmp: TempDir;
  let dir: string;
  let env: Env;
  const objects: Record<string, string> = { 'a.txt': 'alpha', 'dir/b c.txt': 'with space', 'dir/deep/ünï.bin': 'unicode', "q'uote$(x).txt": 'meta' };

  beforeAll(async () => {
    tmp = makeTempDir('e2e-s3');
    moto = await startMoto();
    dir = join(tmp.path, 'out');
    writeScripts(POLICY, dir);
    env = scriptEnv(moto.endpoint, { DRC_TEXTFILE_DIR: join(tmp.path, 'metrics'), TMPDIR: tmp.path, DRC_LOCK_DIR: tmp.path });
    await createBuckets(moto.endpoint, [['drc-s3-source', 'us-east-1'], ['drc-s3-use1', 'us-east-1'], ['drc-s3-usw2', 'us-west-2'], ['drc-s3-target', 'us-east-1']]);
    for (const [k, v] of Object.entries(objects)) {
      const f = join(tmp.path, 'obj');
      writeFileSync(f, v);
      await putObject(moto.endpoint, 'drc-s3-source', k, f);
    }
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
    await tmp?.cleanup();
  });

  it('copies the bucket to both regions, verifies, restores into a new directory and a new prefix', async () => {
    await okScript(dir, SERVICE, 'backup.sh', [], env);
    const east = await listKeys(moto.endpoint, 'drc-s3-use1', PREFIX);
    expect(east.filter((k) => k.includes('/objects/'))).toHaveLength(4);
    expect(east.filter((k) => k.endsWith('/manifest.json'))).toHaveLength(1);
    const west = await listKeys(moto.endpoint, 'drc-s3-usw2', PREFIX);
    expect(west).toEqual(east);
    await getObject(moto.endpoint, 'drc-s3-usw2', west.find((k) => k.endsWith('manifest.json'))!, join(tmp.path, 'm.json'));
    expect(JSON.parse(readFileSync(join(tmp.path, 'm.json'), 'utf8'))).toMatchObject({ kind: 's3-bucket', objects: 4, bytes: Object.values(objects).join('').length, encryption: 'none' });
    const m = readMetrics(join(tmp.path, 'metrics', 'drc_user_files_backup.prom'));
    expect(m[series('drc_backup_last_status', SERVICE, 'tier2', 'us-west-2')]).toBe(1);

    // The source changes afterwards; the restore shows the backup's state.
    await aws(moto.endpoint, ['s3', 'rm', 's3://drc-s3-source/a.txt']);
    await okScript(dir, SERVICE, 'verify.sh', ['--region', 'us-west-2'], env);
    const target = join(tmp.path, 'restored');
    await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--region', 'us-west-2', '--target-dir', target, '--yes'], env);
    for (const [k, v] of Object.entries(objects)) expect(readFileSync(join(target, k), 'utf8')).toBe(v);
    await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-bucket', 'drc-s3-target/restore-1', '--yes'], env);
    expect((await listKeys(moto.endpoint, 'drc-s3-target', 'restore-1/')).sort()).toEqual(Object.keys(objects).map((k) => `restore-1/${k}`).sort());
    const again = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-bucket', 'drc-s3-target/restore-1', '--yes'], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('is not empty');
    const src = await runScript(dir, SERVICE, 'restore.sh', ['--latest', '--target-bucket', 'drc-s3-source/x', '--yes'], env);
    expect(src.code).not.toBe(0);
    expect(src.stderr).toContain('refusing to restore into the source bucket');
    await okScript(dir, SERVICE, 'restore-test.sh', [], env);
    expect(readdirSync(tmp.path).filter((n) => n.startsWith('drc-user-files.'))).toEqual([]);
    expect(await listKeys(moto.endpoint, 'drc-s3-use1', `${PREFIX}restore-tests/`)).toHaveLength(1);
    mkdirSync(join(tmp.path, 'unused'), { recursive: true });
  });
});
