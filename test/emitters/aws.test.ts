import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintText } from '../../src/checker/index.js';
import type { Policy } from '../../src/model/types.js';
import { emit } from '../../src/emitters/aws/index.js';
import {
  bucketEncryption,
  bucketVersioning,
  lifecycleConfiguration,
  lifecycleRuleCount,
  objectLockConfiguration,
  replicationConfiguration,
  RESTORE_TEST_RECORD_MIN_DAYS,
  restoreTestRecordDays,
  servicesInBucket,
  type LifecycleRule,
} from '../../src/emitters/aws/bucket-config.js';
import { awsCronExpressions, backupScheduleExpressions, CronConversionError, toAwsCron } from '../../src/emitters/aws/cron.js';
import { gfsExpirationDays, gfsSpanDays, gfsTagFor } from '../../src/emitters/aws/gfs.js';
import { backupWriterPolicy, kmsKeyResource, MANAGED_POLICY_MAX_CHARS, policySize, type PolicyDocument } from '../../src/emitters/aws/iam.js';
import { CLOUDFORMATION_LIMITS, stackLimitWarning } from '../../src/emitters/aws/limits.js';
import type { Artifact } from '../../src/emitters/types.js';
import { awsEnv, requireTool, run, runOk, uniqueBucket, useS3, useTempDir } from '../harness/index.js';

// A small but rich policy: every kind the aws family touches, GFS counts, transitions, object
// lock (both modes), two replica regions, KMS key ARNs and an alias, continuous AWS Backup, a cron
// with both day-of-month and day-of-week.
const RICH = `version: 1
name: shop
owner: sre@shop.example
regions:
  primary: us-east-1
  secondary: [us-west-2, eu-west-1]
encryption:
  at_rest: aws:kms
  kms_key: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
  replica_kms_keys:
    us-west-2: alias/shop-backup-usw2
    eu-west-1: arn:aws:kms:eu-west-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab
  client_side:
    method: age
    recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]
storage:
  vault:
    type: s3
    bucket: shop-backups-use1
    region: us-east-1
    replicas:
      - { bucket: shop-backups-usw2, region: us-west-2 }
      - { bucket: shop-backups-euw1, region: eu-west-1 }
    object_lock: { mode: compliance, days: 30 }
    expire_after: 800d
    transitions:
      - { after: 30d, class: STANDARD_IA }
      - { after: 90d, class: GLACIER }
  scratch:
    type: s3
    bucket: shop-scratch-use1
    region: us-east-1
    replicas:
      - { bucket: shop-scratch-usw2, region: us-west-2 }
    object_lock: { mode: governance, days: 3 }
tiers:
  gold:
    title: Critical
    rto: 4h
    rpo: 1h
    retention: 30d
    restore_test: monthly
    dr_drill: quarterly
    min_regions: 2
    immutable: true
  silver: { title: Important, rto: 24h, rpo: 7d, retention: 14d, restore_test: monthly, dr_drill: quarterly, min_regions: 2 }
services:
  orders-db:
    tier: gold
    owner: team-data
    kind: postgresql
    postgresql: { host: db.internal, port: 5432, database: orders, user: backup, pitr: true }
    schedule: hourly
    data_size: 20GiB
    restore_rate: 200MiB/s
    storage: vault
    retention:
      keep: { hourly: 48, daily: 30, weekly: 8, monthly: 24 }
  static-files:
    tier: silver
    owner: team-web
    kind: files
    paths: [/srv/static]
    schedule: daily at 01:15
    data_size: 1GiB
    restore_rate: 50MiB/s
    storage: scratch
    retention: 14d
  cluster:
    tier: silver
    owner: team-platform
    kind: kubernetes
    namespaces: { include: [prod] }
    schedule: cron(30 2 * * 1-5)
    data_size: 5GiB
    restore_rate: 100MiB/s
    storage: vault
    retention: { duration: 60d, keep: { daily: 14, monthly: 2 } }
  ledger-ddb:
    tier: gold
    owner: team-data
    kind: aws-backup
    arns: [arn:aws:dynamodb:us-east-1:111122223333:table/ledger]
    continuous: true
    schedule: cron(0 */4 * * *)
    storage: vault
    retention: 400d
    data_size: 10GiB
    restore_rate: 100MiB/s
  media-ebs:
    tier: silver
    owner: team-media
    kind: aws-backup
    resources: { tags: { backup: media, env: prod } }
    schedule: cron(0 3 1,15 * 0)
    storage: scratch
    data_size: 10GiB
    restore_rate: 100MiB/s
`;

