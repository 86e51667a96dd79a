// drc verify against moto_server: buckets configured by the build's own functions, backups in the
// §10.1 layout. A healthy setup yields no findings; each injected drift yields exactly its finding.
import {
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketReplicationCommand,
  DeleteObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleConfiguration } from '../../src/emitters/aws/bucket-config.js';
import { MANIFEST_NAME } from '../../src/emitters/layout.js';
import type { Policy } from '../../src/model/types.js';
import { freePort, useS3 } from '../harness/index.js';
import { configureStorage, modelOf, policyText, S3, verifyCli, verifyJson, writeBackup, writeRestoreTest, type VerifyJson } from './helpers.js';

const s3env = useS3();
let s3: S3;
beforeAll(() => {
  s3 = new S3(s3env().endpoint);
});
afterAll(() => s3?.close());

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

interface Setup {
  text: string;
  policy: Policy;
  primary: string;
  replica: string;
}

/** A healthy installation: buckets as drc build configures them, a fresh backup in both regions, a recent restore test. */
async function healthy(opts: Parameters<typeof policyText>[0] = {}): Promise<Setup> {
  const { text, primary, replica } = policyText(opts);
  const policy = modelOf(text);
  for (const storage of policy.storage.values()) await configureStorage(s3, policy, storage);
  for (const service of policy.services) {
    // An older backup (past the replica grace period) and a fresh one.
    await writeBackup(s3, policy, service, { finishedAt: minutesAgo(130) });
    await writeBackup(s3, policy, service, { finishedAt: minutesAgo(10) });
    await writeRestoreTest(s3, policy, service, daysAgo(3));
  }
  return { text, policy, primary, replica: replica! };
}

function rulesAndPaths(json: VerifyJson): string[] {
  return json.diagnostics.map((d) => `${d.rule} ${d.path}`);
}

const svc = (setup: Setup, name: string) => setup.policy.servicesByName.get(name)!;

