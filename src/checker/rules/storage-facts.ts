/**
 * Shared S3 storage-class and compliance facts for the storage, lifecycle and retention rules.
 * Every figure cites shared/reference/aws-facts.md (section numbers below) and, through it, the AWS
 * documentation or regulation text it was read from.
 */
import type { StorageClass } from '../../model/types.js';
import type { RuleSource } from '../rule.js';

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86400;

export interface StorageClassFacts {
  /** Minimum storage duration in days: removing or transitioning earlier is billed up to it (aws-facts §1.5). */
  minStorageDays: number;
  /**
   * Worst-case time to first byte with the default (Standard) retrieval tier, in seconds (aws-facts §1.9):
   * GLACIER 3–5 h → 5 h, DEEP_ARCHIVE within 12 h (48 h with Bulk) → 12 h; every other class is
   * millisecond access (INTELLIGENT_TIERING in its frequent/infrequent tiers; its opt-in archive tiers
   * are not configured by drc).
   */
  retrievalSeconds: number;
  /** How the retrieval time is described in messages. */
  retrievalText: string;
}

export const STORAGE_CLASS_FACTS: Readonly<Record<StorageClass, StorageClassFacts>> = {
  STANDARD: { minStorageDays: 0, retrievalSeconds: 0, retrievalText: 'milliseconds' },
  STANDARD_IA: { minStorageDays: 30, retrievalSeconds: 0, retrievalText: 'milliseconds' },
  ONEZONE_IA: { minStorageDays: 30, retrievalSeconds: 0, retrievalText: 'milliseconds' },
  INTELLIGENT_TIERING: { minStorageDays: 0, retrievalSeconds: 0, retrievalText: 'milliseconds' },
  GLACIER_IR: { minStorageDays: 90, retrievalSeconds: 0, retrievalText: 'milliseconds' },
  GLACIER: { minStorageDays: 90, retrievalSeconds: 5 * HOUR, retrievalText: 'up to 5h' },
  DEEP_ARCHIVE: { minStorageDays: 180, retrievalSeconds: 12 * HOUR, retrievalText: 'up to 12h' },
};

