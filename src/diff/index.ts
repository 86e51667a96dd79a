/**
 * `drc diff` (policy-language.md §12): compares the EFFECTIVE values (§3) of two policies per service,
 * so a tier edit reaches every service that inherits it and reordering keys or rewriting `60m` as `1h`
 * is no change. Produces a list of changes (weakenings and strengthenings, for the table) and weakening
 * findings located in NEW (for every lint format).
 *
 * Where findings point (docs/diff.md):
 * - per service, path `/services/<name>/<field>`; located at the service's own value when it sets the
 *   field, at the service's `tier:` value when the value comes from its tier (message "(via tier t)"),
 *   else at the value that supplies it (`/defaults/...`, `/encryption/...`), else at the service's key;
 * - per tier, once: `/tiers/<t>/<field>`, listing the services whose effective value it weakens (none: no finding);
 * - per storage target: `/storage/<s>/replicas`, `/storage/<s>/object_lock[...]`, `/storage/<s>/expire_after`;
 * - a removed service: path `/services/<name>`, located at the `services:` key of NEW.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { Finding } from '../checker/rule.js';
import { diagnosticFactory, type SeveritySetting } from '../checker/index.js';
import type { Policy, Service, Sourced, StorageTarget, Tier } from '../model/types.js';
import type { Span } from '../parser/source.js';
import { formatDuration } from '../parser/values.js';
import { pointer } from '../diagnostics.js';
import { diffRuleMeta, type DiffRuleId } from './rules.js';

export { DIFF_RULES } from './rules.js';

export type ChangeKind = 'weakened' | 'strengthened' | 'changed' | 'added' | 'removed';

/** One row of the change table: an effective value of one service that differs between OLD and NEW. */
export interface Change {
  service: string;
  /** rto, rpo, retention, restore_test, dr_drill, min_regions, immutable, encryption.at_rest, encryption.client_side, regions, service */
  field: string;
  old: string | null;
  new: string | null;
  /** `removed` and `added` are weakening and strengthening of a value that is absent on one side. */
  kind: ChangeKind;
  /** Where NEW's value comes from when not the service itself: "tier tier1", "defaults", "policy", "storage backups". */
  via: string | null;
  /** The finding's rule when the change weakens. */
  rule: DiffRuleId | null;
}

export interface DiffFinding extends Finding {
  rule: DiffRuleId;
  /** Where in NEW the finding is shown (the JSON pointer `path` stays the baseline key). */
  span: Span;
}

export interface DiffResult {
  changes: Change[];
  findings: DiffFinding[];
}

/** Field labels in messages. */
const LABEL: Record<string, string> = {
  rto: 'RTO',
  rpo: 'RPO',
  retention: 'retention',
  restore_test: 'restore test',
  dr_drill: 'DR drill',
  min_regions: 'min_regions',
  immutable: 'immutable',
  'encryption.at_rest': 'encryption at rest',
  'encryption.client_side': 'client-side encryption',
};

/** A comparable reading of one value: larger strength is stronger; null when absent. */
interface Reading {
  strength: number;
  /** As written (shown in messages and the table). */
  text: string;
  /** Canonical form: equal strength and equal canon is no change (`60m` and `1h`). */
  canon: string;
  /** Pointer of the node that supplies it, and which level. */
  at: string | null;
  from: Sourced<unknown>['from'] | null;
}

interface Field {
  key: string;
  /** The YAML key under a service or tier. */
  yaml: string;
  rule: DiffRuleId;
  read(o: Service | Tier): Reading | null;
  /** Words for a weakening, e.g. "raised from 15m to 1h". */
  weakened(old: Reading, now: Reading | null): string;
}

const AT_REST_RANK: Record<string, number> = { none: 0, AES256: 1, 'aws:kms': 2 };
const CLIENT_RANK: Record<string, number> = { none: 0, openssl: 1, age: 1 };

