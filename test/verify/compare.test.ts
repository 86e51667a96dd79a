// Semantic comparison of live bucket configuration with the build's (no server needed).
import { describe, expect, it } from 'vitest';
import {
  bucketEncryption,
  lifecycleConfiguration,
  objectLockConfiguration,
  replicationConfiguration,
} from '../../src/emitters/aws/bucket-config.js';
import {
  compareEncryption,
  compareLifecycle,
  compareObjectLock,
  compareReplication,
  compareVersioning,
  normalizeKmsKey,
} from '../../src/verify/compare.js';
import { limiter, mapLimit } from '../../src/verify/limit.js';
import { formatAge, recordTime, stampTime } from '../../src/verify/index.js';
import { VERIFY_RULES } from '../../src/verify/rules.js';
import { modelOf, policyText } from './helpers.js';

const { text, primary, replica } = policyText({ primary: 'p-bucket', replica: 'r-bucket' });
const policy = modelOf(text);
const storage = policy.storage.get('backups')!;

describe('versioning', () => {
  it('Enabled matches; Suspended and never-set differ', () => {
    expect(compareVersioning({ Status: 'Enabled' }, { Status: 'Enabled', MFADelete: 'Disabled' })).toEqual([]);
    expect(compareVersioning({ Status: 'Enabled' }, { Status: 'Suspended' })).toEqual(['versioning is Suspended, expected Enabled']);
    expect(compareVersioning({ Status: 'Enabled' }, {})).toEqual(['versioning is not enabled (never set), expected Enabled']);
  });
});

describe('encryption', () => {
  const expected = bucketEncryption(policy, storage, replica!);
  it('accepts the key as an alias ARN and ignores extra fields', () => {
    const actual = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:us-west-2:123456789012:alias/vt-backup-usw2' }, BucketKeyEnabled: true }] };
    expect(compareEncryption(expected, actual)).toEqual([]);
    expect(normalizeKmsKey('1234abcd-12ab-34cd-56ef-1234567890ab')).toBe('key/1234abcd-12ab-34cd-56ef-1234567890ab');
  });
  it('reports a wrong key, AES256, no configuration and a missing bucket key', () => {
    const wrong = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/other' }, BucketKeyEnabled: true }] };
    expect(compareEncryption(expected, wrong)).toEqual(['default encryption is aws:kms with key alias/other, expected aws:kms with key alias/vt-backup-usw2']);
    expect(compareEncryption(expected, { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] })[0]).toMatch(/is AES256 \(SSE-S3\), expected aws:kms/);
    expect(compareEncryption(expected, null)[0]).toMatch(/is none, expected aws:kms with key alias\/vt-backup-usw2/);
    const noBucketKey = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/vt-backup-usw2' } }] };
    expect(compareEncryption(expected, noBucketKey)).toEqual(['S3 Bucket Key is off, expected on']);
  });
  it('an AES256 policy is met by the SSE-S3 baseline', () => {
    expect(compareEncryption({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] }, null)).toEqual([]);
  });
});

describe('object lock', () => {
  const expected = objectLockConfiguration(storage)!;
  it("ignores moto's Years: 0 and compares Years as 365 days", () => {
    expect(compareObjectLock(expected, { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7, Years: 0 } } }).diffs).toEqual([]);
    const yearly = objectLockConfiguration({ ...storage, objectLock: { mode: 'compliance', days: 365, at: '' } })!;
    expect(compareObjectLock(yearly, { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } }).diffs).toEqual([]);
  });
  it('reports mode, days and absence; an unrequested lock is stricter', () => {
    expect(compareObjectLock(expected, { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } } }).diffs).toEqual(['object lock is GOVERNANCE 3 days, expected GOVERNANCE 7 days']);
    expect(compareObjectLock(expected, null).diffs).toEqual(['object lock is not enabled, expected GOVERNANCE 7 days']);
    expect(compareObjectLock(expected, { ObjectLockEnabled: 'Enabled' }).diffs).toEqual(['object lock is enabled without a default retention, expected GOVERNANCE 7 days']);
    const extra = compareObjectLock(null, { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } } });
    expect(extra).toEqual({ diffs: ['object lock default retention is COMPLIANCE 1 day, expected none'], stricter: true });
    expect(compareObjectLock(null, { ObjectLockEnabled: 'Enabled' }).diffs).toEqual([]);
  });
});