function load(text: string): Policy {
  const result = lintText(text, 'drc.yaml');
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.rule} ${d.path} ${d.message}`)).toEqual([]);
  return result.policy!;
}

function build(policy: Policy): Artifact[] {
  return [...emit({ policy, diagnostics: [], rules: [], drcVersion: '0.0.0-test' })];
}

const byPath = (artifacts: Artifact[], path: string) => {
  const a = artifacts.find((x) => x.path === path);
  if (!a) throw new Error(`no artifact ${path}; have ${artifacts.map((x) => x.path).join(', ')}`);
  return a;
};

let policy: Policy;
let artifacts: Artifact[];
beforeAll(() => {
  policy = load(RICH);
  artifacts = build(policy);
});

describe('aws emitter: files', () => {
  it('emits one lifecycle document per bucket, the stacks and the IAM documents', () => {
    expect(artifacts.map((a) => a.path)).toEqual([
      'aws/cloudformation/backup-stack.yaml',
      'aws/cloudformation/replica-eu-west-1.yaml',
      'aws/cloudformation/replica-us-west-2.yaml',
      'aws/iam/backup-writer.json',
      'aws/iam/restore-reader.json',
      'aws/iam/verify-reader.json',
      'aws/s3-lifecycle/shop-backups-euw1.json',
      'aws/s3-lifecycle/shop-backups-use1.json',
      'aws/s3-lifecycle/shop-backups-usw2.json',
      'aws/s3-lifecycle/shop-scratch-use1.json',
      'aws/s3-lifecycle/shop-scratch-usw2.json',
    ]);
    for (const a of artifacts) {
      expect(a.content.endsWith('\n')).toBe(true);
      expect(a.content).not.toContain('\r');
    }
  });

  it('(a) is deterministic: same policy text, same bytes', () => {
    const again = build(load(RICH));
    expect(again).toEqual(artifacts);
    expect(build(policy)).toEqual(artifacts);
  });
});

describe('aws emitter: S3 lifecycle', () => {
  const rules = () => lifecycleConfiguration(policy, policy.storage.get('vault')!, 'shop-backups-use1').Rules;
  const find = (id: string) => {
    const r = rules().find((x) => x.ID === id);
    if (!r) throw new Error(`no rule ${id}: ${rules().map((x) => x.ID).join(', ')}`);
    return r;
  };

  it('writes one rule per service on its backup folders at its effective retention, with the transitions before expiry', () => {
    const cluster = find('drc-cluster');
    expect(cluster.Filter).toEqual({ Prefix: 'shop/cluster/2' });
    expect(cluster.Expiration).toEqual({ Days: 60 });
    expect(cluster.Transitions).toEqual([{ Days: 30, StorageClass: 'STANDARD_IA' }]); // GLACIER at 90 ≥ 60: dropped
    expect(cluster.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 30 }); // object-lock days > 7
    const orders = find('drc-orders-db');
    // orders-db archives WAL with pgBackRest under shop/orders-db/pgbackrest/, which pgBackRest
    // expires itself: the untagged rule covers only the timestamped backup folders (20…/).
    expect(orders.Filter).toEqual({ Prefix: 'shop/orders-db/2' });
    for (const r of rules()) {
      const prefix = r.Filter.Prefix ?? r.Filter.And?.Prefix ?? '';
      if (prefix !== '' && !r.Filter.And) expect('shop/orders-db/pgbackrest/us-east-1/archive/x'.startsWith(prefix)).toBe(false);
    }
    expect(orders.Expiration).toEqual({ Days: 720 }); // monthly 24 × 30
    expect(orders.Transitions).toEqual([
      { Days: 30, StorageClass: 'STANDARD_IA' },
      { Days: 90, StorageClass: 'GLACIER' },
    ]);
    // AWS Backup services write no objects.
    expect(rules().some((r) => r.ID.includes('ledger'))).toBe(false);
  });

  it('compiles GFS keep counts into one tag-filtered rule per period', () => {
    const tagRule = (period: string): LifecycleRule => find(`drc-orders-db.${period}`);
    expect(tagRule('daily').Filter).toEqual({ And: { Prefix: 'shop/orders-db/', Tags: [{ Key: 'drc-retention', Value: 'daily' }] } });
    expect(tagRule('hourly').Expiration).toEqual({ Days: 2 }); // 48 h
    expect(tagRule('daily').Expiration).toEqual({ Days: 30 });
    expect(tagRule('weekly').Expiration).toEqual({ Days: 56 });
    expect(tagRule('monthly').Expiration).toEqual({ Days: 720 });
    expect(tagRule('yearly').Expiration).toEqual({ Days: 720 }); // no yearly count: kept as a monthly
    expect(tagRule('hourly').Transitions).toBeUndefined();
    expect(tagRule('weekly').Transitions).toEqual([{ Days: 30, StorageClass: 'STANDARD_IA' }]);
    // explicit duration caps the counts: cluster keeps daily 14, monthly 2 (60 d) within 60d
    expect(find('drc-cluster.hourly').Expiration).toEqual({ Days: 1 }); // finer than every count
    expect(find('drc-cluster.weekly').Expiration).toEqual({ Days: 14 });
    expect(find('drc-cluster.monthly').Expiration).toEqual({ Days: 60 });
  });

  // S3 semantics (aws-facts §1.3, §1.4): a rule matches an object when its prefix and every tag of its filter
  // match; where several rules match, the earliest expiration wins.
  const matches = (r: LifecycleRule, key: string, tags: Record<string, string>) => {
    const prefix = r.Filter.Prefix ?? r.Filter.And?.Prefix ?? '';
    return key.startsWith(prefix) && (r.Filter.And?.Tags ?? []).every((t) => tags[t.Key] === t.Value);
  };
  const expiryDays = (all: LifecycleRule[], key: string, tags: Record<string, string> = {}) =>
    Math.min(...all.filter((r) => matches(r, key, tags)).map((r) => (r.Expiration && 'Days' in r.Expiration ? r.Expiration.Days : Infinity)));
  const RECORD_TAGS = { 'drc-retention': 'restore-test' };

  /** One files service in a bucket of its own, with the given tier objectives (not production: any restore_test lints). */
  const tiny = (objectives: string, storage = '') =>
    load(`version: 1
name: tiny
regions: { primary: eu-central-1 }
encryption: { at_rest: AES256, client_side: { method: age, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] } }
storage:
  only: { type: s3, bucket: tiny-backups, region: eu-central-1${storage} }
tiers:
  t: { rto: 24h, rpo: 24h, ${objectives} }
services:
  docs: { tier: t, owner: me, environment: staging, kind: files, paths: [/srv/docs], schedule: daily }
