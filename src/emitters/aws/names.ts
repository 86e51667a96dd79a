/** Small helpers shared by the AWS artifacts. */
import type { Policy, Service } from '../../model/types.js';
import { byName } from '../layout.js';

export const DAY_SECONDS = 86_400;

/** Whole days, rounded up, at least 1. */
export function ceilDays(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / DAY_SECONDS));
}

/** Services whose backups are objects in S3 buckets (everything except AWS Backup services). */
export function writesToS3(service: Service): boolean {
  return service.kind !== 'aws-backup' && service.storage !== null;
}

export function sortedServices(policy: Policy): Service[] {
  return [...policy.services].sort(byName);
}

export function s3BucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}
