import { lifecycleRuleCount, servicesInBucket } from '../../emitters/aws/bucket-config.js';
import type { Rule } from '../rule.js';
import { SOURCES } from './storage-facts.js';

/** Rules one bucket's lifecycle configuration may hold (aws-facts §1.2, DRC-S3-005; not adjustable). */
export const MAX_LIFECYCLE_RULES = 1000;

export const rule: Rule = {
  meta: {
    id: 'lifecycle-rule-limit',
    severity: 'error',
    description: 'A storage target\'s bucket would need more than the 1,000 lifecycle rules S3 accepts in one configuration.',
    rationale: [
      '`drc build` writes one S3 lifecycle configuration per bucket (aws/s3-lifecycle/<bucket>.json, and the same rules in the',
      'CloudFormation stack): a rule per service expiring its backup folders at its retention, five tag-filtered rules for a',
      'service with grandfather-father-son `keep:` counts (one per retention tag, hourly to yearly), and two or three rules for',
      'the bucket (the restore-test records of all its services, clean-up, and `expire_after`). S3 accepts at most 1,000',
      'rules in one configuration, a limit that cannot be raised: beyond it `put-bucket-lifecycle-configuration` and the stack',
      'deployment fail, and no backup in the bucket expires.',
      '',
      'The count is the one the build would write for the storage target\'s bucket; its replicas get the same rules. Spread the',
      'services over more storage targets (each with its own buckets).',
    ].join('\n'),
    sources: [SOURCES.lifecycleRules],
    examples: {
      failing: '# 1,200 services in one storage target\nstorage:\n  backups: { type: s3, bucket: acme-backups, region: us-east-1 }\ndefaults:\n  storage: backups\n',
      passing: '# 600 services in each of two storage targets\nstorage:\n  backups-a: { type: s3, bucket: acme-backups-a, region: us-east-1 }\n  backups-b: { type: s3, bucket: acme-backups-b, region: us-east-1 }\n',
    },
  },
  check(policy, report) {
    for (const storage of policy.storage.values()) {
      if (!storage.bucket) continue;
      const services = servicesInBucket(policy, storage.bucket);
      const count = lifecycleRuleCount(storage, services);
      if (count <= MAX_LIFECYCLE_RULES) continue;
      const perService = (count - 2) / services.length;
      const fit = Math.max(1, Math.floor((MAX_LIFECYCLE_RULES - 2) / perService));
      report({
        path: `${storage.at}/bucket`,
        message: `${storage.name}: bucket ${storage.bucket} would need ${count.toLocaleString('en-US')} lifecycle rules for its ${services.length.toLocaleString('en-US')} services; S3 accepts at most 1,000 in one configuration`,
        hint: `spread the services over more storage targets (about ${fit.toLocaleString('en-US')} of these services fit in one bucket)`,
      });
    }
  },
};