`);

  it('keeps restore-test records longer than the backups: no per-service rule matches them (retention 7d, restore_test quarterly)', () => {
    const p = tiny('retention: 7d, restore_test: quarterly');
    const all = lifecycleConfiguration(p, p.storage.get('only')!, 'tiny-backups').Rules;
    expect(expiryDays(all, 'tiny/docs/20260101T010000Z/archive.tar.gz.age')).toBe(7);
    // 2 × 92 days would do for drc verify; the audit floor is longer.
    expect(expiryDays(all, 'tiny/docs/restore-tests/20260101T010000Z.json', RECORD_TAGS)).toBe(RESTORE_TEST_RECORD_MIN_DAYS);
    expect(all.find((r) => r.ID === 'drc.restore-tests')).toEqual({
      ID: 'drc.restore-tests',
      Status: 'Enabled',
      Filter: { And: { Prefix: 'tiny/', Tags: [{ Key: 'drc-retention', Value: 'restore-test' }] } },
      Expiration: { Days: RESTORE_TEST_RECORD_MIN_DAYS },
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
  });

  it('records live as long as the longest need of the bucket\'s services, capped by expire_after, and never archive', () => {
    // vault: orders-db keeps 720 days (monthly 24), cluster 60; expire_after 800d; transitions at 30 and 90 days.
    expect(expiryDays(rules(), 'shop/cluster/restore-tests/20260101T010000Z.json', RECORD_TAGS)).toBe(720);
    expect(find('drc.restore-tests').Transitions).toBeUndefined();
    // GFS-tagged backups still expire by their tag, and the records match no GFS rule.
    expect(expiryDays(rules(), 'shop/orders-db/20260101T010000Z/manifest.json', { 'drc-retention': 'hourly' })).toBe(2);
    expect(rules().filter((r) => matches(r, 'shop/orders-db/restore-tests/20260101T010000Z.json', RECORD_TAGS)).map((r) => r.ID))
      .toEqual(['drc.restore-tests', 'drc.expire-after', 'drc.bucket-cleanup']);
    const capped = tiny('retention: 7d, restore_test: monthly', ', expire_after: 300d');
    expect(lifecycleConfiguration(capped, capped.storage.get('only')!, 'tiny-backups').Rules.find((r) => r.ID === 'drc.restore-tests')!.Expiration)
      .toEqual({ Days: 300 });
  });

  it('restoreTestRecordDays: the longest of the audit floor, the retention and two restore_test gaps', () => {
    const service = (retention: string, restoreTest: string) => tiny(`retention: ${retention}, restore_test: ${restoreTest}`).services[0]!;
    expect(restoreTestRecordDays(service('14d', 'monthly'))).toBe(400);
    expect(restoreTestRecordDays(service('14d', 'yearly'))).toBe(732); // 2 × 366
    expect(restoreTestRecordDays(service('2555d', 'monthly'))).toBe(2555);
  });

  it('adds the bucket-wide expire_after cap and the multipart/delete-marker cleanup', () => {
    expect(find('drc.expire-after')).toEqual({
      ID: 'drc.expire-after',
      Status: 'Enabled',
      Filter: { Prefix: '' },
      Expiration: { Days: 800 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
    const cleanup = find('drc.bucket-cleanup');
    expect(cleanup.AbortIncompleteMultipartUpload).toEqual({ DaysAfterInitiation: 7 });
    expect(cleanup.Filter).toEqual({ Prefix: '' });
  });

  it('caps every rule at expire_after', () => {
    const text = RICH.replace('expire_after: 800d', 'expire_after: 700d');
    const lintResult = lintText(text, 'drc.yaml');
    const p = lintResult.policy!;
    const all = lifecycleConfiguration(p, p.storage.get('vault')!, 'shop-backups-use1').Rules;
    for (const r of all) if (r.Expiration && 'Days' in r.Expiration) expect(r.Expiration.Days).toBeLessThanOrEqual(700);
  });

  it('keeps every document within S3 limits (ids, actions, ordering)', () => {
    for (const a of artifacts.filter((x) => x.path.startsWith('aws/s3-lifecycle/'))) {
      const doc = JSON.parse(a.content) as { Rules: LifecycleRule[] };
      const ids = doc.Rules.map((r) => r.ID);
      expect(new Set(ids).size).toBe(ids.length);
      expect(doc.Rules.length).toBeLessThanOrEqual(1000);
      for (const r of doc.Rules) {
        expect(r.ID.length).toBeLessThanOrEqual(255);
        if (r.Filter.And) expect(r.AbortIncompleteMultipartUpload).toBeUndefined();
        const days = r.Expiration && 'Days' in r.Expiration ? r.Expiration.Days : Infinity;
        expect(days).toBeGreaterThanOrEqual(1);
        for (const t of r.Transitions ?? []) expect(t.Days).toBeLessThan(days);
      }
    }
  });

  it('lint counts the rules it does not build exactly as the build writes them (lifecycle-rule-limit)', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    for (const p of [policy, load(generatePolicy(40)), load(generatePolicy(700))]) {
      let buckets = 0;
      for (const storage of p.storage.values()) {
        for (const { bucket } of [{ bucket: storage.bucket }, ...storage.replicas]) {
          buckets++;
          expect(lifecycleRuleCount(storage, servicesInBucket(p, bucket)), bucket).toBe(lifecycleConfiguration(p, storage, bucket).Rules.length);
        }
      }
      expect(buckets).toBeGreaterThan(1);
    }
  });

  it('replica buckets get the same rules as the primary', () => {
    const vault = policy.storage.get('vault')!;
    expect(lifecycleConfiguration(policy, vault, 'shop-backups-usw2')).toEqual(lifecycleConfiguration(policy, vault, 'shop-backups-use1'));
    expect(JSON.parse(byPath(artifacts, 'aws/s3-lifecycle/shop-backups-euw1.json').content)).toEqual(lifecycleConfiguration(policy, vault, 'shop-backups-euw1'));
  });

  describe('(c) round trip through an S3 server (moto_server + aws CLI)', () => {
    const s3 = useS3();
    const dir = useTempDir('aws-lifecycle');
    it('accepts every lifecycle document and reads it back unchanged', async () => {
      const aws = requireTool('aws');
      const env = awsEnv();
      const docs = artifacts.filter((x) => x.path.startsWith('aws/s3-lifecycle/'));
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) {
        const bucket = uniqueBucket('drc-lifecycle');
        const file = join(dir(), doc.path.split('/').pop()!);
        writeFileSync(file, doc.content);
        const base = ['--endpoint-url', s3().endpoint, 's3api'];
        await runOk(aws, [...base, 'create-bucket', '--bucket', bucket], { env });
        await runOk(aws, [...base, 'put-bucket-lifecycle-configuration', '--bucket', bucket, '--lifecycle-configuration', `file://${file}`], { env });
        const got = await runOk(aws, [...base, 'get-bucket-lifecycle-configuration', '--bucket', bucket, '--output', 'json'], { env });
        const sent = JSON.parse(doc.content) as { Rules: LifecycleRule[] };
        const back = JSON.parse(got.stdout) as { Rules: Record<string, unknown>[] };
        // Compare only the fields we send (moto may add defaults such as empty lists).
        const pick = (r: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));
        expect(back.Rules.map((r, i) => pick(r, Object.keys(sent.Rules[i] ?? {})))).toEqual(sent.Rules);
      }
    });
  });
});

