// drc verify on real backups: buckets configured from the build's functions, one backup and one restore
// test made by the generated scripts (files service, openssl client-side encryption), then verify
// (shallow and --deep) finds nothing; a corrupted payload is then found with --deep.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_NAME, servicePrefix } from '../../src/emitters/layout.js';
import { startMoto, uniqueBucket, type MotoServer, type TempDir } from '../harness/index.js';
import { listKeys, makeTempDir, okScript, scriptEnv, writeScripts, type Env } from '../e2e/helpers.js';
import { configureStorage, modelOf, S3, verifyJson } from './helpers.js';

const SERVICE = 'app-files';
const PASS_ENV = 'DRC_VERIFY_E2E_PASSPHRASE';
const EAST = uniqueBucket('vfe');
const WEST = uniqueBucket('vfw');

function policy(src: string, textfileDir: string): string {
  return `version: 1
name: verify-e2e
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
    owner: team-app
    paths: ["${src}"]
    schedule: every 6h
    storage: backups
monitoring:
  metrics: textfile
  textfile_dir: ${textfileDir}
`;
}

describe('drc verify on backups made by the generated backup.sh', () => {
  let moto: MotoServer;
  let tmp: TempDir;
  let text: string;
  let env: Env;
  let s3: S3;
  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3(moto.endpoint);
    tmp = makeTempDir('verify-e2e', { mode: 0o755 });
    const src = join(tmp.path, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'hello\n');
    writeFileSync(join(src, 'b.bin'), Buffer.alloc(4096, 7));
    text = policy(src, join(tmp.path, 'metrics'));
    const model = modelOf(text);
    await configureStorage(s3, model, model.storage.get('backups')!);
    writeScripts(text, tmp.path);
    env = scriptEnv(moto.endpoint, { [PASS_ENV]: 'correct horse battery staple', DRC_TEXTFILE_DIR: join(tmp.path, 'metrics'), TMPDIR: tmp.path });
    mkdirSync(join(tmp.path, 'metrics'), { recursive: true });
  });
  afterAll(async () => {
    s3?.close();
    await moto?.stop();
    await tmp?.cleanup();
  });

  it('backup.sh + restore-test.sh → verify and verify --deep report nothing; a corrupted payload → backup-corrupt', async () => {
    await okScript(tmp.path, SERVICE, 'backup.sh', [], env);
    await okScript(tmp.path, SERVICE, 'restore-test.sh', [], env);
    const shallow = await verifyJson(text, { endpoint: moto.endpoint });
    expect(shallow.json.diagnostics, shallow.stdout).toEqual([]);
    expect(shallow.json.services[SERVICE]!.measured_rpo_seconds).toBeLessThan(600);
    const deep = await verifyJson(text, { endpoint: moto.endpoint, deep: true });
    expect(deep.json.diagnostics, deep.stdout).toEqual([]);
    expect(deep.code).toBe(0);

    const prefix = `verify-e2e/${SERVICE}/`;
    const keys = await listKeys(moto.endpoint, EAST, prefix);
    const payload = keys.find((k) => !k.endsWith(MANIFEST_NAME) && !k.includes('/restore-tests/'))!;
    expect(payload).toMatch(new RegExp(`^${prefix}\\d{8}T\\d{6}Z/`));
    expect(servicePrefix(modelOf(text), { name: SERVICE })).toBe(prefix);
    await s3.client('us-east-1').send(new PutObjectCommand({ Bucket: EAST, Key: payload, Body: 'not the backup' }));
    const corrupt = await verifyJson(text, { endpoint: moto.endpoint, deep: true });
    expect(corrupt.json.diagnostics.map((d) => `${d.rule} ${d.path}`)).toEqual([`backup-corrupt /services/${SERVICE}`]);
    expect(corrupt.code).toBe(1);
  });
});
