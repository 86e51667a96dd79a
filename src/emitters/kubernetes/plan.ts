/**
 * What Velero runs for each `kubernetes` service: storage locations, the main Schedule and one extra
 * Schedule per grandfather-father-son period. Computed once here so the Velero manifests and the alert
 * rules that watch `velero_backup_last_successful_timestamp{schedule=…}` agree on names and gaps.
 */
import type { GfsPeriod, Policy, Service, StorageTarget } from '../../model/types.js';
import { byName, kmsKeyForRegion, primaryRegion, storageBuckets } from '../layout.js';
import { anchorTime, checkedTimezone, effectiveCron, gfsSchedules } from './cron.js';
import { sha256Hex } from '../../hash.js';

export const VELERO_NAMESPACE = 'velero';
/** Velero's own default TTL (server flag --default-backup-ttl), used when a service has no retention. */
export const DEFAULT_TTL_SECONDS = 30 * 86_400;

export interface StorageLocationPlan {
  /** `<storage>-<region>`. */
  name: string;
  storage: StorageTarget;
  bucket: string;
  region: string;
  primary: boolean;
  /** SSE-KMS key for this bucket's region, when the policy encrypts at rest with KMS. */
  kmsKeyId: string | null;
  serverSideEncryption: 'AES256' | null;
}

export interface VeleroSchedulePlan {
  /** Schedule name: the service name, or `<service>.<period>` for a GFS period (a DNS subdomain). */
  name: string;
  period: 'main' | GfsPeriod;
  /** The cron Velero parses (a `CRON_TZ=<zone> ` prefix when the service has a non-UTC time zone). */
  schedule: string;
  /** The plain 5 fields. */
  cron: string;
  gapSeconds: number;
  ttlSeconds: number;
  /** Why this cron or TTL differs from what the policy says, for an annotation. */
  notes: string[];
}

export interface VeleroServicePlan {
  service: Service;
  storageLocation: StorageLocationPlan;
  /** Volume snapshot location in the storage's primary region (when snapshot_volumes). */
  volumeSnapshotLocation: string;
  schedules: VeleroSchedulePlan[];
  /** Namespace → scratch namespace for the restore test; null when the service backs up `*`. */
  restoreMapping: Record<string, string> | null;
}