describe('aws emitter: CloudFormation', () => {
  const dir = useTempDir('aws-cfn');
  const stack = () => parse(byPath(artifacts, 'aws/cloudformation/backup-stack.yaml').content) as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };

  it('(b) passes cfn-lint with no errors or warnings', async () => {
    const cfnLint = requireTool('cfn-lint');
    const files = artifacts
      .filter((a) => a.path.startsWith('aws/cloudformation/'))
      .map((a) => {
        const file = join(dir(), a.path.split('/').pop()!);
        writeFileSync(file, a.content);
        return file;
      });
    expect(files.length).toBe(3);
    const r = await run(cfnLint, ['-f', 'json', ...files], { timeoutMs: 120_000 });
    expect(r.stderr + r.stdout).not.toMatch(/Traceback/);
    expect(JSON.parse(r.stdout || '[]')).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('declares the primary buckets with versioning, SSE-KMS, object lock, lifecycle and replication', () => {
    const bucket = stack().Resources.BucketShopBackupsUse1!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    const p = bucket.Properties;
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
      BucketKeyEnabled: true,
    });
    expect(p.ObjectLockEnabled).toBe(true);
    expect(p.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } } });
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const daily = p.LifecycleConfiguration.Rules.find((r: any) => r.Id === 'drc-orders-db.daily');
    expect(daily).toEqual({
      Id: 'drc-orders-db.daily',
      Status: 'Enabled',
      Prefix: 'shop/orders-db/',
      TagFilters: [{ Key: 'drc-retention', Value: 'daily' }],
      ExpirationInDays: 30,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    }); // the STANDARD_IA transition at 30 d is not before the 30-day expiry: dropped
    const cleanup = p.LifecycleConfiguration.Rules.find((r: any) => r.Id === 'drc.bucket-cleanup');
    expect(cleanup).toEqual({ Id: 'drc.bucket-cleanup', Status: 'Enabled', ExpiredObjectDeleteMarker: true, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
    const rules = p.ReplicationConfiguration.Rules;
    expect(p.ReplicationConfiguration.Role).toEqual({ 'Fn::GetAtt': ['ReplicationRoleVault', 'Arn'] });
    expect(rules.map((r: any) => r.Destination)).toEqual([
      { Bucket: 'arn:aws:s3:::shop-backups-usw2', EncryptionConfiguration: { ReplicaKmsKeyID: 'alias/shop-backup-usw2' } },
      { Bucket: 'arn:aws:s3:::shop-backups-euw1', EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab' } },
    ]);
    for (const r of rules) expect(r.SourceSelectionCriteria).toEqual({ SseKmsEncryptedObjects: { Status: 'Enabled' } });
  });

  it('converts the S3 API lifecycle to CloudFormation names without losing a rule', () => {
    const vault = policy.storage.get('vault')!;
    const api = lifecycleConfiguration(policy, vault, 'shop-backups-use1').Rules;
    const cfn = stack().Resources.BucketShopBackupsUse1!.Properties.LifecycleConfiguration.Rules as any[];
    expect(cfn.map((r) => r.Id)).toEqual(api.map((r) => r.ID));
    api.forEach((r, i) => {
      const c = cfn[i];
      expect(c.ExpirationInDays).toEqual(r.Expiration && 'Days' in r.Expiration ? r.Expiration.Days : undefined);
      expect(c.Transitions?.map((t: any) => [t.TransitionInDays, t.StorageClass])).toEqual(r.Transitions?.map((t) => [t.Days, t.StorageClass]));
      expect(c.TagFilters).toEqual(r.Filter.And?.Tags);
    });
    expect(cfn.find((r) => r.Id === 'drc.restore-tests')).toEqual({
      Id: 'drc.restore-tests',
      Status: 'Enabled',
      Prefix: 'shop/',
      TagFilters: [{ Key: 'drc-retention', Value: 'restore-test' }],
      ExpirationInDays: 720,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
    expect(cfn.find((r) => r.Id === 'drc-orders-db').Prefix).toBe('shop/orders-db/2');
  });

  it('puts replica buckets in their region stacks, with object lock and the region key', () => {
    const usw2 = parse(byPath(artifacts, 'aws/cloudformation/replica-us-west-2.yaml').content);
    const b = usw2.Resources.BucketShopBackupsUsw2.Properties;
    expect(b.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 30 });
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID).toBe('alias/shop-backup-usw2');
    expect(b.ReplicationConfiguration).toBeUndefined();
    // copy-destination vault for the gold tier (ledger-ddb copies to us-west-2 and eu-west-1)
    expect(usw2.Resources.BackupVaultGold.Properties.BackupVaultName).toBe('drc-shop-gold');
  });

  it('builds the AWS Backup plan: converted cron, lifecycle, copies, continuous, vault lock, selection, alarms', () => {
    const r = stack().Resources;
    // One plan per service: AWS Backup applies every rule of a plan to every resource its selections assign.
    const plans = Object.entries(r).filter(([, v]: [string, any]) => v.Type === 'AWS::Backup::BackupPlan') as [string, any][];
    expect(plans.map(([id, v]) => [id, v.Properties.BackupPlan.BackupPlanName])).toEqual([
      ['BackupPlanLedgerDdb', 'drc-shop-ledger-ddb'],
      ['BackupPlanMediaEbs', 'drc-shop-media-ebs'],
    ]);
    const rulesOf = (id: string) => (r[id]!.Properties.BackupPlan.BackupPlanRule as any[]).map((x) => x.RuleName);
    expect(rulesOf('BackupPlanLedgerDdb')).toEqual(['ledger-ddb', 'ledger-ddb-continuous']);
    expect(rulesOf('BackupPlanMediaEbs')).toEqual(['media-ebs', 'media-ebs-2']);
    expect(r.BackupSelectionLedgerDdb!.Properties.BackupPlanId).toEqual({ Ref: 'BackupPlanLedgerDdb' });
    expect(r.BackupSelectionMediaEbs!.Properties.BackupPlanId).toEqual({ Ref: 'BackupPlanMediaEbs' });
    const planRules = plans.flatMap(([, v]) => v.Properties.BackupPlan.BackupPlanRule as any[]);
    const rule = (name: string) => planRules.find((x) => x.RuleName === name);
    expect(rule('ledger-ddb').ScheduleExpression).toBe('cron(0 */4 ? * * *)');
    expect(rule('ledger-ddb').Lifecycle).toEqual({ MoveToColdStorageAfterDays: 90, DeleteAfterDays: 400 });
    expect(rule('ledger-ddb').CopyActions.map((c: any) => c.DestinationBackupVaultArn['Fn::Sub'])).toEqual([
      'arn:${AWS::Partition}:backup:eu-west-1:${AWS::AccountId}:backup-vault:drc-shop-gold',
      'arn:${AWS::Partition}:backup:us-west-2:${AWS::AccountId}:backup-vault:drc-shop-gold',
    ]);
    expect(rule('ledger-ddb-continuous')).toMatchObject({ EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } });
    expect(rule('ledger-ddb-continuous').CopyActions).toBeUndefined();
    // day-of-month OR Sunday: two AWS rules
    expect(rule('media-ebs').ScheduleExpression).toBe('cron(0 3 1,15 * ? *)');
    expect(rule('media-ebs-2').ScheduleExpression).toBe('cron(0 3 ? * 1 *)');
    expect(rule('media-ebs').Lifecycle).toEqual({ DeleteAfterDays: 14 }); // no cold storage on scratch
    // vault lock on the immutable tier: min ≤ every DeleteAfterDays
    const lock = r.BackupVaultGold!.Properties.LockConfiguration;
    expect(lock).toEqual({ MinRetentionDays: 35, ChangeableForDays: 3 });
    for (const pr of planRules.filter((x) => x.TargetBackupVault.Ref === 'BackupVaultGold')) {
      expect(pr.Lifecycle.DeleteAfterDays).toBeGreaterThanOrEqual(lock.MinRetentionDays);
    }
    expect(r.BackupVaultSilver!.Properties.LockConfiguration).toBeUndefined();
    expect(r.BackupSelectionLedgerDdb!.Properties.BackupSelection.Resources).toEqual(['arn:aws:dynamodb:us-east-1:111122223333:table/ledger']);
    // Two tags must both match: Conditions (AND) on every resource, not ListOfTags (OR).
    const media = r.BackupSelectionMediaEbs!.Properties.BackupSelection;
    expect(media.ListOfTags).toBeUndefined();
    expect(media.Resources).toEqual(['*']);
    expect(media.Conditions).toEqual({
      StringEquals: [
        { ConditionKey: 'aws:ResourceTag/backup', ConditionValue: 'media' },
        { ConditionKey: 'aws:ResourceTag/env', ConditionValue: 'prod' },
      ],
    });
    const alarm = r.AlarmGoldBackupJobsFailed!.Properties;
    expect(alarm).toMatchObject({ Namespace: 'AWS/Backup', MetricName: 'NumberOfBackupJobsFailed', Dimensions: [{ Name: 'BackupVaultName', Value: { Ref: 'BackupVaultGold' } }] });
  });
});