function sourced<T>(s: Sourced<T> | undefined, strength: (v: T) => number, text: (v: T) => string, canon: (v: T) => string = text): Reading | null {
  if (!s) return null;
  return { strength: strength(s.value), text: text(s.value), canon: canon(s.value), at: s.at, from: s.from };
}

const OBJECTIVE_FIELDS: Field[] = [
  {
    key: 'rto', yaml: 'rto', rule: 'objective-weakened',
    read: (o) => sourced(o.rto, (d) => -d.seconds, (d) => d.text, (d) => formatDuration(d.seconds)),
    weakened: (a, b) => (b ? `raised from ${a.text} to ${b.text}` : `removed (was ${a.text})`),
  },
  {
    key: 'rpo', yaml: 'rpo', rule: 'objective-weakened',
    read: (o) => sourced(o.rpo, (d) => -d.seconds, (d) => d.text, (d) => formatDuration(d.seconds)),
    weakened: (a, b) => (b ? `raised from ${a.text} to ${b.text}` : `removed (was ${a.text})`),
  },
  {
    key: 'retention', yaml: 'retention', rule: 'retention-reduced',
    read: (o) => sourced(o.retention, (r) => r.seconds, (r) => r.duration?.text ?? formatDuration(r.seconds), (r) => formatDuration(r.seconds)),
    weakened: (a, b) => (b ? `reduced from ${a.text} to ${b.text}` : `removed (was ${a.text})`),
  },
  {
    key: 'restore_test', yaml: 'restore_test', rule: 'restore-test-less-frequent',
    read: (o) => sourced(o.restoreTest, (f) => -f.maxGapSeconds, (f) => f.text, (f) => String(f.maxGapSeconds)),
    weakened: (a, b) => (b ? `less frequent, from ${a.text} to ${b.text}` : `removed (was ${a.text})`),
  },
  {
    key: 'dr_drill', yaml: 'dr_drill', rule: 'restore-test-less-frequent',
    read: (o) => sourced(o.drDrill, (f) => -f.maxGapSeconds, (f) => f.text, (f) => String(f.maxGapSeconds)),
    weakened: (a, b) => (b ? `less frequent, from ${a.text} to ${b.text}` : `removed (was ${a.text})`),
  },
  {
    key: 'min_regions', yaml: 'min_regions', rule: 'region-removed',
    read: (o) => sourced(o.minRegions, (n) => n, (n) => String(n)),
    weakened: (a, b) => (b ? `lowered from ${a.text} to ${b.text}` : `removed (was ${a.text})`),
  },
  {
    key: 'immutable', yaml: 'immutable', rule: 'immutability-removed',
    read: (o) => sourced(o.immutable, (v) => (v ? 1 : 0), (v) => String(v)),
    weakened: (_a, b) => (b ? 'turned off (was true)' : 'removed (was true)'),
  },
];

/** Compares two readings: null when equal. */
function compare(old: Reading | null, now: Reading | null): ChangeKind | null {
  if (!old && !now) return null;
  if (old && !now) return 'removed';
  if (!old && now) return 'added';
  if (now!.strength < old!.strength) return 'weakened';
  if (now!.strength > old!.strength) return 'strengthened';
  return now!.canon === old!.canon ? null : 'changed';
}

/**
 * Whether a change weakens: a lower strength, or a value removed from NEW (an objective nobody holds
 * any more), except `immutable: false` removed, which changes nothing.
 */
function isWeak(kind: ChangeKind, old: Reading | null, field: string): boolean {
  if (kind === 'weakened') return true;
  if (kind === 'removed') return field !== 'immutable' || old!.strength > 0;
  return false;
}

/** Whether going from `old` to `now` weakens the field. */
function weakens(field: string, old: Reading | null, now: Reading | null): boolean {
  const kind = compare(old, now);
  return kind !== null && isWeak(kind, old, field);
}