describe('drc verify against moto', () => {
  const endpoint = () => s3env().endpoint;

  it('a healthy setup yields no findings and reports the measured RPO', async () => {
    const setup = await healthy();
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(r.json.diagnostics, r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.json.summary).toEqual({ errors: 0, warnings: 0, infos: 0 });
    const db = r.json.services['app-db']!;
    expect(db.status).toBe('checked');
    expect(db.measured_rpo_seconds).toBeGreaterThanOrEqual(600 - 5);
    expect(db.measured_rpo_seconds).toBeLessThan(700);
    expect(db.newest_backup?.timestamp).toMatch(/^\d{8}T\d{6}Z$/);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });

  it('healthy with --deep and the stylish format: no findings, exit 0', async () => {
    const setup = await healthy();
    const r = await verifyCli(setup.text, { endpoint: endpoint(), deep: true });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const j = await verifyJson(setup.text, { endpoint: endpoint(), deep: true });
    expect(j.json.diagnostics).toEqual([]);
    expect(j.json.services["app-db"]!.deep as unknown[]).toHaveLength(2);
  });

  it('versioning suspended → drift-versioning at the storage', async () => {
    const setup = await healthy();
    await s3.client('us-east-1').send(new PutBucketVersioningCommand({ Bucket: setup.primary, VersioningConfiguration: { Status: 'Suspended' } }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['drift-versioning /storage/backups']);
    expect(r.json.diagnostics[0]!.message).toMatch(/versioning is Suspended, expected Enabled/);
    expect(r.json.diagnostics[0]!.line).toBeGreaterThan(1);
    expect(r.code).toBe(1);
  });

  it('versioning suspended on the replica → drift-versioning at /storage/backups/replicas/0', async () => {
    const setup = await healthy();
    await s3.client('us-west-2').send(new PutBucketVersioningCommand({ Bucket: setup.replica, VersioningConfiguration: { Status: 'Suspended' } }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['drift-versioning /storage/backups/replicas/0']);
  });

  it('lifecycle removed → drift-lifecycle naming the expected rules', async () => {
    const setup = await healthy();
    await s3.client('us-east-1').send(new DeleteBucketLifecycleCommand({ Bucket: setup.primary }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['drift-lifecycle /storage/backups']);
    expect(r.json.diagnostics[0]!.message).toMatch(/no lifecycle configuration, expected \d+ rules \(drc-app-db/);
  });

  it('lifecycle altered (one expiry changed) → drift-lifecycle with expected and actual', async () => {
    const setup = await healthy();
    const storage = setup.policy.storage.get('backups')!;
    const config = structuredClone(lifecycleConfiguration(setup.policy, storage, setup.primary));
    const rule = config.Rules.find((x) => x.ID === 'drc-app-db')!;
    rule.Expiration = { Days: 7 };
    config.Rules.reverse(); // order does not matter
    await s3.client('us-east-1').send(new PutBucketLifecycleConfigurationCommand({ Bucket: setup.primary, LifecycleConfiguration: config as never }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['drift-lifecycle /storage/backups']);
    expect(r.json.diagnostics[0]!.message).toMatch(/rule drc-app-db: expiration is 7 days, expected 60 days/);
  });

  it('encryption removed → drift-encryption naming the KMS key', async () => {
    const setup = await healthy();
    await s3.client('us-west-2').send(new DeleteBucketEncryptionCommand({ Bucket: setup.replica }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['drift-encryption /storage/backups/replicas/0']);
    expect(r.json.diagnostics[0]!.message).toMatch(/expected aws:kms with key alias\/vt-backup-usw2/);
  });

  it('replication removed → drift-replication on the primary', async () => {
    const setup = await healthy();
    await s3.client('us-east-1').send(new DeleteBucketReplicationCommand({ Bucket: setup.primary }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['drift-replication /storage/backups']);
    expect(r.json.diagnostics[0]!.message).toContain(`replication is not configured, expected a rule to ${setup.replica}`);
  });

  it('a replica copy deleted → replica-missing for that service only', async () => {
    const setup = await healthy();
    const db = svc(setup, 'app-db');
    const { folder } = await writeBackup(s3, setup.policy, db, { finishedAt: minutesAgo(70) });
    await s3.client('us-west-2').send(new DeleteObjectCommand({ Bucket: setup.replica, Key: `${folder}${MANIFEST_NAME}` }));
    const r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['replica-missing /services/app-db']);
    expect(r.json.diagnostics[0]!.message).toMatch(/no manifest\.json in replica .*us-west-2.*grace 1h/);
  });

  it('a backup written to the primary only, older than the grace period → replica-missing; a fresh one is not', async () => {
    const setup = await healthy();
    const files = svc(setup, 'app-files');
    await writeBackup(s3, setup.policy, files, { finishedAt: minutesAgo(5), buckets: [0] }); // inside grace: fine
    let r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual([]);
    await writeBackup(s3, setup.policy, files, { finishedAt: minutesAgo(300), buckets: [0] });
    r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['replica-missing /services/app-files']);
  });

  it('a payload corrupted → backup-corrupt with --deep only', async () => {
    const setup = await healthy();
    const db = svc(setup, 'app-db');
    const { key } = await writeBackup(s3, setup.policy, db, { finishedAt: minutesAgo(2) });
    await s3.client('us-east-1').send(new PutObjectCommand({ Bucket: setup.primary, Key: key, Body: Buffer.from('tampered') }));
    const shallow = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(shallow.json)).toEqual([]);
    const deep = await verifyJson(setup.text, { endpoint: endpoint(), deep: true });
    expect(rulesAndPaths(deep.json)).toEqual(['backup-corrupt /services/app-db']);
    expect(deep.json.diagnostics[0]!.message).toMatch(new RegExp(`${setup.primary}.*payload sha256 .* differs from the manifest's .*payload is 8 bytes, the manifest says 64`));
  });

  it('a service never backed up → backup-missing (an incomplete folder does not count)', async () => {
    const setup = await healthy({ services: ['app-db', 'app-files', 'never'] });
    // healthy() backed every service up; use a fresh policy sharing nothing.
    const { text } = policyText({ services: ['app-db', 'never'] });
    const policy = modelOf(text);
    await configureStorage(s3, policy, policy.storage.get('backups')!);
    const db = policy.servicesByName.get('app-db')!;
    const never = policy.servicesByName.get('never')!;
    await writeBackup(s3, policy, db, { finishedAt: minutesAgo(130) });
    await writeBackup(s3, policy, db, { finishedAt: minutesAgo(10) });
    await writeRestoreTest(s3, policy, db, daysAgo(1));
    await writeRestoreTest(s3, policy, never, daysAgo(1));
    await writeBackup(s3, policy, never, { finishedAt: minutesAgo(10), noManifest: true });
    const r = await verifyJson(text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['backup-missing /services/never']);
    expect(r.json.diagnostics[0]!.message).toMatch(/no complete backup in s3:\/\/.*\/vt\/never\/ \(1 backup folder, none with a manifest\.json\)/);
    expect(r.json.services.never!.measured_rpo_seconds).toBeNull();
    expect(setup.policy.services).toHaveLength(3);
  });

  it("a backup older than the RPO by its manifest's finished_at → backup-stale at /services/<name>/rpo", async () => {
    const { text } = policyText({ services: ['old'] });
    const policy = modelOf(text);
    await configureStorage(s3, policy, policy.storage.get('backups')!);
    const old = policy.servicesByName.get('old')!;
    // The folder name is recent, but finished_at says 3 hours ago: the manifest decides.
    await writeBackup(s3, policy, old, { finishedAt: minutesAgo(1), manifest: { finished_at: new Date(Date.now() - 3 * 3_600_000).toISOString() } });
    await writeRestoreTest(s3, policy, old, daysAgo(1));
    const r = await verifyJson(text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['backup-stale /services/old/rpo']);
    expect(r.json.diagnostics[0]!.message).toMatch(/old: the newest complete backup \d{8}T\d{6}Z finished 3h( 0m)? ago .* older than RPO 1h/);
    expect(r.json.services.old!.measured_rpo_seconds).toBeGreaterThan(3 * 3600 - 10);
  });

  it('restore-test records old or missing → restore-test-stale', async () => {
    const setup = await healthy();
    const db = svc(setup, 'app-db');
    const files = svc(setup, 'app-files');
    // app-db: add a newer record that failed: the newest successful one is still 3 days old, fine.
    await writeRestoreTest(s3, setup.policy, db, daysAgo(1), { status: 'failed' });
    let r = await verifyJson(setup.text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual([]);

    const { text } = policyText({ services: ['stale', 'none'] });
    const policy = modelOf(text);
    await configureStorage(s3, policy, policy.storage.get('backups')!);
    for (const s of policy.services) {
      await writeBackup(s3, policy, s, { finishedAt: minutesAgo(130) });
      await writeBackup(s3, policy, s, { finishedAt: minutesAgo(10) });
    }
    await writeRestoreTest(s3, policy, policy.servicesByName.get('stale')!, daysAgo(45));
    r = await verifyJson(text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json).sort()).toEqual(['restore-test-stale /services/none', 'restore-test-stale /services/stale']);
    const stale = r.json.diagnostics.find((d) => d.path === '/services/stale')!;
    expect(stale.message).toMatch(/is 45d old, restore_test monthly allows at most 31d/);
    expect(files.name).toBe('app-files');
  });

  it('--service narrows the checks to one service and its storage', async () => {
    const { text } = policyText({ services: ['a', 'b'] });
    const policy = modelOf(text);
    await configureStorage(s3, policy, policy.storage.get('backups')!);
    await writeBackup(s3, policy, policy.servicesByName.get('a')!, { finishedAt: minutesAgo(10) });
    await writeRestoreTest(s3, policy, policy.servicesByName.get('a')!, daysAgo(1));
    const r = await verifyJson(text, { endpoint: endpoint(), service: 'a' });
    expect(rulesAndPaths(r.json)).toEqual([]);
    expect(Object.keys(r.json.services)).toEqual(['a']);
    const all = await verifyJson(text, { endpoint: endpoint() });
    expect(rulesAndPaths(all.json)).toEqual(['backup-missing /services/b', 'restore-test-stale /services/b']);
    await expect(verifyCli(text, { endpoint: endpoint(), service: 'c' })).rejects.toThrow(/no service "c"/);
  });

  it('a missing bucket → verify-error at that storage path while the other checks continue', async () => {
    const { text, replica } = policyText({ services: ['svc'] });
    const policy = modelOf(text);
    const storage = policy.storage.get('backups')!;
    // Configure only the primary (no replica bucket, so no replication either).
    const primaryOnly = { ...storage, replicas: [] };
    await configureStorage(s3, policy, primaryOnly);
    const svcModel = policy.servicesByName.get('svc')!;
    await writeBackup(s3, policy, svcModel, { finishedAt: minutesAgo(400), buckets: [0] });
    await writeRestoreTest(s3, policy, svcModel, daysAgo(1));
    const r = await verifyJson(text, { endpoint: endpoint() });
    expect(rulesAndPaths(r.json)).toEqual(['verify-error /storage/backups/replicas/0', 'drift-replication /storage/backups', 'backup-stale /services/svc/rpo'].sort(byLine(r.json)));
    const error = r.json.diagnostics.find((d) => d.rule === 'verify-error')!;
    expect(error.severity).toBe('error');
    expect(error.message).toContain(`s3://${replica} (us-west-2, storage backups) cannot be read: the bucket does not exist (NoSuchBucket)`);
    expect(r.code).toBe(1);
  });

  it('an unreachable endpoint → exit 2 with a clear message', async () => {
    const { text } = policyText({ services: ['svc'] });
    const port = await freePort();
    const r = await verifyCli(text, { endpoint: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing could be verified: .*unreachable \(ECONNREFUSED\)/);
    expect(r.stdout).toMatch(/verify-error/);
  });

  it('DRC_ENDPOINT_URL_<REGION> points one region elsewhere', async () => {
    const setup = await healthy({ services: ['svc'] });
    const port = await freePort();
    const r = await verifyJson(setup.text, { endpoint: endpoint(), env: { DRC_ENDPOINT_URL_US_WEST_2: `http://127.0.0.1:${port}` } });
    expect(rulesAndPaths(r.json)).toEqual(['verify-error /storage/backups/replicas/0']);
    expect(r.code).toBe(1);
  });

  it('a finding can be suppressed in the policy with a reason', async () => {
    const setup = await healthy({ services: ['svc'] });
    await s3.client('us-east-1').send(new DeleteBucketLifecycleCommand({ Bucket: setup.primary }));
    const text = setup.text.replace('  backups:\n', '  # drc-ignore drift-lifecycle -- managed by the platform team\n  backups:\n');
    const r = await verifyJson(text, { endpoint: endpoint() });
    expect(r.json.diagnostics.map((d) => [d.rule, (d as { suppressed?: unknown }).suppressed])).toEqual([['drift-lifecycle', { reason: 'managed by the platform team' }]]);
    expect(r.code).toBe(0);
  });
});

function byLine(json: VerifyJson) {
  const line = (s: string) => json.diagnostics.find((d) => `${d.rule} ${d.path}` === s)?.line ?? 0;
  return (a: string, b: string) => line(a) - line(b);
}
