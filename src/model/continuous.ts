/**
 * Which service kinds have a continuous mechanism (policy-language.md §4): WAL archiving for
 * postgresql (`continuous: true` is the same as `postgresql.pitr: true`), versioning with replication
 * for s3-bucket, and for aws-backup the continuous-backup rule (point-in-time recovery) the
 * CloudFormation stack adds to the service's plan (docs/artifacts/aws.md; AWS supports it for RDS,
 * Aurora, S3 and SAP HANA). On any other kind `continuous: true` names nothing that could meet an RPO,
 * so it must not stand in for the schedule.
 */
import type { Service, ServiceKind } from './types.js';

export const CONTINUOUS_MECHANISMS: Readonly<Partial<Record<ServiceKind, string>>> = {
  postgresql: 'WAL archiving',
  's3-bucket': 'versioning with replication',
  'aws-backup': 'AWS Backup continuous backup',
};

/** The kind's continuous mechanism in words, or null when the policy language gives it none. */
export function continuousMechanismOf(kind: ServiceKind): string | null {
  return Object.hasOwn(CONTINUOUS_MECHANISMS, kind) ? CONTINUOUS_MECHANISMS[kind]! : null;
}

/** True when the service declares continuous protection and its kind has a mechanism that provides it. */
export function hasContinuousMechanism(service: Service): boolean {
  return service.continuous?.value === true && continuousMechanismOf(service.kind) !== null;
}

/** True when `continuous: true` is declared on a kind with no continuous mechanism, so it counts for nothing. */
export function declaresUnsupportedContinuous(service: Service): boolean {
  return service.continuous?.value === true && continuousMechanismOf(service.kind) === null;
}
