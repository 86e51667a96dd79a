/** Small naming helpers shared by the AWS artifacts: AWS length limits, deterministic truncation. */
import { createHash } from 'node:crypto';
import type { Policy, Service } from '../../model/types.js';

/** `name` when it fits in `max` characters, else a prefix plus an 8-hex hash of the whole name. */
export function fit(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/[-_.]+$/, '')}-${hash}`;
}

export const DAY_SECONDS = 86_400;

/** Whole days, rounded up, at least 1. */
export function ceilDays(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / DAY_SECONDS));
}

/** Services whose backups are objects in S3 buckets (everything except AWS Backup services). */
export function writesToS3(service: Service): boolean {
  return service.kind !== 'aws-backup' && service.storage !== null;
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function sortedServices(policy: Policy): Service[] {
  return [...policy.services].sort(byName);
}

export function s3BucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}