/** A service's effective value of a field in OLD and NEW; null when either cannot be determined (lint reports those). */
function readBoth(field: Field, oldService: Service, service: Service): { old: Reading | null; now: Reading | null } | null {
  if (service.unknown.has(field.yaml) || oldService.unknown.has(field.yaml)) return null;
  return { old: field.read(oldService), now: field.read(service) };
}

/** The table's kind of a change. */
function rowKind(kind: ChangeKind, weak: boolean): ChangeKind {
  if (weak) return kind === 'removed' ? 'removed' : 'weakened';
  return kind === 'removed' ? 'changed' : kind;
}

export function diffPolicies(oldPolicy: Policy, newPolicy: Policy): DiffResult {
  const changes: Change[] = [];
  const findings: DiffFinding[] = [];
  const source = newPolicy.source;
  // The first candidate present in NEW: a scalar at its value, a mapping or list at its key.
  const spanOf = (...candidates: (string | null | undefined)[]): Span => {
    for (const c of candidates) if (c !== null && c !== undefined && source.has(c)) return source.span(c, isContainer(newPolicy.raw, c));
    const last = candidates[candidates.length - 1];
    return source.span(last ?? '');
  };

  for (const oldService of oldPolicy.services) {
    const service = newPolicy.servicesByName.get(oldService.name);
    if (!service) {
      changes.push({ service: oldService.name, field: 'service', old: 'present', new: null, kind: 'removed', via: null, rule: 'service-removed' });
      const path = pointer('services', oldService.name);
      findings.push({
        rule: 'service-removed',
        path,
        message: `${oldService.name}: service removed; its backups, monitoring and restore tests stop`,
        hint: 'if the system is decommissioned, accept this in the review (or in .drc-baseline.json); otherwise restore the service',
        span: source.has('/services') ? source.span('/services', true) : source.span(''),
      });
      continue;
    }
    compareService(oldService, service, changes, findings, spanOf);
  }
  for (const service of newPolicy.services) {
    if (!oldPolicy.servicesByName.has(service.name)) {
      changes.push({ service: service.name, field: 'service', old: null, new: 'present', kind: 'added', via: null, rule: null });
    }
  }

  for (const [name, oldTier] of oldPolicy.tiers) {
    const tier = newPolicy.tiers.get(name);
    if (tier) compareTier(name, oldTier, tier, oldPolicy, newPolicy, findings, spanOf);
  }
  for (const [name, oldStorage] of oldPolicy.storage) {
    const storage = newPolicy.storage.get(name);
    if (storage) compareStorage(oldStorage, storage, findings, spanOf);
  }
  return { changes, findings };
}

