/**
 * View models of the docs family: every number and every sentence fragment that depends on the policy is
 * computed here, so the templates only lay them out (and escape each value with `{{md}}` or `{{sh}}`).
 */
import type { Diagnostic } from '../../diagnostics.js';
import { GFS_PERIODS, type Frequency, type Policy, type Retention, type Schedule, type Service, type Tier } from '../../model/types.js';
import { durationWords, formatBytes, formatDuration } from '../../parser/values.js';
import { RESTORE_OVERHEAD } from '../../checker/rules/rto-feasible.js';
import { hasContinuousMechanism } from '../../model/continuous.js';
import { storageBuckets, servicePrefix, scriptPath, tierName } from '../layout.js';
import { byName } from '../layout.js';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
/** restore-test-frequency: production services test at least monthly (31 days). */
export const MONTHLY_SECONDS = 31 * DAY;
/** cross-region: production services need at least this many regions. */
export const PRODUCTION_MIN_REGIONS = 2;

export { byName };

/** "1 hour", "15 minutes"; "none" when absent. */
export function words(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? 'none' : durationWords(seconds);
}

/** Rounded up to the minute (estimates are never optimistic): "13 minutes", "2 hours 5 minutes", "1 day 3 hours". */
export function approxWords(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const minutes = Math.max(1, Math.ceil(seconds / MINUTE - 1e-9));
  if (minutes < 60) return plural(minutes, 'minute');
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? plural(h, 'hour') : `${plural(h, 'hour')} ${plural(m, 'minute')}`;
  }
  const hours = Math.ceil(seconds / HOUR - 1e-9);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? plural(d, 'day') : `${plural(d, 'day')} ${plural(h, 'hour')}`;
}

export function retentionWords(retention: Retention | null | undefined): string {
  if (!retention) return 'none';
  const counts = GFS_PERIODS.filter((p) => (retention.keep?.[p] ?? 0) > 0).map((p) => `${retention.keep![p]} ${p}`);
  if (counts.length === 0) return durationWords(retention.seconds);
  return retention.duration
    ? `${durationWords(retention.duration.seconds)} (keeps ${counts.join(', ')})`
    : `${counts.join(', ')} (${durationWords(retention.seconds)})`;
}

export function frequencyWords(frequency: Frequency | null | undefined): string {
  return frequency ? frequency.words : 'none';
}

/** Time zone in which a schedule's clock times are read. */
export function scheduleZone(policy: Policy, service: Service): string {
  return service.timezone ?? policy.timezone ?? 'UTC';
}

export function scheduleWords(policy: Policy, service: Service, schedule: Schedule | null): string {
  if (!schedule) return 'never (no schedule)';
  return schedule.kind === 'frequency' ? schedule.words : `${schedule.words} (${scheduleZone(policy, service)})`;
}

/** The continuous mechanism a service declares, in words; null without one (or on a kind that has none). */
export function continuousMechanism(service: Service): string | null {
  if (!hasContinuousMechanism(service)) return null;
  if (service.kind === 'aws-backup') return 'AWS Backup continuous backup (point-in-time recovery)';
  return service.kind === 'postgresql' ? 'continuous WAL archiving' : 'continuous versioning';
}

export function backupFrequencyWords(policy: Policy, service: Service): string {
  const schedule = scheduleWords(policy, service, service.schedule?.value ?? null);
  const mechanism = continuousMechanism(service);
  if (!mechanism) return schedule;
  return service.schedule ? `${mechanism} + ${schedule} full copies` : mechanism;
}

export function encryptionWords(service: Service): string {
  const enc = service.encryption;
  const parts: string[] = [];
  if (enc.atRest === 'aws:kms') {
    const replicas = Object.keys(enc.replicaKmsKeys).sort().map((r) => `${r}: ${enc.replicaKmsKeys[r]}`);
    parts.push(`SSE-KMS ${enc.kmsKey ?? '(AWS managed key)'}${replicas.length ? ` (${replicas.join(', ')})` : ''}`);
  } else if (enc.atRest === 'AES256') parts.push('SSE-S3 (AES256)');
  const cs = enc.clientSide;
  if (cs?.method === 'age') parts.push('age');
  else if (cs?.method === 'openssl') parts.push('openssl aes-256-cbc');
  return parts.length ? parts.join(' + ') : 'none';
}

/** data_size / restore_rate + 10 % (rule rto-feasible), in seconds; null when either is unknown. */
export function restoreEstimate(service: Service): number | null {
  const size = service.dataSize?.value;
  const rate = service.restoreRate?.value;
  if (!size || !rate || !(rate.bytesPerSecond > 0)) return null;
  return (size.bytes / rate.bytesPerSecond) * (1 + RESTORE_OVERHEAD);
}

