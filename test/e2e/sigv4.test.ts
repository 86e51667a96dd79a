// End to end with moto checking every request's SigV4 signature (moto 5: POST /moto-api/reset-auth with 0,
// the runtime form of INITIAL_NO_AUTH_ACTION_COUNT=0; from then on each request must be signed by an IAM
// access key moto knows, and its policy must allow the action). The small S3 requests of the scripts (size
// read-back, tagging, manifests, records, manifest downloads, deletes) go through `curl --aws-sigv4`
// (templates/lib.hbs, "small S3 requests"): this proves moto accepts curl's signatures for every one of them,
// with an IAM user's keys and with STS session credentials; that no secret reaches any argv; that curl is
// not used when DRC_S3_CURL=0; and that the aws CLI takes over when a curl request fails. Two policies: one
// with AES256 (every small request through curl), one with aws:kms and a key, whose manifests need the
// headers x-amz-server-side-encryption and x-amz-server-side-encryption-aws-kms-key-id: curl before 8.10
// signs those in the wrong order, so the scripts leave that request to the aws CLI there.
// Wrappers named `aws` and `curl` first on PATH log each call's arguments and run the real tool.
//
// One thing moto cannot check: a list whose prefix holds a `/`. S3 canonicalises the query before it checks
// a signature (`prefix=a/b/` is signed as `prefix=a%2Fb%2F`); moto's server (werkzeug) decodes %2F before
// moto recomputes the signature, so it refuses every such list from a correct client, the aws CLI's own
// included. The scripts list with the aws CLI, not curl, and keep only the keys of their own service from
// the answer: so the `aws` wrapper shortens a list's --prefix to the part before its first `/` (a larger
// answer, filtered the same way), and moto checks every request, lists included, from start to end.
import { readFileSync, writeFileSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, run, runOk, startMoto, type MotoServer, type TempDir } from '../harness/index.js';
import { makeTempDir, okScript, runScript, scriptEnv, writeScripts, type Env } from './helpers.js';

const SERVICE = 'signed-files';
const PREFIX = 'e2e-sigv4/signed-files/';
const KMS_PREFIX = 'e2e-sigv4-kms/signed-files/';
const EAST = 'drc-sigv4-use1';
const WEST = 'drc-sigv4-usw2';
const PASS_ENV = 'DRC_E2E_PASSPHRASE';

function policy(src: string, kms: boolean): string {
  return `version: 1
name: e2e-sigv4${kms ? '-kms' : ''}
owner: sre@example.com
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption:
${kms ? '  at_rest: aws:kms\n  kms_key: alias/drc-sigv4\n  replica_kms_keys: { us-west-2: alias/drc-sigv4-usw2 }' : '  at_rest: AES256'}
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
    title: Signed files
    tier: tier2
    kind: files
    paths: ["${src}"]
    schedule: every 6h
    storage: backups
monitoring:
  metrics: textfile
  textfile_dir: /nonexistent/policy-textfile-dir
`;
}

interface Keys {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN?: string;
}

