/**
 * Every artifact that names a KMS key names the same one for a bucket: its default encryption (S3 API
 * and CloudFormation), the scripts' uploads and Velero's storage location. A storage target outside the
 * policy's primary region is where they used to disagree.
 */
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { buildPolicy } from '../../src/build/index.js';

const POLICY = `version: 1
name: keys
owner: sre@keys.example
regions:
  primary: us-east-1
  secondary: [us-west-2, eu-west-1]
encryption:
  at_rest: aws:kms
  kms_key: arn:aws:kms:us-east-1:111122223333:key/primary
  replica_kms_keys:
    us-west-2: arn:aws:kms:us-west-2:111122223333:key/west
    eu-west-1: arn:aws:kms:eu-west-1:111122223333:key/eu
  client_side: { method: age, recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] }
storage:
  east:
    type: s3
    bucket: keys-east-use1
    region: us-east-1
    replicas:
      - { bucket: keys-east-euw1, region: eu-west-1 }
  west:
    type: s3
    bucket: keys-west-usw2
    region: us-west-2
    replicas:
      - { bucket: keys-west-use1, region: us-east-1 }
      - { bucket: keys-west-euw1, region: eu-west-1 }
tiers:
  t1: { title: T, rto: 8h, rpo: 24h, retention: 30d, restore_test: monthly }
services:
  files-east:
    kind: files
    paths: [/srv]
    tier: t1
    owner: team
    schedule: daily at 02:00
    storage: east
  files-west:
    kind: files
    paths: [/srv]
    tier: t1
    owner: team
    schedule: daily at 02:00
    storage: west
  cluster-west:
    kind: kubernetes
    namespaces: { include: [app] }
    tier: t1
    owner: team
    schedule: daily at 03:00
    storage: west
`;

const EXPECTED: Record<string, string> = {
  'keys-east-use1': 'arn:aws:kms:us-east-1:111122223333:key/primary',
  'keys-east-euw1': 'arn:aws:kms:eu-west-1:111122223333:key/eu',
  'keys-west-usw2': 'arn:aws:kms:us-west-2:111122223333:key/west',
  'keys-west-use1': 'arn:aws:kms:us-east-1:111122223333:key/primary',
  'keys-west-euw1': 'arn:aws:kms:eu-west-1:111122223333:key/eu',
};

/** `NAME=('a' 'b' )` in a generated script's settings. */
function shellArray(script: string, name: string): string[] {
  const line = script.split('\n').find((l) => l.startsWith(`${name}=(`));
  expect(line, name).toBeDefined();
  return [...line!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

describe('KMS keys: one key per bucket, whichever artifact names it', async () => {
  const { lint, artifacts } = await buildPolicy(POLICY, 'drc.yaml');
  const file = (path: string) => artifacts.find((a) => a.path === path)?.content ?? '';

  it('lints clean (no replica-kms-key finding: each region has its key)', () => {
    expect(lint.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('the S3 API bucket encryption of each bucket (what drc verify expects)', () => {
    const stacks = artifacts.filter((a) => a.path.startsWith('aws/cloudformation/'));
    const found: Record<string, string> = {};
    for (const stack of stacks) {
      for (const resource of Object.values((parse(stack.content) as { Resources: Record<string, any> }).Resources)) {
        if (resource.Type !== 'AWS::S3::Bucket') continue;
        found[resource.Properties.BucketName] = resource.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
      }
    }
    expect(found).toEqual(EXPECTED);
  });

  it('the scripts upload to each bucket with that bucket\'s key', () => {
    for (const service of ['files-east', 'files-west']) {
      const backup = file(`scripts/${service}/backup.sh`);
      const buckets = shellArray(backup, 'DRC_BUCKETS');
      const keys = shellArray(backup, 'DRC_SSE_KMS_KEYS');
      expect(buckets.length).toBeGreaterThan(1);
      expect(Object.fromEntries(buckets.map((b, i) => [b, keys[i]]))).toEqual(Object.fromEntries(buckets.map((b) => [b, EXPECTED[b]])));
    }
  });

  it('Velero\'s storage locations use each bucket\'s key', () => {
    const locations = parseAllDocuments(file('kubernetes/velero/storage-locations.yaml')).map((d) => d.toJS() as any);
    const bsl = locations.filter((l) => l.kind === 'BackupStorageLocation');
    expect(bsl.map((l) => l.spec.objectStorage.bucket).sort()).toEqual(['keys-west-euw1', 'keys-west-use1', 'keys-west-usw2']);
    for (const l of bsl) expect(l.spec.config.kmsKeyId, l.spec.objectStorage.bucket).toBe(EXPECTED[l.spec.objectStorage.bucket]);
  });
});