export function isProduction(service: Service): boolean {
  return service.environment.value === 'production';
}

/** Distinct regions a service's copies must be in (rule cross-region); 1 when nothing requires more. */
export function requiredRegions(service: Service): number {
  const fromMin = service.minRegions?.value ?? 0;
  const required = isProduction(service) ? Math.max(PRODUCTION_MIN_REGIONS, fromMin) : fromMin;
  return Math.max(1, required);
}

export function effectiveOwner(policy: Policy, service: Service): { owner: string; from: string } {
  if (service.owner) return { owner: service.owner.value, from: service.owner.from };
  if (policy.owner) return { owner: policy.owner, from: 'policy' };
  return { owner: 'unassigned', from: 'none' };
}

export function serviceLabel(service: Service): string {
  return service.title ? `${service.title} (${service.name})` : service.name;
}

export function tierLabel(tier: Tier): string {
  return tier.title ? `${tier.title} (${tier.name})` : tier.name;
}

/** Status words used in every evidence table. */
export type Verdict = 'PASS' | 'FAIL' | 'UNKNOWN' | 'N/A';

export interface ServiceFacts {
  service: Service;
  name: string;
  label: string;
  kind: string;
  tier: string;
  environment: string;
  owner: string;
  ownerFrom: string;
  rto: number | null;
  rpo: number | null;
  rtoWords: string;
  rpoWords: string;
  retentionWords: string;
  frequencyWords: string;
  regions: string[];
  regionsWords: string;
  requiredRegions: number;
  regionsVerdict: Verdict;
  encryptionWords: string;
  encrypted: boolean;
  restoreTestWords: string;
  drillWords: string;
  restoreTestVerdict: Verdict;
  /** Longest gap between two scheduled backups, seconds. */
  gap: number | null;
  mechanism: string | null;
  rpoVerdict: Verdict;
  /** How the RPO is met (or not), one sentence fragment. */
  rpoEvidence: string;
  estimate: number | null;
  rtoVerdict: Verdict;
  rtoEvidence: string;
  /** Where the backups live: bucket and prefix per region, primary first. */
  locations: { bucket: string; region: string; primary: boolean; uri: string }[];
  prefix: string;
  scripts: { backup: string; restore: string; verify: string; restoreTest: string };
}

export function serviceFacts(policy: Policy, service: Service): ServiceFacts {
  const rto = service.rto?.value.seconds ?? null;
  const rpo = service.rpo?.value.seconds ?? null;
  const schedule = service.schedule?.value ?? null;
  const gap = schedule ? schedule.maxGapSeconds : null;
  const mechanism = continuousMechanism(service);

  let rpoVerdict: Verdict;
  let rpoEvidence: string;
  if (rpo === null) {
    rpoVerdict = 'UNKNOWN';
    rpoEvidence = 'no RPO defined';
  } else if (mechanism) {
    rpoVerdict = 'PASS';
    rpoEvidence =
      service.kind === 'postgresql'
        ? `WAL archiving with archive_timeout below the RPO: worst-case loss under ${durationWords(rpo)}`
        : `${mechanism} with replication: worst-case loss is the replication lag`;
    if (gap !== null) rpoEvidence += `; full copies at most ${durationWords(gap)} apart`;
  } else if (gap === null) {
    rpoVerdict = 'FAIL';
    rpoEvidence = 'never backed up (no schedule)';
  } else {
    rpoVerdict = gap <= rpo ? 'PASS' : 'FAIL';
    rpoEvidence = `worst-case loss ${durationWords(gap)} (longest gap between backups) ${gap <= rpo ? '≤' : '>'} RPO ${durationWords(rpo)}`;
  }

  const estimate = restoreEstimate(service);
  let rtoVerdict: Verdict;
  let rtoEvidence: string;
  if (estimate === null) {
    rtoVerdict = 'UNKNOWN';
    rtoEvidence = 'restore time unknown (data_size or restore_rate not set)';
  } else {
    const size = formatBytes(service.dataSize!.value.bytes);
    const rate = `${formatBytes(service.restoreRate!.value.bytesPerSecond)}/s`;
    rtoVerdict = rto === null ? 'UNKNOWN' : estimate <= rto ? 'PASS' : 'FAIL';
    rtoEvidence = `estimated restore ${approxWords(estimate)} (${size} at ${rate} + ${Math.round(RESTORE_OVERHEAD * 100)} %)`;
    if (rto !== null) rtoEvidence += ` ${estimate <= rto ? '≤' : '>'} RTO ${durationWords(rto)}`;
  }

  const required = requiredRegions(service);
  const restoreTest = service.restoreTest?.value ?? null;
  const restoreTestVerdict: Verdict = !restoreTest
    ? isProduction(service) ? 'FAIL' : 'N/A'
    : restoreTest.maxGapSeconds <= MONTHLY_SECONDS ? 'PASS' : isProduction(service) ? 'FAIL' : 'N/A';
  const owner = effectiveOwner(policy, service);
  const prefix = servicePrefix(policy, service);
  const buckets = service.storage ? storageBuckets(service.storage) : [];
  const enc = encryptionWords(service);
  return {
    service,
    name: service.name,
    label: serviceLabel(service),
    kind: service.kind,
    tier: service.tier ? tierLabel(service.tier) : 'no tier',
    environment: service.environment.value,
    owner: owner.owner,
    ownerFrom: owner.from,
    rto,
    rpo,
    rtoWords: words(rto),
    rpoWords: words(rpo),
    retentionWords: retentionWords(service.retention?.value),
    frequencyWords: backupFrequencyWords(policy, service),
    regions: service.regions,
    regionsWords: service.regions.length ? service.regions.join(', ') : 'none',
    requiredRegions: required,
    regionsVerdict: service.regions.length >= required ? 'PASS' : 'FAIL',
    encryptionWords: enc,
    encrypted: enc !== 'none',
    restoreTestWords: restoreTest ? `${restoreTest.words} (at most ${durationWords(restoreTest.maxGapSeconds)} apart)` : 'none',
    drillWords: frequencyWords(service.drDrill?.value),
    restoreTestVerdict,
    gap,
    mechanism,
    rpoVerdict,
    rpoEvidence,
    estimate,
    rtoVerdict,
    rtoEvidence,
    locations: buckets.map((b) => ({ ...b, uri: `s3://${b.bucket}/${prefix}` })),
    prefix,
    scripts: {
      backup: scriptPath(service, 'backup.sh'),
      restore: scriptPath(service, 'restore.sh'),
      verify: scriptPath(service, 'verify.sh'),
      restoreTest: scriptPath(service, 'restore-test.sh'),
    },
  };
}

