/**
 * The `aws` artifact family (policy-language.md §10):
 * - aws/s3-lifecycle/<bucket>.json   PutBucketLifecycleConfiguration document per bucket
 * - aws/cloudformation/backup-stack.yaml, replica-<region>.yaml
 * - aws/iam/backup-writer.json, restore-reader.json, verify-reader.json
 * See docs/artifacts/aws.md.
 */
import type { Artifact, Emitter } from '../types.js';
import { slug } from '../layout.js';
import { toJson, toYaml } from '../serialize.js';
import { lifecycleConfiguration } from './bucket-config.js';
import { backupStack, replicaStack, stackRegions } from './cloudformation.js';
import { allBuckets, backupWriterPolicy, restoreReaderPolicy, verifyReaderPolicy } from './iam.js';

export { lifecycleConfiguration, bucketEncryption, bucketVersioning, objectLockConfiguration, replicationConfiguration } from './bucket-config.js';
export { gfsTagFor } from './gfs.js';
export { toAwsCron, awsCronExpressions, backupScheduleExpressions } from './cron.js';

/** Bucket names are S3 names ([a-z0-9.-]); anything else never reaches a file name. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const emit: Emitter = ({ policy }) => {
  const artifacts: Artifact[] = [];
  for (const b of allBuckets(policy)) {
    if (!BUCKET_NAME.test(b.bucket)) continue;
    const storage = policy.storage.get(b.storage)!;
    artifacts.push({ path: `aws/s3-lifecycle/${b.bucket}.json`, content: toJson(lifecycleConfiguration(policy, storage, b.bucket), { sort: false }) });
  }
  // A template needs at least one resource: a policy without buckets or AWS Backup services gets no stack.
  const hasResources = (t: Record<string, unknown>) => Object.keys((t.Resources ?? {}) as object).length > 0;
  const [, ...others] = stackRegions(policy);
  const main = backupStack(policy);
  if (hasResources(main)) artifacts.push({ path: 'aws/cloudformation/backup-stack.yaml', content: toYaml(main) });
  for (const region of others) {
    const stack = replicaStack(policy, region);
    if (hasResources(stack)) artifacts.push({ path: `aws/cloudformation/replica-${slug(region)}.yaml`, content: toYaml(stack) });
  }
  const documents: [string, ReturnType<typeof backupWriterPolicy>][] = [
    ['backup-writer', backupWriterPolicy(policy)],
    ['restore-reader', restoreReaderPolicy(policy)],
    ['verify-reader', verifyReaderPolicy(policy)],
  ];
  for (const [name, document] of documents) {
    if (document.Statement.length) artifacts.push({ path: `aws/iam/${name}.json`, content: toJson(document, { sort: false }) });
  }
  return artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
};