describe('scripts against moto with SigV4 authentication on', () => {
  let moto: MotoServer;
  let tmp: TempDir;
  let dir: string;
  let kmsDir: string;
  let curlSortsPrefixes: boolean;
  let src: string;
  let env: Env;
  let user: Keys;
  let session: Keys;
  let awsLog: string;
  let curlLog: string;
  const t0 = Date.now();

  /** The aws CLI as the IAM user, for checks. */
  const aws = (args: string[], region = 'us-east-1') =>
    runOk('aws', ['--endpoint-url', moto.endpoint, '--region', region, ...args], { env: { ...scriptEnv(moto.endpoint), ...user, PATH: process.env.PATH } });
  /** The keys under a prefix (listed with the prefix up to its first `/`, see above). */
  const keysUnder = async (bucket: string, prefix: string, region = 'us-east-1') =>
    ((JSON.parse((await aws(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', prefix.split('/')[0]!, '--query', 'Contents[].Key'], region)).stdout) ?? []) as string[])
      .filter((k) => k.startsWith(prefix));
  const calls = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  /** curl's requests as `METHOD bucket/key` (the prefix dropped, the stamp as TS), sorted. */
  const requests = () => calls(curlLog).filter((c) => c !== '--version').map((c) => {
    const method = c.includes(' --head ') ? 'HEAD' : (c.match(/ -X (\w+) /) ?? [])[1] ?? 'GET';
    const url = new URL(c.split(' ').pop()!);
    return `${method} ${url.pathname.slice(1).replace(/e2e-sigv4(-kms)?\/signed-files\//, '').replace(/\d{8}T\d{6}Z/, 'TS')}${url.search}`;
  }).sort();
  const clearLogs = () => {
    writeFileSync(awsLog, '');
    writeFileSync(curlLog, '');
  };

  beforeAll(async () => {
    tmp = makeTempDir('e2e-sigv4');
    moto = await startMoto();
    src = join(tmp.path, 'source');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'hello\n');
    writeFileSync(join(src, 'sub', 'b.bin'), Buffer.alloc(50_000, 7));
    dir = join(tmp.path, 'out');
    writeScripts(policy(src, false), dir);
    kmsDir = join(tmp.path, 'out-kms');
    writeScripts(policy(src, true), kmsDir);
    const [major, minor] = (await runOk('curl', ['--version'])).stdout.match(/^curl (\d+)\.(\d+)/)!.slice(1).map(Number) as [number, number];
    curlSortsPrefixes = major > 8 || (major === 8 && minor >= 10);

    // Before authentication is switched on: an IAM user with an access key and a role it may assume, both
    // allowed s3:* only; session credentials of the role (STS); the buckets.
    const admin = (args: string[]) => runOk('aws', ['--endpoint-url', moto.endpoint, '--region', 'us-east-1', ...args], { env: scriptEnv(moto.endpoint, { PATH: process.env.PATH }) });
    const s3Only = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    await admin(['iam', 'create-user', '--user-name', 'drc-backup']);
    await admin(['iam', 'put-user-policy', '--user-name', 'drc-backup', '--policy-name', 's3', '--policy-document', s3Only]);
    const key = JSON.parse((await admin(['iam', 'create-access-key', '--user-name', 'drc-backup'])).stdout).AccessKey;
    user = { AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] });
    await admin(['iam', 'create-role', '--role-name', 'drc-backup-role', '--assume-role-policy-document', trust]);
    await admin(['iam', 'put-role-policy', '--role-name', 'drc-backup-role', '--policy-name', 's3', '--policy-document', s3Only]);
    const assumed = JSON.parse((await admin(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::123456789012:role/drc-backup-role', '--role-session-name', 'drc'])).stdout).Credentials;
    session = { AWS_ACCESS_KEY_ID: assumed.AccessKeyId, AWS_SECRET_ACCESS_KEY: assumed.SecretAccessKey, AWS_SESSION_TOKEN: assumed.SessionToken };
    for (const [bucket, region] of [[EAST, 'us-east-1'], [WEST, 'us-west-2']] as const)
      await admin(['s3api', 'create-bucket', '--bucket', bucket, ...(region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${region}`])]);

    const r = await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '0' });
    expect(r.status).toBe(200);
    await r.arrayBuffer();

    // Logging wrappers for aws and curl, first on PATH.
    const shim = join(tmp.path, 'shim');
    mkdirSync(shim);
    awsLog = join(tmp.path, 'aws.log');
    curlLog = join(tmp.path, 'curl.log');
    writeFileSync(join(shim, 'curl'), `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${curlLog}'\nexec '${requireTool('curl')}' "$@"\n`);
    writeFileSync(join(shim, 'aws'), `#!/usr/bin/env bash
printf '%s\\n' "$*" >> '${awsLog}'
args=("$@")
if [[ " $* " == *" list-objects-v2 "* ]]; then
  for i in "\${!args[@]}"; do
    if [[ "\${args[$i]}" == --prefix ]]; then args[i + 1]=\${args[i + 1]%%/*}; fi
  done
fi
exec '${requireTool('aws')}' "\${args[@]}"
`);
    for (const tool of ['aws', 'curl']) chmodSync(join(shim, tool), 0o755);
    env = scriptEnv(moto.endpoint, { ...user, [PASS_ENV]: 'correct horse battery staple', TMPDIR: tmp.path, DRC_LOCK_DIR: tmp.path, DRC_TEXTFILE_DIR: join(tmp.path, 'metrics') });
    env.PATH = `${shim}:${env.PATH}`;
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
    await tmp?.cleanup();
    console.log(`sigv4 e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('moto checks signatures: a curl request signed with a wrong secret is refused', async () => {
    const curlAs = (secret: string) =>
      run('curl', ['--disable', '-K', '-', '--silent', '--aws-sigv4', 'aws:amz:us-east-1:s3', '-H', 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        '-o', '/dev/null', '-w', '%{http_code}', `${moto.endpoint}/${EAST}/nothing`], { input: `user = "${user.AWS_ACCESS_KEY_ID}:${secret}"\n` });
    expect((await curlAs(`${user.AWS_SECRET_ACCESS_KEY}x`)).stdout).toBe('403');
    expect((await curlAs(user.AWS_SECRET_ACCESS_KEY)).stdout).toBe('404'); // signed right; the object does not exist
  });

  it('backup.sh: the small requests go through curl and moto accepts every signature; no secret in any argv', async () => {
    clearLogs();
    const b = await okScript(dir, SERVICE, 'backup.sh', [], env);
    expect(b.stderr).toContain('backup complete');
    expect(b.stderr).not.toContain('through curl failed');
    // The aws CLI only lists and streams (upload, replica copy); the rest was curl.
    const awsCalls = calls(awsLog).map((c) => c.replace(/--(region|endpoint-url) \S+ /g, ''));
    expect(awsCalls.map((c) => c.split(' ').slice(0, 2).join(' ')).sort()).toEqual(['s3 cp', 's3 cp', 's3 cp', 's3api list-objects-v2']);
    // The new folder holds no manifest yet; per bucket: the size read back, the tag, the manifest.
    expect(requests()).toEqual([
      `HEAD ${EAST}/TS/archive.tar.gz.enc`, `HEAD ${EAST}/TS/manifest.json`, `HEAD ${WEST}/TS/archive.tar.gz.enc`,
      `PUT ${EAST}/TS/archive.tar.gz.enc?tagging=`, `PUT ${EAST}/TS/manifest.json`,
      `PUT ${WEST}/TS/archive.tar.gz.enc?tagging=`, `PUT ${WEST}/TS/manifest.json`,
    ]);
    for (const c of [...calls(awsLog), ...calls(curlLog)]) expect(c).not.toContain(user.AWS_SECRET_ACCESS_KEY);

    // What curl wrote is what the aws CLI would have written: tags, server-side encryption, content type.
    const keys = await keysUnder(EAST, PREFIX);
    expect(keys.map((k) => k.replace(/\d{8}T\d{6}Z/, 'TS'))).toEqual([`${PREFIX}TS/archive.tar.gz.enc`, `${PREFIX}TS/manifest.json`]);
    for (const [bucket, region] of [[EAST, 'us-east-1'], [WEST, 'us-west-2']] as const) {
      for (const k of keys) {
        const tags = JSON.parse((await aws(['s3api', 'get-object-tagging', '--bucket', bucket, '--key', k], region)).stdout).TagSet;
        expect(tags, `${bucket}/${k}`).toEqual([{ Key: 'drc-retention', Value: 'yearly' }]);
      }
      const head = JSON.parse((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', keys[1]!], region)).stdout);
      expect(head).toMatchObject({ ServerSideEncryption: 'AES256', ContentType: 'application/json' });
    }
  });

  it('aws:kms with a key: the manifests carry the key of their region (curl from 8.10, the aws CLI before)', async () => {
    clearLogs();
    const b = await okScript(kmsDir, SERVICE, 'backup.sh', [], env);
    expect(b.stderr).not.toContain('through curl failed');
    expect(requests()).toEqual([
      `HEAD ${EAST}/TS/archive.tar.gz.enc`, `HEAD ${EAST}/TS/manifest.json`, `HEAD ${WEST}/TS/archive.tar.gz.enc`,
      `PUT ${EAST}/TS/archive.tar.gz.enc?tagging=`, ...(curlSortsPrefixes ? [`PUT ${EAST}/TS/manifest.json`] : []),
      `PUT ${WEST}/TS/archive.tar.gz.enc?tagging=`, ...(curlSortsPrefixes ? [`PUT ${WEST}/TS/manifest.json`] : []),
    ]);
    expect(calls(awsLog).filter((c) => c.includes(' s3api put-object ')).length).toBe(curlSortsPrefixes ? 0 : 2);
    const keys = await keysUnder(EAST, KMS_PREFIX);
    expect(keys).toHaveLength(2);
    for (const [bucket, region, kms] of [[EAST, 'us-east-1', 'alias/drc-sigv4'], [WEST, 'us-west-2', 'alias/drc-sigv4-usw2']] as const) {
      for (const k of keys) {
        const head = JSON.parse((await aws(['s3api', 'head-object', '--bucket', bucket, '--key', k], region)).stdout);
        expect(head, `${bucket}/${k}`).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kms, TagCount: 1 });
      }
    }
  });

  it('restore.sh, verify.sh and restore-test.sh read manifests and write the record through curl', async () => {
    clearLogs();
    const target = join(tmp.path, 'restored');
    await okScript(dir, SERVICE, 'restore.sh', ['--latest', '--region', 'us-west-2', '--target-dir', target, '--yes'], env);
    expect(readFileSync(join(target, src.slice(1), 'a.txt'), 'utf8')).toBe('hello\n');
    await okScript(dir, SERVICE, 'verify.sh', [], env);
    const rt = await okScript(dir, SERVICE, 'restore-test.sh', [], env);
    expect(rt.stderr).toContain('restore test passed');
    expect(rt.stderr).not.toContain('through curl failed');
    const awsCalls = calls(awsLog);
    expect(awsCalls.some((c) => c.includes('manifest.json') || c.includes('put-object'))).toBe(false);
    expect(requests().map((r) => r.replace(/restore-tests\/TS\.json/, 'restore-tests/RECORD'))).toEqual([
      `GET ${EAST}/TS/manifest.json`, `GET ${EAST}/TS/manifest.json`, `GET ${WEST}/TS/manifest.json`, `PUT ${EAST}/restore-tests/RECORD`,
    ]);
    const records = await keysUnder(EAST, `${PREFIX}restore-tests/`);
    expect(records).toHaveLength(1);
  });

  it('STS session credentials: curl sends and signs the session token (from stdin, not argv)', async () => {
    clearLogs();
    await new Promise((r) => setTimeout(r, 1100)); // a new stamp
    const b = await okScript(dir, SERVICE, 'backup.sh', [], { ...env, ...session });
    expect(b.stderr).not.toContain('through curl failed');
    expect(requests().filter((r) => r.startsWith('PUT')).length).toBe(4);
    for (const c of [...calls(awsLog), ...calls(curlLog)]) {
      expect(c).not.toContain(session.AWS_SECRET_ACCESS_KEY);
      expect(c).not.toContain(session.AWS_SESSION_TOKEN);
    }
    // Without the token, moto refuses the session key: the token really was what authenticated curl.
    const noToken = await runScript(dir, SERVICE, 'verify.sh', [], { ...env, ...session, AWS_SESSION_TOKEN: undefined });
    expect(noToken.code).not.toBe(0);
  });

  it('DRC_S3_CURL=0 leaves every request to the aws CLI; a failing curl hands over to the aws CLI', async () => {
    clearLogs();
    await new Promise((r) => setTimeout(r, 1100));
    await okScript(dir, SERVICE, 'backup.sh', [], { ...env, DRC_S3_CURL: '0' });
    expect(calls(curlLog)).toEqual([]);
    expect(calls(awsLog).filter((c) => /head-object|put-object-tagging|put-object /.test(c)).length).toBe(6);

    // A curl that cannot connect (exit 7) for requests, but answers --version: the aws CLI takes over.
    const broken = join(tmp.path, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'curl'), `#!/usr/bin/env bash\nif [[ "$1" == --version ]]; then exec '${requireTool('curl')}' --version; fi\necho "curl: (7) Failed to connect" >&2\nprintf 000\nexit 7\n`);
    chmodSync(join(broken, 'curl'), 0o755);
    clearLogs();
    await new Promise((r) => setTimeout(r, 1100));
    const b = await okScript(dir, SERVICE, 'backup.sh', [], { ...env, PATH: `${broken}:${env.PATH}` });
    expect(b.stderr.match(/through curl failed \(HTTP 000, curl: \(7\) Failed to connect\): the aws CLI makes the S3 requests from here on/g)).toHaveLength(1); // logged once
    expect(calls(awsLog).filter((c) => /head-object|put-object-tagging|put-object /.test(c)).length).toBe(6);
    const manifests = await keysUnder(WEST, PREFIX, 'us-west-2');
    expect(manifests.filter((k) => k.endsWith('/manifest.json'))).toHaveLength(4);
  });
});