export interface TierGroup {
  tier: Tier | null;
  key: string;
  heading: string;
  services: ServiceFacts[];
}

/** Services grouped by tier (tiers by name), each group sorted by name; services without a tier last. */
export function groupByTier(policy: Policy, facts: readonly ServiceFacts[]): TierGroup[] {
  const tiers = [...policy.tiers.values()].sort(byName);
  const groups: TierGroup[] = tiers.map((tier) => ({
    tier,
    key: tier.name,
    heading: tierLabel(tier),
    services: facts.filter((f) => f.service.tier?.name === tier.name),
  }));
  const untiered = facts.filter((f) => !f.service.tier || !policy.tiers.has(f.service.tier.name));
  if (untiered.length) groups.push({ tier: null, key: 'none', heading: 'Services without a tier', services: untiered });
  return groups;
}

/** Services in recovery order: by RTO (services without one last), then by name. */
export function recoveryOrder(facts: readonly ServiceFacts[]): ServiceFacts[] {
  return [...facts].sort((a, b) => {
    const ra = a.rto ?? Number.POSITIVE_INFINITY;
    const rb = b.rto ?? Number.POSITIVE_INFINITY;
    return ra !== rb ? ra - rb : byName(a, b);
  });
}

// The documents and the runbooks are two families: they share one computation per policy.
const factsOf = new WeakMap<Policy, ServiceFacts[]>();

/** Every service's facts, by name. Callers must not modify the list (it is shared). */
export function allFacts(policy: Policy): readonly ServiceFacts[] {
  let facts = factsOf.get(policy);
  if (!facts) factsOf.set(policy, (facts = [...policy.services].sort(byName).map((s) => serviceFacts(policy, s))));
  return facts;
}

/** The checkpoints of the brief's drill timeline (5/15/30/45/60 of a 1-hour RTO) as fractions of the RTO. */
export const CHECKPOINT_FRACTIONS: readonly [number, number][] = [
  [1, 12],
  [1, 4],
  [1, 2],
  [3, 4],
  [1, 1],
];

/** Checkpoint minutes scaled to an RTO: 1h → 5,15,30,45,60; 4h → 20,60,120,180,240. Never below 1, never decreasing. */
export function checkpointMinutes(rtoSeconds: number): number[] {
  const total = rtoSeconds / MINUTE;
  let previous = 0;
  return CHECKPOINT_FRACTIONS.map(([n, d]) => {
    const m = Math.max(1, previous, Math.round((total * n) / d));
    previous = m;
    return m;
  });
}

/** "T+5 min", "T+120 min (2 hours)". */
export function checkpointLabel(minutes: number): string {
  return minutes >= 120 && minutes % 60 === 0 ? `T+${minutes} min (${durationWords(minutes * MINUTE)})` : `T+${minutes} min`;
}

export { formatDuration, tierName };
export type { Diagnostic };
