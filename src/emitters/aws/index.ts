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
import { stackLimitWarning } from './limits.js';
import { accessPolicies, allBuckets } from './iam.js';

export { lifecycleConfiguration, bucketEncryption, bucketVersioning, objectLockConfiguration, replicationConfiguration } from './bucket-config.js';
export { gfsTagFor } from './gfs.js';
export { toAwsCron, awsCronExpressions, backupScheduleExpressions } from './cron.js';

/** Bucket names are S3 names ([a-z0-9.-]); anything else never reaches a file name. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** In path order, one file at a time: each large document is written and dropped before the next is built. */
export const emit: Emitter = function* ({ policy }): Iterable<Artifact> {
  // A template needs at least one resource: a policy without buckets or AWS Backup services gets no stack.
  const hasResources = (t: Record<string, unknown>) => Object.keys((t.Resources ?? {}) as object).length > 0;
  const stackArtifact = (path: string, template: Record<string, unknown>): Artifact => {
    const content = toYaml(template);
    const warning = stackLimitWarning(template, content);
    return warning ? { path, content, warning } : { path, content };
  };
  const [, ...others] = stackRegions(policy);
  const main = backupStack(policy);
  if (hasResources(main)) yield stackArtifact('aws/cloudformation/backup-stack.yaml', main);
  for (const region of [...others].sort((a, b) => (slug(a) < slug(b) ? -1 : slug(a) > slug(b) ? 1 : 0))) {
    const stack = replicaStack(policy, region);
    if (hasResources(stack)) yield stackArtifact(`aws/cloudformation/replica-${slug(region)}.yaml`, stack);
  }
  for (const [name, document] of Object.entries(accessPolicies(policy))) {
    if (document.Statement.length) yield { path: `aws/iam/${name}.json`, content: toJson(document, { sort: false }) };
  }
  for (const b of allBuckets(policy).filter((b) => BUCKET_NAME.test(b.bucket))) { // sorted by bucket
    const storage = policy.storage.get(b.storage)!;
    yield { path: `aws/s3-lifecycle/${b.bucket}.json`, content: toJson(lifecycleConfiguration(policy, storage, b.bucket), { sort: false }) };
  }
};