describe('replication', () => {
  const expected = replicationConfiguration(policy, storage, 'arn:aws:iam::1:role/r')!;
  it('ignores role, IDs, priorities, order and a bucket name instead of an ARN', () => {
    const actual = {
      Role: 'arn:aws:iam::999:role/other',
      Rules: [{ ...structuredClone(expected.Rules[0]!), ID: 'renamed', Priority: 9, Destination: { ...expected.Rules[0]!.Destination, Bucket: 'r-bucket' } }],
    };
    expect(compareReplication(expected, actual)).toEqual([]);
  });
  it("accepts moto's round trip (Filter Prefix '' and no SourceSelectionCriteria, with the replica key kept)", () => {
    const rule = expected.Rules[0]!;
    const moto = { Rules: [{ ID: rule.ID, Priority: 1, Status: 'Enabled', DeleteMarkerReplication: { Status: 'Disabled' }, Filter: { Prefix: '' }, Destination: rule.Destination }] };
    expect(compareReplication(expected, moto)).toEqual([]);
  });
  it('reports a disabled rule, a narrower prefix, a wrong key, missing and extra destinations', () => {
    const rule = structuredClone(expected.Rules[0]!) as Record<string, any>;
    rule.Status = 'Disabled';
    rule.Filter = { Prefix: 'vt/app-db/' };
    rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID = 'alias/wrong';
    expect(compareReplication(expected, { Rules: [rule] })).toEqual([
      'rule to r-bucket is Disabled, expected Enabled',
      'rule to r-bucket replicates prefix "vt/app-db/", expected "vt/"',
      'rule to r-bucket re-encrypts with alias/wrong, expected alias/vt-backup-usw2',
    ]);
    const other = { ...structuredClone(expected.Rules[0]!), Destination: { Bucket: 'arn:aws:s3:::elsewhere' } };
    expect(compareReplication(expected, { Rules: [other] })).toEqual(['no replication rule to r-bucket, expected one', `unexpected replication rule "${other.ID}" to elsewhere`]);
    expect(compareReplication(expected, null)).toEqual(['replication is not configured, expected a rule to r-bucket']);
    expect(compareReplication(null, { Rules: [other] })).toEqual(['replication is configured (to elsewhere), expected none']);
  });
});

describe('lifecycle', () => {
  const expected = lifecycleConfiguration(policy, storage, primary);
  it('ignores rule order, TransitionDefaultMinimumObjectSize, a renamed identical rule, and Filter vs rule-level Prefix', () => {
    const actual: Record<string, any> = { TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K', Rules: structuredClone(expected.Rules).reverse() };
    actual.Rules.find((r: any) => r.ID === 'drc-app-db').ID = 'renamed-by-console';
    const cleanup = actual.Rules.find((r: any) => r.ID === 'drc.bucket-cleanup');
    delete cleanup.Filter;
    cleanup.Prefix = '';
    expect(compareLifecycle(expected, actual)).toEqual([]);
  });
  it('reports a changed expiry, a changed transition, a missing rule and an extra rule', () => {
    const rules: Record<string, any>[] = structuredClone(expected.Rules);
    rules.find((r) => r.ID === 'drc-app-db')!.Expiration = { Days: 7 };
    rules.find((r) => r.ID === 'drc-app-files')!.Transitions = [{ Days: 10, StorageClass: 'GLACIER' }];
    const withoutCleanup = rules.filter((r) => r.ID !== 'drc.bucket-cleanup');
    withoutCleanup.push({ ID: 'manual', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } });
    expect(compareLifecycle(expected, { Rules: withoutCleanup })).toEqual([
      'rule drc-app-db: expiration is 7 days, expected 60 days',
      'rule drc-app-files: transitions is GLACIER after 10 days, expected STANDARD_IA after 30 days',
      'rule drc.bucket-cleanup (prefix "", expiration expired delete markers) is missing',
      'unexpected rule manual (prefix "tmp/", expiration 1 day)',
    ]);
    expect(compareLifecycle(expected, null)[0]).toMatch(/^no lifecycle configuration, expected 4 rules \(drc-app-db, drc-app-files, drc.restore-tests, drc.bucket-cleanup\)$/);
  });
});

describe('helpers', () => {
  it('limiter never runs more than max at once', async () => {
    const limit = limiter(3);
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 50 }, () => limit(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
    })));
    expect(peak).toBe(3);
    expect(await mapLimit([1, 2, 3, 4], 2, async (x) => x * 2)).toEqual([2, 4, 6, 8]);
  });
  it('parses stamps and restore-test record names, formats ages', () => {
    expect(new Date(stampTime('20260102T030405Z')).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(recordTime('20260102T030405Z.json')).toBe(stampTime('20260102T030405Z'));
    expect(recordTime('2026-01-02T03:04:05Z.json')).toBe(stampTime('20260102T030405Z'));
    expect(formatAge(3 * 3600 + 12 * 60)).toBe('3h 12m');
    expect(formatAge(45 * 86400)).toBe('45d');
  });
  it('every verify rule has metadata fit for drc explain', () => {
    expect(VERIFY_RULES.map((r) => r.id)).toEqual([
      'drift-versioning', 'drift-encryption', 'drift-object-lock', 'drift-replication', 'drift-lifecycle',
      'backup-missing', 'backup-stale', 'replica-missing', 'backup-corrupt', 'restore-test-stale', 'verify-error',
    ]);
    for (const meta of VERIFY_RULES) {
      expect(meta.sources.length, meta.id).toBeGreaterThan(0);
      expect(meta.examples.failing.trim(), meta.id).not.toBe('');
      expect(meta.examples.passing.trim(), meta.id).not.toBe('');
    }
  });
});
