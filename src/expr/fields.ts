/**
 * The fields an expression can name: each service's *effective* values (policy-language.md §3),
 * with their type and how to read them from the Model. Runtime representation: durations in
 * seconds, sizes in bytes, rates in bytes per second, frequencies and schedules as their longest
 * gap (a duration), absent values as null.
 */
import type { Service } from '../model/types.js';
import type { ExprType } from './ast.js';

export interface FieldDef {
  name: string;
  type: ExprType;
  /** One line for docs/custom-rules.md and "did you mean". */
  doc: string;
  get: (service: Service) => unknown;
  /**
   * The Model's `service.unknown` keys this field derives from: when one of them is unknown (an
   * invalid value or a dangling reference, already reported), the rule skips the service.
   */
  dependsOn: string[];
}

const t = (kind: Exclude<ExprType['kind'], 'list'>, nullable = false): ExprType => ({ kind, nullable });
const listOf = (kind: 'string'): ExprType => ({ kind: 'list', elem: { kind } });

const field = (name: string, type: ExprType, doc: string, get: (s: Service) => unknown, dependsOn: string[] = []): FieldDef => ({
  name,
  type,
  doc,
  get,
  dependsOn,
});

const keep = (period: 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly'): FieldDef =>
  field(`retention.keep.${period}`, t('number', true), `the retention's ${period} count (grandfather-father-son)`, (s) => s.retention?.value.keep?.[period] ?? null, ['retention']);

/** Order matters for ties in "did you mean": the commonly used field comes first (`tire` → `tier`, not `title`). */
export const FIELDS: readonly FieldDef[] = [
  field('name', t('string'), 'the service key', (s) => s.name),
  field('tier', t('string', true), 'the tier name', (s) => s.tierName?.value ?? null, ['tier']),
  field('title', t('string', true), 'the service title', (s) => s.title),
  field('environment', t('string'), 'production (the default), staging, development or test', (s) => s.environment.value, ['environment']),
  field('kind', t('string'), 'postgresql, mysql, files, s3-bucket, kubernetes or aws-backup', (s) => s.kind),
  field('owner', t('string', true), 'the effective owner (service, else defaults)', (s) => s.owner?.value ?? null, ['owner']),
  field('timezone', t('string', true), 'the effective IANA time zone', (s) => s.timezone, ['timezone']),
  field('rto', t('duration', true), 'the effective RTO', (s) => s.rto?.value.seconds ?? null, ['rto']),
  field('rpo', t('duration', true), 'the effective RPO', (s) => s.rpo?.value.seconds ?? null, ['rpo']),
  field('retention', t('duration', true), 'the effective retention: `duration`, else the span the keep counts cover', (s) => s.retention?.value.seconds ?? null, ['retention']),
  field('retention.duration', t('duration', true), 'the retention\'s explicit `duration`', (s) => s.retention?.value.duration?.seconds ?? null, ['retention']),
  keep('hourly'),
  keep('daily'),
  keep('weekly'),
  keep('monthly'),
  keep('yearly'),
  field('restore_test', t('duration', true), 'the longest gap between two restore tests', (s) => s.restoreTest?.value.maxGapSeconds ?? null, ['restore_test']),
  field('dr_drill', t('duration', true), 'the longest gap between two DR drills', (s) => s.drDrill?.value.maxGapSeconds ?? null, ['dr_drill']),
  field('schedule', t('duration', true), 'the longest gap between two backups of the effective schedule', (s) => s.schedule?.value.maxGapSeconds ?? null, ['schedule']),
  field('min_regions', t('number', true), 'the effective min_regions', (s) => s.minRegions?.value ?? null, ['min_regions']),
  field('immutable', t('bool', true), 'the effective immutable flag', (s) => s.immutable?.value ?? null, ['immutable']),
  field('continuous', t('bool'), '`continuous: true` or `postgresql.pitr: true`', (s) => s.continuous?.value ?? false),
  field('data_size', t('size', true), 'the data size', (s) => s.dataSize?.value.bytes ?? null, ['data_size']),
  field('restore_rate', t('rate', true), 'the restore rate', (s) => s.restoreRate?.value.bytesPerSecond ?? null, ['restore_rate']),
  field('regions', listOf('string'), 'the storage region plus replica regions, deduplicated', (s) => s.regions, ['storage']),
  field('labels', t('map'), 'the service labels; `labels.<key>` is a string or null', (s) => s.labels),
  field('encryption.at_rest', t('string'), 'aws:kms, AES256 or none', (s) => s.encryption.atRest),
  field('encryption.kms_key', t('string', true), 'the KMS key', (s) => s.encryption.kmsKey),
  field('encryption.replica_kms_keys', t('map'), 'KMS keys per replica region', (s) => s.encryption.replicaKmsKeys),
  field('encryption.client_side.method', t('string', true), 'age, openssl or none; null without client_side', (s) => s.encryption.clientSide?.method ?? null),
  field('encryption.client_side.recipients', listOf('string'), 'age recipients', (s) => s.encryption.clientSide?.recipients ?? []),
  field('storage', t('string', true), 'the storage target name', (s) => s.storageName?.value ?? null, ['storage']),
  field('storage.name', t('string', true), 'the storage target name', (s) => s.storage?.name ?? null, ['storage']),
  field('storage.type', t('string', true), 's3', (s) => s.storage?.type ?? null, ['storage']),
  field('storage.bucket', t('string', true), 'the primary bucket', (s) => s.storage?.bucket ?? null, ['storage']),
  field('storage.region', t('string', true), 'the primary bucket\'s region', (s) => s.storage?.region ?? null, ['storage']),
  field('storage.regions', listOf('string'), 'the storage region plus its replicas\' regions', (s) => s.storage?.regions ?? [], ['storage']),
  field('storage.object_lock.mode', t('string', true), 'compliance or governance; null without object lock', (s) => s.storage?.objectLock?.mode ?? null, ['storage']),
  field('storage.object_lock.days', t('number', true), 'the object-lock retention in days', (s) => s.storage?.objectLock?.days ?? null, ['storage']),
  field('storage.expire_after', t('duration', true), 'the bucket-wide expiry', (s) => s.storage?.expireAfter?.value.seconds ?? null, ['storage']),
  field('postgresql.pitr', t('bool', true), 'PITR with WAL archiving (postgresql services)', (s) => s.postgresql?.pitr ?? null),
];

export const FIELDS_BY_NAME: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.name, f]));

/** Maps whose keys are free: `labels.<key>`, `encryption.replica_kms_keys.<region>`. */
export const MAP_FIELDS: ReadonlySet<string> = new Set(FIELDS.filter((f) => f.type.kind === 'map').map((f) => f.name));

/** Every dotted prefix that is a group rather than a value (e.g. `encryption`, `storage.object_lock`). */
export const GROUPS: ReadonlyMap<string, string[]> = (() => {
  const groups = new Map<string, string[]>();
  for (const f of FIELDS) {
    const parts = f.name.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (FIELDS_BY_NAME.has(prefix)) continue;
      const list = groups.get(prefix) ?? [];
      list.push(f.name);
      groups.set(prefix, list);
    }
  }
  return groups;
})();

export interface FunctionDef {
  name: string;
  doc: string;
}

export const FUNCTIONS: readonly FunctionDef[] = [{ name: 'len', doc: 'the number of items of a list, keys of a map or characters of a string; 0 for null' }];