function isContainer(root: unknown, at: string): boolean {
  let node = root;
  for (const segment of at.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node !== null && typeof node === 'object';
}

function viaOf(service: Service, reading: Reading | null): string | null {
  if (!reading || reading.from === null || reading.from === 'service') return null;
  if (reading.from === 'tier') return `tier ${service.tierName?.value ?? '?'}`;
  return reading.from;
}

type SpanOf = (...candidates: (string | null | undefined)[]) => Span;

function compareService(oldService: Service, service: Service, changes: Change[], findings: DiffFinding[], spanOf: SpanOf): void {
  const name = service.name;
  const report = (field: string, rule: DiffRuleId, path: string, old: Reading | null, now: Reading | null, words: string) => {
    const kind = compare(old, now)!;
    // A removed value is shown via where OLD's came from (e.g. a field dropped from the tier).
    const via = viaOf(service, now ?? (old?.from === 'tier' && service.tierName ? old : null));
    const weak = isWeak(kind, old, field);
    changes.push({ service: name, field, old: old?.text ?? null, new: now?.text ?? null, kind: rowKind(kind, weak), via, rule: weak ? rule : null });
    if (!weak) return;
    const label = LABEL[field] ?? field;
    findings.push({
      rule,
      path,
      message: `${name}: ${label} ${words}${via ? ` (via ${via})` : ''}`,
      span: locate(service, now ?? (old?.from === 'tier' ? old : null), path, spanOf),
    });
  };

  for (const field of OBJECTIVE_FIELDS) {
    const pair = readBoth(field, oldService, service);
    if (!pair || !compare(pair.old, pair.now)) continue;
    const { old, now } = pair;
    report(field.key, field.rule, `${service.at}/${field.yaml}`, old, now, old ? field.weakened(old, now) : '');
  }

  // Encryption: at rest (none < AES256 < aws:kms) and client side (none < openssl/age).
  const atRest = (s: Service): Reading => ({
    strength: AT_REST_RANK[s.encryption.atRest] ?? 0,
    text: s.encryption.atRest,
    canon: s.encryption.atRest,
    at: s.encryption.at.at_rest ?? null,
    from: fromPointer(s, s.encryption.at.at_rest),
  });
  const clientSide = (s: Service): Reading => {
    const method = s.encryption.clientSide?.method ?? 'none';
    return { strength: CLIENT_RANK[method] ?? 0, text: method, canon: method, at: s.encryption.at.client_side ?? null, from: fromPointer(s, s.encryption.at.client_side) };
  };
  for (const [field, read, yaml] of [
    ['encryption.at_rest', atRest, 'at_rest'],
    ['encryption.client_side', clientSide, 'client_side'],
  ] as const) {
    const old = read(oldService);
    const now = read(service);
    if (!compare(old, now)) continue;
    report(field, 'encryption-weakened', `${service.at}/encryption/${yaml}`, old, now, `weakened from ${old.text} to ${now.text}`);
  }

  // Regions: the storage region plus replicas (aws-backup: the policy's regions).
  if (!service.unknown.has('storage') && !oldService.unknown.has('storage')) {
    const removed = oldService.regions.filter((r) => !service.regions.includes(r));
    const added = service.regions.filter((r) => !oldService.regions.includes(r));
    if (removed.length > 0 || added.length > 0) {
      const via = service.storageName && service.storageName.from !== 'service' ? `storage ${service.storageName.value}` : service.storage ? `storage ${service.storage.name}` : null;
      const kind: ChangeKind = removed.length > 0 ? 'weakened' : 'strengthened';
      changes.push({ service: name, field: 'regions', old: oldService.regions.join(', ') || 'none', new: service.regions.join(', ') || 'none', kind, via, rule: removed.length ? 'region-removed' : null });
      if (removed.length > 0) {
        const path = `${service.at}/storage`;
        findings.push({
          rule: 'region-removed',
          path,
          message: `${name}: ${removed.length === 1 ? `region ${removed[0]}` : `regions ${removed.join(', ')}`} removed (backups now in ${service.regions.join(', ') || 'no region'})${via ? ` (via ${via})` : ''}`,
          span: spanOf(service.storageName?.from === 'service' ? service.storageName.at : null, service.storage ? `${service.storage.at}/replicas` : null, service.storage?.at, service.at),
        });
      }
    }
  }
}

/** Which level an encryption field comes from, by its pointer. */
function fromPointer(service: Service, at: string | undefined): Reading['from'] {
  if (!at) return null;
  if (at.startsWith(`${service.at}/`)) return 'service';
  if (at.startsWith('/defaults/')) return 'defaults';
  return 'policy';
}

/** Service findings: its own value, its `tier:` value when inherited from the tier, else the supplier, else the service key. */
function locate(service: Service, now: Reading | null, path: string, spanOf: SpanOf): Span {
  if (now?.from === 'tier' && service.tierName) return spanOf(service.tierName.at, now.at, path);
  return spanOf(now?.at, path);
}

/**
 * The services whose effective `field` a change of tier `name` weakens: in that tier in NEW, not setting
 * the field themselves (the tier does not reach an override), and weakened from OLD to NEW. So a value
 * moved from the tier to its services, or a tier edit every service overrides, weakens none.
 */
function weakenedThroughTier(name: string, field: Field, oldPolicy: Policy, newPolicy: Policy): string[] {
  return newPolicy.services
    .filter((service) => {
      const oldService = oldPolicy.servicesByName.get(service.name);
      if (!oldService || service.tierName?.value !== name) return false;
      const pair = readBoth(field, oldService, service);
      return pair !== null && pair.now?.from !== 'service' && weakens(field.key, pair.old, pair.now);
    })
    .map((s) => s.name);
}

/** One finding per weakened tier field, only when it weakens some service's effective value (docs/diff.md). */
function compareTier(name: string, oldTier: Tier, tier: Tier, oldPolicy: Policy, newPolicy: Policy, findings: DiffFinding[], spanOf: SpanOf): void {
  for (const field of OBJECTIVE_FIELDS) {
    const old = field.read(oldTier);
    const now = field.read(tier);
    if (!old || !weakens(field.key, old, now)) continue;
    const affected = weakenedThroughTier(name, field, oldPolicy, newPolicy);
    if (affected.length === 0) continue;
    const path = `${tier.at}/${field.yaml}`;
    findings.push({
      rule: field.rule,
      path,
      message: `tier ${name}: ${LABEL[field.key]} ${field.weakened(old, now)} (affects ${affected.join(', ')})`,
      span: spanOf(path, tier.at),
    });
  }
}

function compareStorage(old: StorageTarget, storage: StorageTarget, findings: DiffFinding[], spanOf: SpanOf): void {
  const name = storage.name;
  const removed = old.replicas.filter((r) => !storage.replicas.some((n) => n.region === r.region));
  if (removed.length > 0) {
    const path = `${storage.at}/replicas`;
    findings.push({
      rule: 'region-removed',
      path,
      message: `storage ${name}: replica ${removed.map((r) => `${r.bucket} in ${r.region}`).join(', ')} removed`,
      span: spanOf(path, storage.at),
    });
  }
  if (old.objectLock) {
    const lock = storage.objectLock;
    if (!lock) {
      const path = `${storage.at}/object_lock`;
      findings.push({
        rule: 'immutability-removed',
        path,
        message: `storage ${name}: object lock removed (was ${old.objectLock.mode}, ${old.objectLock.days} days)`,
        span: spanOf(path, storage.at),
      });
    } else {
      if (lock.days < old.objectLock.days) {
        const path = `${storage.at}/object_lock/days`;
        findings.push({ rule: 'immutability-removed', path, message: `storage ${name}: object lock shortened from ${old.objectLock.days} to ${lock.days} days`, span: spanOf(path, lock.at) });
      }
      if (old.objectLock.mode === 'compliance' && lock.mode === 'governance') {
        const path = `${storage.at}/object_lock/mode`;
        findings.push({ rule: 'immutability-removed', path, message: `storage ${name}: object lock relaxed from compliance to governance (privileged users can delete)`, span: spanOf(path, lock.at) });
      }
    }
  }
  const oldExpiry = old.expireAfter?.value.seconds ?? Infinity;
  const expiry = storage.expireAfter?.value.seconds ?? Infinity;
  if (expiry < oldExpiry) {
    const path = `${storage.at}/expire_after`;
    findings.push({
      rule: 'retention-reduced',
      path,
      message: `storage ${name}: expire_after ${Number.isFinite(oldExpiry) ? `reduced from ${formatDuration(oldExpiry)}` : 'added'} to ${formatDuration(expiry)}`,
      span: spanOf(path, storage.at),
    });
  }
}

/** Findings as diagnostics in NEW; `severities` from .drc.yaml apply (off drops a rule). */
export function diffDiagnostics(result: DiffResult, newPolicy: Policy, severities: Record<string, SeveritySetting> = {}): Diagnostic[] {
  const toDiagnostic = diagnosticFactory(newPolicy.source, severities);
  const out: Diagnostic[] = [];
  for (const f of result.findings) {
    const d = toDiagnostic(diffRuleMeta(f.rule), f);
    if (!d) continue;
    d.docs = `docs/diff.md#${f.rule}`; // the diff rules are documented together, not one page each
    out.push(d);
  }
  return out;
}