/** Classes a lifecycle rule may move objects to from each class (aws-facts §1.6, the "waterfall"). */
export const ALLOWED_TRANSITIONS: Readonly<Record<StorageClass, ReadonlySet<StorageClass>>> = {
  STANDARD: new Set<StorageClass>(['STANDARD_IA', 'INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']),
  STANDARD_IA: new Set<StorageClass>(['INTELLIGENT_TIERING', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']),
  INTELLIGENT_TIERING: new Set<StorageClass>(['ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']),
  ONEZONE_IA: new Set<StorageClass>(['GLACIER', 'DEEP_ARCHIVE']),
  GLACIER_IR: new Set<StorageClass>(['GLACIER', 'DEEP_ARCHIVE']),
  GLACIER: new Set<StorageClass>(['DEEP_ARCHIVE']),
  DEEP_ARCHIVE: new Set<StorageClass>(),
};

/** Transition.Days to STANDARD_IA / ONEZONE_IA must be ≥ 30 (aws-facts §1.2, §1.7). */
export const IA_CLASSES: ReadonlySet<StorageClass> = new Set<StorageClass>(['STANDARD_IA', 'ONEZONE_IA']);
export const IA_MIN_TRANSITION_DAYS = 30;

/**
 * Days that must pass after a transition to this class before the next transition in the same rule
 * (aws-facts §1.7): 30 after an IA class (documented), 90 after GLACIER_IR / GLACIER (S3's observed
 * rejection message; not in the AWS guide, treated as the safe threshold).
 */
export const MIN_GAP_AFTER_DAYS: Readonly<Record<StorageClass, number>> = {
  STANDARD: 0,
  STANDARD_IA: 30,
  ONEZONE_IA: 30,
  INTELLIGENT_TIERING: 0,
  GLACIER_IR: 90,
  GLACIER: 90,
  DEEP_ARCHIVE: 0,
};

/** Classes that need a restore request before reading (PCI DSS's "immediately available" excludes them). */
export const ARCHIVE_CLASSES: ReadonlySet<StorageClass> = new Set<StorageClass>(['GLACIER', 'DEEP_ARCHIVE']);

export const SOURCES = {
  lifecycleConsiderations: {
    title: 'Amazon S3 User Guide: Transitioning objects using S3 Lifecycle (supported transitions, 30-day minimums)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html',
  },
  transitionApi: {
    title: 'Amazon S3 API Reference: Transition (Days ≥ 30 for STANDARD_IA and ONEZONE_IA)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_Transition.html',
  },
  storageClasses: {
    title: 'Amazon S3 User Guide: Comparing the Amazon S3 storage classes (minimum storage durations)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html#sc-compare',
  },
  retrievalOptions: {
    title: 'Amazon S3 User Guide: Archive retrieval options (GLACIER Standard 3–5 h, DEEP_ARCHIVE within 12 h)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html',
  },
  lifecycleRules: {
    title: 'Amazon S3 API Reference: PutBucketLifecycleConfiguration (a configuration holds up to 1,000 rules)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html',
  },
  lifecycleExpiration: {
    title: 'Amazon S3 API Reference: LifecycleExpiration',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html',
  },
  objectLock: {
    title: 'Amazon S3 User Guide: Locking objects with Object Lock (governance and compliance modes)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html',
  },
  replicationKms: {
    title: 'Amazon S3 User Guide: Replicating objects created with server-side encryption (SSE-KMS)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html',
  },
  replicationEncryptionApi: {
    title: 'Amazon S3 API Reference: EncryptionConfiguration (ReplicaKmsKeyID, same Region as the destination)',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html',
  },
  nistRpo: { title: 'NIST glossary: recovery point objective', url: 'https://csrc.nist.gov/glossary/term/recovery_point_objective' },
  nistRto: { title: 'NIST glossary: recovery time objective', url: 'https://csrc.nist.gov/glossary/term/recovery_time_objective' },
  nist80034: { title: 'NIST SP 800-34 Rev. 1: Contingency Planning Guide for Federal Information Systems', url: 'https://csrc.nist.gov/pubs/sp/800/34/r1/upd1/final' },
  wellArchitectedBackup: {
    title: 'AWS Well-Architected Reliability Pillar REL09: Back up data (meet RTO/RPO, test recovery)',
    url: 'https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/back-up-data.html',
  },
} satisfies Record<string, RuleSource>;

// ---------------------------------------------------------------------------------------------
// Compliance frameworks (policy-language.md §9, aws-facts §5)

export type FrameworkId = 'pci-dss' | 'hipaa' | 'sox' | 'sec-17a-4' | 'gdpr' | 'soc2';

export interface FrameworkFacts {
  id: FrameworkId;
  /** Display name in messages. */
  name: string;
  /** Minimum retention in seconds; null when the framework sets none. */
  minRetentionSeconds: number | null;
  /** The minimum as the source states it ("365d" for 12 months, "6y"). */
  minRetentionText: string | null;
  /** The clause the minimum comes from, as cited in messages. */
  citation: string;
  /** null for frameworks drc sets no retention figure for. */
  source: RuleSource | null;
}

/** In the order findings are reported. */
export const FRAMEWORKS: readonly FrameworkFacts[] = [
  {
    id: 'pci-dss',
    name: 'PCI DSS',
    minRetentionSeconds: 365 * DAY,
    minRetentionText: '365d',
    citation: 'Req. 10.5.1',
    source: {
      title: 'PCI DSS v4.0.1 Req. 10.5.1: retain audit log history for at least 12 months, the most recent 3 months immediately available',
      url: 'https://www.pcisecuritystandards.org/document_library/',
    },
  },
  {
    id: 'hipaa',
    name: 'HIPAA',
    minRetentionSeconds: 6 * 365 * DAY,
    minRetentionText: '6y',
    citation: '45 CFR 164.316(b)(2)(i)',
    source: {
      title: '45 CFR 164.316(b)(2)(i): retain required documentation for 6 years from creation or last effective date',
      url: 'https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-C/section-164.316',
    },
  },
  {
    id: 'sox',
    name: 'SOX',
    minRetentionSeconds: 7 * 365 * DAY,
    minRetentionText: '7y',
    citation: '17 CFR 210.2-06',
    source: {
      title: '17 CFR 210.2-06 (Reg. S-X Rule 2-06, implementing SOX §802): retain audit and review records for 7 years',
      url: 'https://www.law.cornell.edu/cfr/text/17/210.2-06',
    },
  },
  {
    id: 'sec-17a-4',
    name: 'SEC Rule 17a-4',
    minRetentionSeconds: 6 * 365 * DAY,
    minRetentionText: '6y',
    citation: '17 CFR 240.17a-4(a)',
    source: {
      title: '17 CFR 240.17a-4(a): preserve listed records for at least 6 years, the first 2 years easily accessible; (f) WORM or audit-trail electronic storage',
      url: 'https://www.law.cornell.edu/cfr/text/17/240.17a-4',
    },
  },
  {
    id: 'gdpr',
    name: 'GDPR',
    minRetentionSeconds: null,
    minRetentionText: null,
    citation: 'Art. 5(1)(e)',
    source: {
      title: 'Regulation (EU) 2016/679 (GDPR) Art. 5(1)(e): storage limitation, no longer than necessary',
      url: 'https://eur-lex.europa.eu/eli/reg/2016/679/oj',
    },
  },
  {
    id: 'soc2',
    name: 'SOC 2',
    minRetentionSeconds: null,
    minRetentionText: null,
    citation: 'no retention minimum',
    source: null,
  },
];

export const FRAMEWORK_BY_ID: ReadonlyMap<FrameworkId, FrameworkFacts> = new Map(FRAMEWORKS.map((f) => [f.id, f]));

/** Framework ids and label keys, normalised (lower case, without `-`, `_`, `.` and spaces). */
const FRAMEWORK_ALIASES: ReadonlyMap<string, FrameworkId> = new Map<string, FrameworkId>([
  ['pci', 'pci-dss'],
  ['pcidss', 'pci-dss'],
  ['hipaa', 'hipaa'],
  ['sox', 'sox'],
  ['sec17a4', 'sec-17a-4'],
  ['17a4', 'sec-17a-4'],
  ['gdpr', 'gdpr'],
  ['soc2', 'soc2'],
]);

const SEPARATORS = /[-_.\s]/g;

/** The framework a framework id or label key names (`pci`, `pci-dss`, `sec17a4`, `SEC-17a-4`…), else null. */
export function frameworkOf(name: string): FrameworkId | null {
  return FRAMEWORK_ALIASES.get(name.toLowerCase().replace(SEPARATORS, '')) ?? null;
}

const TRUE_LABEL_VALUES: ReadonlySet<string> = new Set(['true', 'yes', '1']);

/** Whether a label value switches a framework on (`"true"`, `"yes"`, `"1"`, any case). */
export function isTrueLabel(value: string): boolean {
  return TRUE_LABEL_VALUES.has(value.trim().toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Formatting

/**
 * An approximate, human duration for estimates: "2h 8m", "45m", "3d 4h", "40s" (rounded to the
 * smaller unit shown). Exact policy values use formatDuration instead.
 */
export function approxDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  const s = Math.max(0, seconds);
  if (s < MINUTE) return `${Math.round(s)}s`;
  if (s < HOUR) {
    const m = Math.round(s / MINUTE);
    return m === 60 ? '1h' : `${m}m`;
  }
  if (s < DAY) {
    const total = Math.round(s / MINUTE);
    const h = Math.floor(total / 60);
    const m = total % 60;
    if (h === 24) return '1d';
    return m === 0 ? `${h}h` : `${h}h ${m}m`;
  }
  const total = Math.round(s / HOUR);
  const d = Math.floor(total / 24);
  const h = total % 24;
  return h === 0 ? `${d}d` : `${d}d ${h}h`;
}

/** "a, b, c" or "a, b, c and 2 more" for long lists in messages. */
export function nameList(names: readonly string[], max = 3): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
