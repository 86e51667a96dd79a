/**
 * The typed Model (architecture.md): values parsed, effective values computed, and every value
 * keeping the JSON pointer of the node it came from, so findings and emitters never read raw YAML.
 */
import type { Duration, Frequency, Rate, Schedule, Size } from '../parser/value-types.js';
import type { SourceIndex } from '../parser/source.js';

export type { Duration, Frequency, Rate, Schedule, Size };

/** A value together with the JSON pointer of the node that supplied it (service, tier, defaults or policy). */
export interface Sourced<T> {
  value: T;
  /** e.g. /tiers/tier1/rpo when a service inherits its RPO from its tier. */
  at: string;
  /** Where it came from in the inheritance chain. */
  from: 'service' | 'tier' | 'defaults' | 'policy';
}

export type StorageClass =
  | 'STANDARD'
  | 'STANDARD_IA'
  | 'ONEZONE_IA'
  | 'INTELLIGENT_TIERING'
  | 'GLACIER_IR'
  | 'GLACIER'
  | 'DEEP_ARCHIVE';

export const STORAGE_CLASSES: readonly StorageClass[] = [
  'STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE',
];

export type Environment = 'production' | 'staging' | 'development' | 'test';
export type ServiceKind = 'postgresql' | 'mysql' | 'files' | 's3-bucket' | 'kubernetes' | 'aws-backup';
export const SERVICE_KINDS: readonly ServiceKind[] = ['postgresql', 'mysql', 'files', 's3-bucket', 'kubernetes', 'aws-backup'];
/**
 * The service fields that describe what one kind backs up (policy-language.md §4). A service inherits
 * them from `defaults:` only when they belong to its own kind: a `postgresql:` block in `defaults:`
 * does not make a files service continuous.
 */
export const KIND_FIELDS: Readonly<Record<ServiceKind, readonly string[]>> = {
  postgresql: ['postgresql'],
  mysql: ['mysql'],
  files: ['paths', 'exclude'],
  's3-bucket': ['bucket', 'region'],
  kubernetes: ['namespaces', 'label_selector', 'snapshot_volumes'],
  'aws-backup': ['resources', 'arns'],
};
export type GfsPeriod = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
export const GFS_PERIODS: readonly GfsPeriod[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];

export interface Retention {
  /** Explicit `duration`, when given. */
  duration: Duration | null;
  /** Grandfather-father-son counts, when given. */
  keep: Partial<Record<GfsPeriod, number>> | null;
  /** `duration`, else the longest span the counts cover (hourly n = n h, daily n = n d, weekly 7n d, monthly 30n d, yearly 365n d). */
  seconds: number;
}

export interface ClientSideEncryption {
  method: 'age' | 'openssl' | 'none';
  recipients: string[];
  /** openssl: the environment variable that holds the passphrase. */
  passphraseEnv: string | null;
}

export interface Encryption {
  atRest: 'aws:kms' | 'AES256' | 'none';
  kmsKey: string | null;
  replicaKmsKeys: Record<string, string>;
  clientSide: ClientSideEncryption | null;
  /** Pointer of each field's source, keyed by snake_case field name (at_rest, kms_key, replica_kms_keys, client_side). */
  at: Record<string, string>;
}

export interface Transition {
  after: Duration;
  class: StorageClass;
  at: string;
}

export interface Replica {
  bucket: string;
  region: string;
  at: string;
}

export interface StorageTarget {
  name: string;
  at: string;
  type: 's3';
  bucket: string;
  region: string;
  replicas: Replica[];
  objectLock: { mode: 'compliance' | 'governance'; days: number; at: string } | null;
  expireAfter: Sourced<Duration> | null;
  transitions: Transition[];
  /** Storage region plus replica regions, deduplicated, in order. */
  regions: string[];
}

/** The fields a tier, `defaults:` or a service may set and that services inherit. */
export interface Objectives {
  rto?: Sourced<Duration>;
  rpo?: Sourced<Duration>;
  retention?: Sourced<Retention>;
  restoreTest?: Sourced<Frequency>;
  drDrill?: Sourced<Frequency>;
  minRegions?: Sourced<number>;
  immutable?: Sourced<boolean>;
}

export interface Tier extends Objectives {
  name: string;
  at: string;
  title: string | null;
}

export interface PostgresConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  pitr: boolean;
}

export interface Service extends Objectives {
  name: string;
  at: string;
  title: string | null;
  kind: ServiceKind;
  environment: Sourced<Environment>;
  /** The tier name as written (may not exist: unknown-reference). */
  tierName: Sourced<string> | null;
  tier: Tier | null;
  owner: Sourced<string> | null;
  /** The effective IANA zone (service, else defaults, else policy); only names lint accepts, else null. */
  timezone: string | null;
  labels: Record<string, string>;
  postgresql: PostgresConnection | null;
  mysql: Omit<PostgresConnection, 'pitr'> | null;
  paths: string[];
  exclude: string[];
  /** s3-bucket services: the bucket being protected. */
  sourceBucket: { bucket: string; region: string } | null;
  namespaces: { include: string[]; exclude: string[] } | null;
  labelSelector: Record<string, string> | null;
  snapshotVolumes: boolean;
  resources: { tags: Record<string, string> } | null;
  arns: string[];
  /** `continuous: true` or `postgresql.pitr: true`. */
  continuous: Sourced<boolean> | null;
  schedule: Sourced<Schedule> | null;
  dataSize: Sourced<Size> | null;
  restoreRate: Sourced<Rate> | null;
  storageName: Sourced<string> | null;
  storage: StorageTarget | null;
  encryption: Encryption;
  /** Storage region plus replicas; empty without storage. aws-backup services: primary + secondary regions. */
  regions: string[];
  /**
   * Effective fields whose value could not be determined because the value that would supply it is
   * invalid or references something unknown. Rules skip these instead of reporting a cascade.
   */
  unknown: Set<string>;
}

/** A value that did not parse (reported by the invalid-value rule); offset/length inside the string. */
export interface InvalidValue {
  path: string;
  message: string;
  offset: number;
  length: number;
}

export interface Policy {
  file: string;
  version: number;
  name: string;
  owner: string | null;
  /** The policy's IANA zone when lint accepts it, else null. */
  timezone: string | null;
  regions: { primary: string; secondary: string[] };
  encryption: Encryption;
  storage: Map<string, StorageTarget>;
  tiers: Map<string, Tier>;
  services: Service[];
  servicesByName: Map<string, Service>;
  monitoring: {
    metrics: 'textfile' | 'pushgateway';
    textfileDir: string;
    pushgatewayUrl: string | null;
    runbookUrl: string | null;
    alertLabels: Record<string, string>;
  };
  drills: { scenario: string | null; roles: string[]; notice: Duration | null };
  compliance: { frameworks: Sourced<string>[] };
  /** Custom rules as written (§8); compiled by the checker. */
  customRules: unknown[];
  /** The plain-JS document (after YAML parsing), for the schema command and custom rules. */
  raw: Record<string, unknown>;
  source: SourceIndex;
  /** sha256 of the policy file's bytes. */
  sha256: string;
  invalidValues: InvalidValue[];
}