describe('aws emitter: CloudFormation quotas', () => {
  const resources = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`R${i}`, { Type: 'AWS::S3::Bucket' }]));

  it('stackLimitWarning names each quota a template exceeds, and nothing at the limits', () => {
    expect(CLOUDFORMATION_LIMITS).toEqual({ bodyBytes: 1_000_000, resources: 500, outputs: 200, parameters: 200 });
    const atLimits = { Resources: resources(500), Outputs: resources(200), Parameters: resources(200) };
    expect(stackLimitWarning(atLimits, 'x'.repeat(1_000_000))).toBeNull();
    const over = stackLimitWarning({ ...atLimits, Resources: resources(501) }, 'x');
    expect(over).toMatch(/^501 resources \(at most 500\): CloudFormation cannot deploy this stack\./);
    expect(stackLimitWarning({ Outputs: resources(201) }, 'x')).toMatch(/^201 outputs \(at most 200\)/);
    expect(stackLimitWarning({ Parameters: resources(201) }, 'x')).toMatch(/^201 parameters \(at most 200\)/);
    // Bytes, not characters: 500,001 two-byte characters are 1,000,002 bytes.
    expect(stackLimitWarning({ Resources: resources(1) }, 'é'.repeat(500_001))).toMatch(/^1,000,002 bytes \(at most 1,000,000\):/);
    expect(stackLimitWarning({ Resources: resources(501) }, 'x'.repeat(1_000_001))).toMatch(/^1,000,001 bytes \(at most 1,000,000\), 501 resources \(at most 500\):/);
  });

  it('a stack over the quotas is written with a warning that gives its real size and resource count; smaller ones get none', async () => {
    expect(artifacts.some((a) => a.warning)).toBe(false);
    expect(build(load(readFileSync(join('examples', 'acme', 'drc.yaml'), 'utf8'))).some((a) => a.warning)).toBe(false);
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const large = build(load(generatePolicy(1300)));
    const stack = byPath(large, 'aws/cloudformation/backup-stack.yaml');
    const count = Object.keys(parse(stack.content).Resources).length;
    const bytes = Buffer.byteLength(stack.content);
    expect(count).toBeGreaterThan(500);
    expect(bytes).toBeGreaterThan(1_000_000);
    expect(stack.warning).toContain(`${bytes.toLocaleString('en-US')} bytes (at most 1,000,000), ${count} resources (at most 500)`);
    // The replica stack (no AWS Backup plans) is under both.
    const replica = byPath(large, 'aws/cloudformation/replica-us-west-2.yaml');
    expect(Buffer.byteLength(replica.content)).toBeLessThan(1_000_000);
    expect(replica.warning).toBeUndefined();
    expect(large.filter((a) => a.warning).map((a) => a.path)).toEqual(['aws/cloudformation/backup-stack.yaml']);
  });
});