export interface VeleroPlan {
  locations: StorageLocationPlan[];
  /** Region → VSL name, sorted by region. */
  snapshotLocations: { name: string; region: string }[];
  services: VeleroServicePlan[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kubernetes label key (optional DNS-subdomain prefix) and value syntax. */
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function kubernetesServices(policy: Policy): Service[] {
  return policy.services.filter((s) => s.kind === 'kubernetes' && s.storage !== null).sort(byName);
}

function checkNamespace(service: Service, ns: string): void {
  if (ns === '*') return;
  if (ns.length > 63 || !DNS_LABEL.test(ns)) {
    throw new Error(`drc: ${service.name}: namespace "${ns}" is not a valid Kubernetes namespace name (DNS-1123 label)`);
  }
}

export function checkLabel(service: Service, key: string, value: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const keyOk = name.length <= 63 && LABEL_NAME.test(name) && (prefix === null || (prefix.length <= 253 && LABEL_PREFIX.test(prefix)));
  const valueOk = value === '' || (value.length <= 63 && LABEL_NAME.test(value));
  if (!keyOk || !valueOk) throw new Error(`drc: ${service.name}: label_selector ${key}: "${value}" is not a valid Kubernetes label`);
}

/** `<ns>-restore-test`, shortened with a hash when it would exceed the 63-character namespace limit. */
export function restoreNamespace(ns: string): string {
  const suffix = '-restore-test';
  const name = `${ns}${suffix}`;
  if (name.length <= 63) return name;
  const hash = sha256Hex(ns).slice(0, 8);
  const head = ns.slice(0, 63 - suffix.length - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}${suffix}`;
}

function locationName(storage: StorageTarget, region: string): string {
  return `${storage.name}-${region}`;
}

/** One plan per policy: the Kubernetes family, the alerts and the dashboard all read it (never change it). */
const plans = new WeakMap<Policy, VeleroPlan>();

export function planVelero(policy: Policy): VeleroPlan {
  let plan = plans.get(policy);
  if (!plan) plans.set(policy, (plan = makePlan(policy)));
  return plan;
}

function makePlan(policy: Policy): VeleroPlan {
  const services = kubernetesServices(policy);
  const storages = [...new Map(services.map((s) => [s.storage!.name, s.storage!])).values()].sort(byName);
  const locations: StorageLocationPlan[] = [];
  for (const storage of storages) {
    for (const b of storageBuckets(storage)) {
      // Every service of a storage shares its encryption settings at rest only through the policy or
      // defaults in practice; take the first service's (sorted) for the location.
      const first = services.find((s) => s.storage!.name === storage.name)!;
      const enc = first.encryption;
      const kmsKeyId = kmsKeyForRegion(enc, b.region, primaryRegion(policy, storage));
      locations.push({
        name: locationName(storage, b.region),
        storage,
        bucket: b.bucket,
        region: b.region,
        primary: b.primary,
        kmsKeyId,
        serverSideEncryption: enc.atRest === 'AES256' ? 'AES256' : null,
      });
    }
  }
  const regions = [...new Set(locations.map((l) => l.region))].sort();
  const snapshotLocations = regions.map((region) => ({ name: `aws-${region}`, region }));

  const servicePlans = services.map((service): VeleroServicePlan => {
    const storage = service.storage!;
    const storageLocation = locations.find((l) => l.storage.name === storage.name && l.primary)!;
    for (const ns of [...(service.namespaces?.include ?? []), ...(service.namespaces?.exclude ?? [])]) checkNamespace(service, ns);
    for (const [k, v] of Object.entries(service.labelSelector ?? {})) checkLabel(service, k, v);
    const include = service.namespaces?.include ?? [];
    const restoreMapping =
      include.length === 0 || include.includes('*') ? null : Object.fromEntries([...include].sort().map((ns) => [ns, restoreNamespace(ns)]));
    return {
      service,
      storageLocation,
      volumeSnapshotLocation: `aws-${storage.region}`,
      schedules: planSchedules(service),
      restoreMapping,
    };
  });
  return { locations, snapshotLocations, services: servicePlans };
}

function planSchedules(service: Service): VeleroSchedulePlan[] {
  const zone = checkedTimezone(service.timezone);
  const prefix = zone ? `CRON_TZ=${zone} ` : '';
  const zoneNote = zone ? [`times are in ${zone} (CRON_TZ needs Velero >= 1.15; without it Velero uses UTC)`] : [];
  if (!service.schedule) return [];
  const main = effectiveCron(service.schedule.value);
  const retention = service.retention?.value ?? null;
  const gfs = gfsSchedules(retention?.keep ?? null, anchorTime(main.cron));
  const notes: string[] = [...zoneNote];
  if (main.note) notes.push(main.note);

  // Main TTL: the explicit duration; with counts only, the shortest period's span (the longer periods
  // have their own Schedules); never shorter than two gaps, so a backup always exists.
  let ttl: number;
  if (!retention) {
    ttl = DEFAULT_TTL_SECONDS;
    notes.push('no retention: Velero default TTL of 30 days');
  } else if (retention.duration) ttl = retention.duration.seconds;
  else if (gfs.length > 0) ttl = Math.min(...gfs.map((g) => g.ttlSeconds));
  else ttl = retention.seconds;
  const extras = gfs.filter((g) => {
    if (g.cron !== main.cron) return true;
    ttl = Math.max(ttl, g.ttlSeconds); // same times as the main schedule: the main schedule keeps them
    return false;
  });
  if (ttl < 2 * main.gapSeconds) {
    ttl = 2 * main.gapSeconds;
    notes.push('TTL raised to two schedule gaps so that a backup always exists');
  }
  const schedules: VeleroSchedulePlan[] = [
    { name: service.name, period: 'main', schedule: `${prefix}${main.cron}`, cron: main.cron, gapSeconds: main.gapSeconds, ttlSeconds: ttl, notes },
  ];
  for (const g of extras) {
    schedules.push({
      // `.` cannot be in a service name: `x.weekly` can never be another service's schedule (`x-weekly`'s).
      name: `${service.name}.${g.period}`,
      period: g.period,
      schedule: `${prefix}${g.cron}`,
      cron: g.cron,
      gapSeconds: g.gapSeconds,
      ttlSeconds: g.ttlSeconds,
      notes: [...zoneNote, `grandfather-father-son: keep ${g.count} ${g.period}`],
    });
  }
  return schedules;
}