describe('aws emitter: IAM', () => {
  const doc = (name: string) => JSON.parse(byPath(artifacts, `aws/iam/${name}.json`).content) as PolicyDocument;

  it('(e) the writer cannot delete and is scoped to the service prefixes', () => {
    const writer = doc('backup-writer');
    expect(writer.Version).toBe('2012-10-17');
    const allows = writer.Statement.filter((s) => s.Effect === 'Allow');
    for (const s of allows) for (const a of s.Action) expect(a).not.toMatch(/^s3:Delete|^s3:\*|^\*$|PutLifecycle|BypassGovernance/);
    const objectResources = allows.filter((s) => s.Action.includes('s3:PutObject')).flatMap((s) => s.Resource);
    expect(objectResources.sort()).toEqual(
      [
        'arn:aws:s3:::shop-backups-euw1/shop/cluster/*',
        'arn:aws:s3:::shop-backups-euw1/shop/orders-db/*',
        'arn:aws:s3:::shop-backups-use1/shop/cluster/*',
        'arn:aws:s3:::shop-backups-use1/shop/orders-db/*',
        'arn:aws:s3:::shop-backups-usw2/shop/cluster/*',
        'arn:aws:s3:::shop-backups-usw2/shop/orders-db/*',
        'arn:aws:s3:::shop-scratch-use1/shop/static-files/*',
        'arn:aws:s3:::shop-scratch-usw2/shop/static-files/*',
      ].sort(),
    );
    for (const s of allows.filter((x) => x.Action.includes('s3:ListBucket'))) {
      expect(s.Condition?.StringLike?.['s3:prefix']?.every((p) => /^shop\/[a-z0-9-]+\/\*?$/.test(p))).toBe(true);
    }
    const deny = writer.Statement.find((s) => s.Effect === 'Deny')!;
    expect(deny.Action).toEqual(expect.arrayContaining(['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutLifecycleConfiguration', 's3:BypassGovernanceRetention']));
    expect(allows.flatMap((s) => s.Action)).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Encrypt']));
  });

  it('the reader only reads, and verify-reader has the configuration reads drc verify needs', () => {
    const reader = doc('restore-reader');
    for (const s of reader.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const a of s.Action) expect(a).toMatch(/^s3:(Get|List|RestoreObject)|^kms:Decrypt$/);
    }
    const verify = doc('verify-reader');
    expect(verify.Statement.flatMap((s) => s.Action)).toEqual(
      expect.arrayContaining([
        's3:GetBucketVersioning',
        's3:GetEncryptionConfiguration',
        's3:GetBucketObjectLockConfiguration',
        's3:GetReplicationConfiguration',
        's3:GetLifecycleConfiguration',
        's3:ListBucket',
        's3:GetObject',
        's3:GetObjectTagging',
        's3:GetBucketLocation',
      ]),
    );
    for (const s of verify.Statement) for (const a of s.Action) expect(a).toMatch(/^s3:(Get|List)|^kms:Decrypt$/);
  });

  it('standalone documents are identical to the CloudFormation managed policies', () => {
    const r = (parse(byPath(artifacts, 'aws/cloudformation/backup-stack.yaml').content) as any).Resources;
    expect(r.BackupWriterPolicy.Properties.PolicyDocument).toEqual(doc('backup-writer'));
    expect(r.RestoreReaderPolicy.Properties.PolicyDocument).toEqual(doc('restore-reader'));
    expect(r.VerifyReaderPolicy.Properties.PolicyDocument).toEqual(doc('verify-reader'));
    expect(doc('backup-writer')).toEqual(backupWriterPolicy(policy));
  });

  it('every document fits in a managed policy: past about 30 services the roles get the policy prefix, not each service prefix', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const sizes = (documents: Artifact[]) =>
      documents.filter((a) => a.path.startsWith('aws/iam/')).map((a) => ({ path: a.path, document: JSON.parse(a.content) as PolicyDocument }));
    // The small policy keeps one grant per service prefix.
    for (const { document } of sizes(artifacts)) expect(policySize(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    expect(doc('backup-writer').Statement[0]!.Resource).toContain('arn:aws:s3:::shop-backups-use1/shop/orders-db/*');
    for (const n of [20, 200]) {
      const big = load(generatePolicy(n));
      const files = sizes(build(big));
      expect(files.map((f) => f.path)).toEqual(['aws/iam/backup-writer.json', 'aws/iam/restore-reader.json', 'aws/iam/verify-reader.json']);
      for (const { document } of files) {
        expect(policySize(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
        // IAM counts no whitespace: compact JSON is the size it sees.
        expect(JSON.stringify(document).replace(/\s/g, '').length).toBe(policySize(document));
      }
      const writer = files[0]!.document;
      const objects = writer.Statement.filter((s) => s.Effect === 'Allow' && s.Action.includes('s3:PutObject')).flatMap((s) => s.Resource);
      const reader = files[1]!.document.Statement.filter((s) => s.Action.includes('s3:GetObject')).flatMap((s) => s.Resource);
      if (n === 20) {
        // Still one grant per service prefix and bucket.
        expect(objects.length).toBeGreaterThan(20);
        for (const arn of objects) expect(arn).toMatch(new RegExp(`^arn:aws:s3:::[a-z0-9.-]+/bench-${n}/svc-\\d+/\\*$`));
      } else {
        // Every service prefix would be ~13,000 characters: each bucket grants the policy's prefix instead.
        expect(objects).toEqual(['arn:aws:s3:::bench-backups-use1/bench-200/*', 'arn:aws:s3:::bench-backups-usw2/bench-200/*']);
        expect(reader).toEqual(objects);
        for (const s of writer.Statement.filter((x) => x.Action.includes('s3:ListBucket'))) {
          expect(s.Condition?.StringLike?.['s3:prefix']).toEqual(['bench-200/', 'bench-200/*']);
        }
      }
      // Never a delete, whichever form.
      for (const s of writer.Statement.filter((x) => x.Effect === 'Allow')) for (const a of s.Action) expect(a).not.toMatch(/Delete/);
    }
  });

  it('KMS aliases are matched with kms:ResourceAliases, key ARNs directly', () => {
    expect(kmsKeyResource('alias/x', 'us-west-2')).toEqual({ resource: 'arn:aws:kms:us-west-2:*:key/*', alias: 'alias/x' });
    expect(kmsKeyResource('arn:aws:kms:us-west-2:1:alias/x', 'us-west-2')).toEqual({ resource: 'arn:aws:kms:us-west-2:*:key/*', alias: 'alias/x' });
    expect(kmsKeyResource('arn:aws:kms:us-east-1:1:key/k', 'us-east-1')).toEqual({ resource: 'arn:aws:kms:us-east-1:1:key/k', alias: null });
    const aliasStatement = doc('backup-writer').Statement.find((s) => s.Condition?.['ForAnyValue:StringEquals'])!;
    expect(aliasStatement.Condition).toEqual({
      StringEquals: { 'kms:ViaService': ['s3.us-west-2.amazonaws.com'] },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/shop-backup-usw2'] },
    });
  });
});

describe('bucket configuration in S3 API shapes (for drc verify)', () => {
  it('versioning, encryption, object lock and replication', () => {
    const vault = policy.storage.get('vault')!;
    const scratch = policy.storage.get('scratch')!;
    expect(bucketVersioning()).toEqual({ Status: 'Enabled' });
    expect(bucketEncryption(policy, vault, 'shop-backups-euw1')).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab' }, BucketKeyEnabled: true }],
    });
    expect(objectLockConfiguration(scratch)).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } } });
    const repl = replicationConfiguration(policy, scratch, 'arn:aws:iam::1:role/r')!;
    expect(repl).toEqual({
      Role: 'arn:aws:iam::1:role/r',
      Rules: [
        {
          ID: 'drc-replicate-to-shop-scratch-usw2',
          Priority: 1,
          Status: 'Enabled',
          Filter: { Prefix: 'shop/' },
          DeleteMarkerReplication: { Status: 'Disabled' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          Destination: { Bucket: 'arn:aws:s3:::shop-scratch-usw2', EncryptionConfiguration: { ReplicaKmsKeyID: 'alias/shop-backup-usw2' } },
        },
      ],
    });
  });

  it('rule IDs never repeat, whatever the services are called (x and x-daily, restore-tests, bucket-cleanup, expire-after)', () => {
    const service = (name: string, extra = '') => `  ${name}:\n    tier: t\n    owner: me\n    environment: development\n    kind: files\n    paths: [/srv/${name}]\n    schedule: daily\n${extra}`;
    const keep = '    retention: { keep: { daily: 7, weekly: 4 } }\n';
    const p = load(`version: 1
name: tiny
regions: { primary: eu-central-1 }
encryption: { at_rest: AES256, client_side: { method: age, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] } }
storage:
  only: { type: s3, bucket: tiny-backups, region: eu-central-1, expire_after: 3650d }
tiers:
  t: { rto: 24h, rpo: 24h, retention: 7d, restore_test: monthly }
services:
${service('x', keep)}${service('x-daily')}${service('restore-tests')}${service('bucket-cleanup')}${service('expire-after')}`);
    const ids = lifecycleConfiguration(p, p.storage.get('only')!, 'tiny-backups').Rules.map((r) => r.ID);
    for (const id of ['drc-x', 'drc-x.daily', 'drc-x.weekly', 'drc-x-daily', 'drc-restore-tests', 'drc-bucket-cleanup', 'drc-expire-after']) expect(ids).toContain(id);
    for (const id of ['drc.restore-tests', 'drc.expire-after', 'drc.bucket-cleanup']) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('AES256 without KMS, no object lock, no replication without replicas', () => {
    const p = load(`version: 1
name: tiny
regions: { primary: eu-central-1 }
encryption: { at_rest: AES256, client_side: { method: age, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] } }
storage:
  only: { type: s3, bucket: tiny-backups, region: eu-central-1 }
tiers:
  t: { rto: 24h, rpo: 24h, retention: 7d, restore_test: monthly }
services:
  docs:
    tier: t
    owner: me
    environment: development
    kind: files
    paths: [/srv/docs]
    schedule: daily
`);
    const only = p.storage.get('only')!;
    expect(bucketEncryption(p, only, 'tiny-backups')).toEqual({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(objectLockConfiguration(only)).toBeNull();
    expect(replicationConfiguration(p, only, 'x')).toBeNull();
    expect(lifecycleConfiguration(p, only, 'tiny-backups').Rules.map((r) => r.ID)).toEqual(['drc-docs', 'drc.restore-tests', 'drc.bucket-cleanup']);
    expect(lifecycleConfiguration(p, only, 'tiny-backups').Rules[0]).toEqual({
      ID: 'drc-docs',
      Status: 'Enabled',
      Filter: { Prefix: 'tiny/docs/2' },
      Expiration: { Days: 7 },
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
    const files = build(p).map((a) => a.path);
    expect(files).toContain('aws/s3-lifecycle/tiny-backups.json');
    expect(files).not.toContain('aws/cloudformation/replica-eu-central-1.yaml');
  });
});

describe('policies without S3 storage', () => {
  it('AWS Backup only: a stack with the plan, copy vaults in the secondary region, no bucket files', () => {
    const p = load(`version: 1
name: ab
regions: { primary: us-east-1, secondary: [us-west-2] }
encryption: { at_rest: aws:kms, kms_key: alias/ab, replica_kms_keys: { us-west-2: alias/ab-usw2 } }
tiers:
  t: { rto: 24h, rpo: 24h, retention: 7d, restore_test: monthly }
services:
  table:
    tier: t
    owner: me
    environment: development
    kind: aws-backup
    resources: { tags: { backup: 'yes' } }
    schedule: every 90m
`);
    const out = build(p);
    expect(out.map((a) => a.path)).toEqual(['aws/cloudformation/backup-stack.yaml', 'aws/cloudformation/replica-us-west-2.yaml']);
    const stack = parse(out[0]!.content);
    const rule = stack.Resources.BackupPlanTable.Properties.BackupPlan.BackupPlanRule[0];
    expect(rule.ScheduleExpression).toBe('cron(0 * ? * * *)');
    expect(rule.Lifecycle).toEqual({ DeleteAfterDays: 7 });
    // 'yes' must stay a string under YAML 1.1
    expect(out[0]!.content).toContain('ConditionValue: "yes"');
    expect(Object.keys(parse(out[1]!.content).Resources)).toEqual(['BackupVaultT']);
  });

  it('nothing to deploy: no files', () => {
    const p = lintText(`version: 1
name: empty
regions: { primary: us-east-1 }
tiers: {}
services: {}
`, 'drc.yaml').policy!;
    expect(build(p)).toEqual([]);
  });
});

describe('(d) cron conversion (5-field → AWS 6-field)', () => {
  it.each([
    ['0 5 * * *', 'cron(0 5 ? * * *)'],
    ['30 2 * * 1-5', 'cron(30 2 ? * 2-6 *)'],
    ['0 3 1 * *', 'cron(0 3 1 * ? *)'],
    ['0 */6 * * *', 'cron(0 */6 ? * * *)'],
    ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 7', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 5-7', 'cron(0 0 ? * 1,6,7 *)'],
    ['0 0 * * sat,sun', 'cron(0 0 ? * 1,7 *)'],
    ['0 0 * * MON-FRI', 'cron(0 0 ? * 2-6 *)'],
    ['0 0 * * */2', 'cron(0 0 ? * 1,3,5,7 *)'],
    ['0 0 * * 0-6', 'cron(0 0 ? * * *)'],
    ['15 4 1 jan *', 'cron(15 4 1 JAN ? *)'],
    ['0 12 1-7 */3 *', 'cron(0 12 1-7 */3 ? *)'],
  ])('%s → %s', (cron, aws) => {
    expect(toAwsCron(cron)).toBe(aws);
    // exactly one of day-of-month / day-of-week is "?"
    const fields = aws.slice(5, -1).split(' ');
    expect(fields).toHaveLength(6);
    expect([fields[2], fields[4]].filter((f) => f === '?')).toHaveLength(1);
  });

  it('splits a cron restricting both day-of-month and day-of-week into two expressions', () => {
    expect(awsCronExpressions('0 3 1,15 * 0')).toEqual(['cron(0 3 1,15 * ? *)', 'cron(0 3 ? * 1 *)']);
    expect(() => toAwsCron('0 3 1,15 * 0')).toThrow(CronConversionError);
  });

  it('rejects malformed crons', () => {
    expect(() => toAwsCron('0 5 * *')).toThrow(CronConversionError);
    expect(() => toAwsCron('0 5 * * 8')).toThrow(CronConversionError);
    expect(() => toAwsCron('0 5 * * mon;rm')).toThrow(CronConversionError);
  });

  it('never schedules AWS Backup more often than hourly, nor less often than asked', () => {
    const s = (cron: string | null, minGap: number, interval: number | null = null) => ({ cron, minGapSeconds: minGap, maxGapSeconds: interval ?? minGap, intervalSeconds: interval });
    expect(backupScheduleExpressions(s('*/15 * * * *', 900))).toEqual(['cron(0 * ? * * *)']);
    expect(backupScheduleExpressions(s(null, 5400, 5400))).toEqual(['cron(0 * ? * * *)']); // every 90m
    expect(backupScheduleExpressions(s(null, 5 * 3600, 5 * 3600))).toEqual(['cron(0 */4 ? * * *)']); // every 5h
    expect(backupScheduleExpressions(s(null, 36 * 3600, 36 * 3600))).toEqual(['cron(0 0 ? * * *)']); // every 36h
    expect(backupScheduleExpressions(s('0 2 * * *', 86400))).toEqual(['cron(0 2 ? * * *)']);
  });
});

describe('(d) grandfather-father-son', () => {
  const d = (s: string) => new Date(s);
  it('gfsTagFor: the first backup of a year, month, ISO week, day', () => {
    expect(gfsTagFor(d('2025-03-05T10:00:00Z'), null)).toBe('yearly');
    expect(gfsTagFor(d('2025-01-01T00:30:00Z'), d('2024-12-31T23:30:00Z'))).toBe('yearly');
    expect(gfsTagFor(d('2025-02-01T00:00:00Z'), d('2025-01-31T23:00:00Z'))).toBe('monthly');
    // 2025-03-10 is a Monday
    expect(gfsTagFor(d('2025-03-10T00:00:00Z'), d('2025-03-09T23:59:59Z'))).toBe('weekly');
    expect(gfsTagFor(d('2025-03-11T00:00:00Z'), d('2025-03-10T23:00:00Z'))).toBe('daily');
    expect(gfsTagFor(d('2025-03-11T05:00:00Z'), d('2025-03-11T04:00:00Z'))).toBe('hourly');
    // a gap spanning a whole week is still "first of its week"
    expect(gfsTagFor(d('2025-03-20T12:00:00Z'), d('2025-03-11T04:00:00Z'))).toBe('weekly');
    // ISO week 1 of 2026 starts Monday 2025-12-29; the year check comes first
    expect(gfsTagFor(d('2026-01-01T01:00:00Z'), d('2025-12-30T01:00:00Z'))).toBe('yearly');
    expect(gfsTagFor(d('2026-01-02T01:00:00Z'), d('2026-01-01T01:00:00Z'))).toBe('daily');
    // UTC, not local time: 23:30 and 00:30 UTC are different days
    expect(gfsTagFor(d('2025-03-12T00:30:00Z'), d('2025-03-11T23:30:00Z'))).toBe('daily');
    expect(gfsTagFor(d('2025-03-12T00:30:00+02:00'), d('2025-03-11T21:30:00Z'))).toBe('hourly');
  });

  it('spans and per-tag expiry', () => {
    expect([gfsSpanDays('hourly', 24), gfsSpanDays('hourly', 25), gfsSpanDays('hourly', 1)]).toEqual([1, 2, 1]);
    expect([gfsSpanDays('daily', 30), gfsSpanDays('weekly', 8), gfsSpanDays('monthly', 12), gfsSpanDays('yearly', 7)]).toEqual([30, 56, 360, 2555]);
    expect(gfsExpirationDays({ hourly: 24, daily: 30, monthly: 13 }, 10_000)).toEqual([
      { period: 'hourly', days: 1 },
      { period: 'daily', days: 30 },
      { period: 'weekly', days: 30 },
      { period: 'monthly', days: 390 },
      { period: 'yearly', days: 390 },
    ]);
    expect(gfsExpirationDays({ yearly: 2 }, 400).map((x) => x.days)).toEqual([1, 1, 1, 1, 400]);
  });

  it('the shell version in docs/gfs-retention.md agrees with gfsTagFor', async () => {
    const doc = readFileSync(join(__dirname, '../../docs/gfs-retention.md'), 'utf8');
    const fn = /^gfs_tag\(\) \{[\s\S]*?^\}$/m.exec(doc)?.[0];
    expect(fn).toBeDefined();
    const cases: [number, number | null][] = [[Date.UTC(2025, 0, 1, 0, 30) / 1000, null]];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 120; i++) {
      const t = 1_600_000_000 + (rnd() % 300_000_000);
      cases.push([t, t - (rnd() % [40_000_000, 900_000, 90_000][i % 3]!)]);
    }
    const script = `${fn}\n${cases.map(([t, p]) => `gfs_tag ${t} ${p ?? ''}`).join('\n')}\n`;
    const r = await runOk(requireTool('bash'), ['-c', script]);
    const want = cases.map(([t, p]) => gfsTagFor(new Date(t * 1000), p === null ? null : new Date(p * 1000)));
    expect(r.stdout.trim().split('\n')).toEqual(want);
    expect(new Set(want).size).toBe(5);
  });
});
