/**
 * Phase 3: plain data → typed Model. Parses every value (durations, sizes, schedules), computes the
 * effective values of each service (service → tier → defaults → policy) and keeps where each came from.
 * It never throws on ill-typed input: the schema phase reports the shape; here a value of the wrong
 * type is simply absent, and a value that does not parse is recorded for the invalid-value rule.
 */
import { pointer } from '../diagnostics.js';
import { sha256Hex } from '../hash.js';
import type { SourceIndex } from '../parser/source.js';
import { parseDuration, parseFrequency, parseRate, parseSchedule, parseSize } from '../parser/values.js';
import type { ValueResult } from '../parser/value-types.js';
import type {
  ClientSideEncryption,
  InvalidValue,
  Encryption,
  Environment,
  GfsPeriod,
  Objectives,
  Policy,
  Rate,
  Replica,
  Retention,
  Schedule,
  Service,
  ServiceKind,
  Size,
  Sourced,
  StorageClass,
  StorageTarget,
  Tier,
  Transition,
} from './types.js';
import { GFS_PERIODS, KIND_FIELDS, SERVICE_KINDS, STORAGE_CLASSES } from './types.js';
import { timeZoneProblem } from './timezones.js';

export interface Resolved {
  policy: Policy;
}

type Data = Record<string, unknown>;

/** The service fields parsed into one value each (objectives and encryption aside), by key. */
interface FieldValues {
  tier: string;
  environment: Environment;
  owner: string;
  storage: string;
  timezone: string;
  schedule: Schedule;
  data_size: Size;
  restore_rate: Rate;
}
type FieldKey = keyof FieldValues;
/** Parses a field's value (null: absent or invalid; invalid ones are recorded where the parser says). */
type FieldParsers = { [K in FieldKey]: (value: unknown, at: string) => FieldValues[K] | null };

/** A service field as written, on the service or in `defaults:`, before it is parsed. */
interface Written {
  value: unknown;
  at: string;
  from: 'service' | 'defaults';
}

const GFS_SECONDS: Record<GfsPeriod, number> = {
  hourly: 3600,
  daily: 86400,
  weekly: 7 * 86400,
  monthly: 30 * 86400,
  yearly: 365 * 86400,
};

const ENVIRONMENTS = new Set<Environment>(['production', 'staging', 'development', 'test']);

function isObject(value: unknown): value is Data {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  // Keys keep the order they are written in: deterministic, and no sort per service.
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

/** `text` is the policy file's content; its sha256 is computed only when something reads `policy.sha256`. */
export function resolvePolicy(data: unknown, source: SourceIndex, text: string): Resolved {
  return new Resolver(source, text).resolve(isObject(data) ? data : {});
}

class Resolver {
  readonly invalidValues: InvalidValue[] = [];
  /** One parser per field, for a service's own value and for `defaults:` alike. */
  private readonly fieldParsers: FieldParsers = {
    tier: (v) => str(v),
    environment: (v) => (ENVIRONMENTS.has(v as Environment) ? (v as Environment) : null),
    owner: (v) => str(v),
    storage: (v) => str(v),
    timezone: (v, at) => this.timeZone(v, at),
    schedule: (v, at) => this.parsed(v, at, parseSchedule),
    data_size: (v, at) => this.parsed(v, at, parseSize),
    restore_rate: (v, at) => this.parsed(v, at, parseRate),
  };

  constructor(
    private readonly source: SourceIndex,
    private readonly text: string,
  ) {}

  resolve(doc: Data): Resolved {
    const regionsData = isObject(doc.regions) ? doc.regions : {};
    const encryption = this.encryption(doc.encryption, '/encryption', emptyEncryption());
    const storage = new Map<string, StorageTarget>();
    if (isObject(doc.storage)) {
      for (const name of Object.keys(doc.storage)) {
        const target = this.storageTarget(name, doc.storage[name]);
        if (target) storage.set(name, target);
      }
    }
    const tiers = new Map<string, Tier>();
    if (isObject(doc.tiers)) {
      for (const name of Object.keys(doc.tiers)) {
        const raw = doc.tiers[name];
        const at = pointer('tiers', name);
        const data = isObject(raw) ? raw : {};
        tiers.set(name, { name, at, title: str(data.title), ...this.objectives(data, at, 'tier') });
      }
    }
    const defaults = isObject(doc.defaults) ? doc.defaults : {};
    const defaultObjectives = this.objectives(defaults, '/defaults', 'defaults');
    const services: Service[] = [];
    const servicesByName = new Map<string, Service>();
    // Services without an encryption block of their own share one object: no per-service copies.
    const serviceEncryption = this.encryption(defaults.encryption, '/defaults/encryption', encryption);
    const timezone = this.timeZone(doc.timezone, '/timezone');
    const context: ServiceContext = {
      doc, defaults, defaultObjectives, defaultFields: this.defaultFields(defaults), tiers, storage, encryption: serviceEncryption,
      timezone: { value: timezone, invalid: doc.timezone !== undefined && timezone === null },
    };
    if (isObject(doc.services)) {
      for (const name of Object.keys(doc.services)) {
        const service = this.service(name, doc.services[name], context);
        services.push(service);
        servicesByName.set(name, service);
      }
    }
    const monitoring = isObject(doc.monitoring) ? doc.monitoring : {};
    const drills = isObject(doc.drills) ? doc.drills : {};
    const compliance = isObject(doc.compliance) ? doc.compliance : {};
    let sha256: string | undefined;
    const text = this.text;
    const policy: Policy = {
      get sha256() {
        return (sha256 ??= sha256Hex(text));
      },
      file: this.source.file,
      version: typeof doc.version === 'number' ? doc.version : 1,
      name: str(doc.name) ?? 'policy',
      owner: str(doc.owner),
      timezone,
      regions: { primary: str(regionsData.primary) ?? '', secondary: strings(regionsData.secondary) },
      encryption,
      storage,
      tiers,
      services,
      servicesByName,
      monitoring: {
        metrics: monitoring.metrics === 'pushgateway' ? 'pushgateway' : 'textfile',
        textfileDir: str(monitoring.textfile_dir) ?? '/var/lib/node_exporter/textfile_collector',
        pushgatewayUrl: str(monitoring.pushgateway_url),
        runbookUrl: str(monitoring.runbook_url),
        alertLabels: stringMap(monitoring.alert_labels),
      },
      drills: {
        scenario: str(drills.scenario),
        roles: strings(drills.roles),
        notice: this.parsed(drills.notice, '/drills/notice', parseDuration),
      },
      compliance: {
        frameworks: Array.isArray(compliance.frameworks)
          ? compliance.frameworks.flatMap((f, i) =>
              typeof f === 'string' ? [{ value: f, at: pointer('compliance', 'frameworks', i), from: 'policy' as const }] : [],
            )
          : [],
      },
      customRules: Array.isArray(doc.rules) ? doc.rules : [],
      raw: doc,
      source: this.source,
      invalidValues: this.invalidValues,
    };
    return { policy };
  }

  /**
   * Parses a value-kind string; records a failure for invalid-value. A bare number (`rpo: 15`) is read
   * as its text, so it gets the grammar's message (`expected a unit … after "15"`, policy-language.md §2)
   * rather than a type error: no value kind is a bare number. Other non-strings are the schema's business.
   */
  private parsed<T>(value: unknown, at: string, parse: (text: string) => ValueResult<T>): T | null {
    if (typeof value === 'number' && Number.isFinite(value)) {
      const result = parse(String(value));
      if (!result.ok) this.invalidValues.push({ path: at, message: result.message, offset: result.offset, length: result.length });
      return null;
    }
    if (typeof value !== 'string') return null;
    const result = parse(value);
    if (result.ok) return result.value;
    this.invalidValues.push({ path: at, message: result.message, offset: result.offset, length: result.length });
    return null;
  }

  private encryption(raw: unknown, at: string, base: Encryption): Encryption {
    if (!isObject(raw)) return base;
    const out: Encryption = { ...base, at: { ...base.at } };
    if (raw.at_rest === 'aws:kms' || raw.at_rest === 'AES256' || raw.at_rest === 'none') {
      out.atRest = raw.at_rest;
      out.at.at_rest = `${at}/at_rest`;
    }
    if (typeof raw.kms_key === 'string') {
      out.kmsKey = raw.kms_key;
      out.at.kms_key = `${at}/kms_key`;
    }
    if (isObject(raw.replica_kms_keys)) {
      out.replicaKmsKeys = stringMap(raw.replica_kms_keys);
      out.at.replica_kms_keys = `${at}/replica_kms_keys`;
    }
    if (isObject(raw.client_side)) {
      const cs = raw.client_side;
      const method = cs.method === 'age' || cs.method === 'openssl' || cs.method === 'none' ? cs.method : 'none';
      const clientSide: ClientSideEncryption = {
        method,
        recipients: strings(cs.recipients),
        passphraseEnv: str(cs.passphrase_env) ?? (method === 'openssl' ? 'DRC_BACKUP_PASSPHRASE' : null),
      };
      out.clientSide = clientSide;
      out.at.client_side = `${at}/client_side`;
    }
    return out;
  }

  private storageTarget(name: string, raw: unknown): StorageTarget | null {
    if (!isObject(raw)) return null;
    const at = pointer('storage', name);
    const bucket = str(raw.bucket) ?? '';
    const region = str(raw.region) ?? '';
    const replicas: Replica[] = Array.isArray(raw.replicas)
      ? raw.replicas.flatMap((r, i) =>
          isObject(r) && typeof r.bucket === 'string' && typeof r.region === 'string'
            ? [{ bucket: r.bucket, region: r.region, at: `${at}/replicas/${i}` }]
            : [],
        )
      : [];
    const lock = isObject(raw.object_lock) ? raw.object_lock : null;
    const transitions: Transition[] = [];
    if (Array.isArray(raw.transitions)) {
      raw.transitions.forEach((t, i) => {
        if (!isObject(t)) return;
        const tAt = `${at}/transitions/${i}`;
        const after = this.parsed(t.after, `${tAt}/after`, parseDuration);
        const cls = STORAGE_CLASSES.includes(t.class as StorageClass) ? (t.class as StorageClass) : null;
        if (after && cls) transitions.push({ after, class: cls, at: tAt });
      });
    }
    const expire = this.parsed(raw.expire_after, `${at}/expire_after`, parseDuration);
    return {
      name,
      at,
      type: 's3',
      bucket,
      region,
      replicas,
      objectLock:
        lock && (lock.mode === 'compliance' || lock.mode === 'governance') && typeof lock.days === 'number'
          ? { mode: lock.mode, days: lock.days, at: `${at}/object_lock` }
          : null,
      expireAfter: expire ? { value: expire, at: `${at}/expire_after`, from: 'policy' } : null,
      transitions,
      regions: unique([region, ...replicas.map((r) => r.region)].filter(Boolean)),
    };
  }

  /** The inheritable objectives a tier, defaults or service sets itself. */
  private objectives(data: Data, at: string, from: Sourced<unknown>['from']): Objectives & { invalid: Set<string> } {
    const invalid = new Set<string>();
    const out: Objectives & { invalid: Set<string> } = { invalid };
    const wrap = <T>(field: string, value: T | null): Sourced<T> | undefined => {
      if (value === null) {
        if (data[field] !== undefined) invalid.add(field);
        return undefined;
      }
      return { value, at: `${at}/${field}`, from };
    };
    out.rto = wrap('rto', this.parsed(data.rto, `${at}/rto`, parseDuration));
    out.rpo = wrap('rpo', this.parsed(data.rpo, `${at}/rpo`, parseDuration));
    out.retention = wrap('retention', this.retention(data.retention, `${at}/retention`));
    out.restoreTest = wrap('restore_test', this.parsed(data.restore_test, `${at}/restore_test`, parseFrequency));
    out.drDrill = wrap('dr_drill', this.parsed(data.dr_drill, `${at}/dr_drill`, parseFrequency));
    out.minRegions = wrap('min_regions', typeof data.min_regions === 'number' ? data.min_regions : null);
    out.immutable = wrap('immutable', typeof data.immutable === 'boolean' ? data.immutable : null);
    return out;
  }

  private retention(raw: unknown, at: string): Retention | null {
    if (typeof raw === 'string' || typeof raw === 'number') {
      const duration = this.parsed(raw, at, parseDuration);
      return duration ? { duration, keep: null, seconds: duration.seconds } : null;
    }
    if (!isObject(raw)) return null;
    const duration = raw.duration === undefined ? null : this.parsed(raw.duration, `${at}/duration`, parseDuration);
    if (raw.duration !== undefined && !duration) return null;
    let keep: Retention['keep'] = null;
    let span = 0;
    if (isObject(raw.keep)) {
      keep = {};
      for (const period of GFS_PERIODS) {
        const count = raw.keep[period];
        if (typeof count === 'number' && count >= 0) {
          keep[period] = count;
          span = Math.max(span, count * GFS_SECONDS[period]);
        }
      }
    }
    if (!duration && !keep) return null;
    return { duration, keep, seconds: duration ? duration.seconds : span };
  }

  private service(name: string, raw: unknown, ctx: ServiceContext): Service {
    const at = pointer('services', name);
    const data = isObject(raw) ? raw : {};
    const own = this.objectives(data, at, 'service');
    const unknown = new Set<string>(own.invalid);
    // Every field: the service's own value, else the whole value in `defaults:` (no merge; encryption
    // excepted, below), with the pointer of the node that wrote it.
    const written = (key: string): Written | null => {
      if (data[key] !== undefined) return { value: data[key], at: `${at}/${key}`, from: 'service' };
      if (ctx.defaults[key] !== undefined) return { value: ctx.defaults[key], at: `/defaults/${key}`, from: 'defaults' };
      return null;
    };
    const field = <K extends FieldKey>(key: K): Sourced<FieldValues[K]> | null => {
      if (data[key] === undefined) {
        const inherited = ctx.defaultFields.get(key);
        if (inherited === null) unknown.add(key);
        return (inherited ?? null) as Sourced<FieldValues[K]> | null;
      }
      const value = this.fieldParsers[key](data[key], `${at}/${key}`);
      if (value === null) unknown.add(key);
      return value === null ? null : { value, at: `${at}/${key}`, from: 'service' };
    };
    const tierName = field('tier');
    const tier = tierName ? ctx.tiers.get(tierName.value) ?? null : null;
    if (tierName && !tier) unknown.add('tier');
    const objectives: Objectives = {};
    const keys: [keyof Objectives, string][] = [
      ['rto', 'rto'], ['rpo', 'rpo'], ['retention', 'retention'], ['restoreTest', 'restore_test'],
      ['drDrill', 'dr_drill'], ['minRegions', 'min_regions'], ['immutable', 'immutable'],
    ];
    // service → tier → defaults. A level that declares the field with an invalid value, or a tier
    // that does not exist (null), makes the field unknown rather than absent: no cascading findings.
    type Level = (Objectives & { invalid?: Set<string> }) | null;
    const levels: Level[] = tierName ? [own, tier, ctx.defaultObjectives] : [own, ctx.defaultObjectives];
    for (const [key, yamlKey] of keys) {
      for (const level of levels) {
        if (level === null || level.invalid?.has(yamlKey)) {
          unknown.add(yamlKey);
          break;
        }
        if (level[key] !== undefined) {
          (objectives as Record<string, unknown>)[key] = level[key];
          break;
        }
      }
    }
    const kindWritten = written('kind');
    const kind = SERVICE_KINDS.includes(kindWritten?.value as ServiceKind) ? (kindWritten!.value as ServiceKind) : 'files';
    // A kind's own block (postgresql:, paths:, bucket: …) is inherited only by services of that kind.
    const kindField = (key: string): Written | null => {
      const source = written(key);
      return source?.from === 'defaults' && !KIND_FIELDS[kind].includes(key) ? null : source;
    };
    const kindValue = (key: string): unknown => kindField(key)?.value;
    const kindBlock = (key: string): Data | null => {
      const value = kindValue(key);
      return isObject(value) ? value : null;
    };
    const environment =
      field('environment') ??
      ({ value: 'production', at: at, from: 'policy' } as Sourced<Environment>);
    const storageName = field('storage');
    let storage: StorageTarget | null = null;
    let storageSourced = storageName;
    if (storageName) {
      storage = ctx.storage.get(storageName.value) ?? null;
      if (!storage) unknown.add('storage');
    } else if (ctx.storage.size === 1) {
      // One storage target is everyone's default.
      const [only] = ctx.storage.values();
      storage = only!;
      storageSourced = { value: only!.name, at: only!.at, from: 'policy' };
    }
    const pgWritten = kindField('postgresql');
    const pg = isObject(pgWritten?.value) ? pgWritten.value : null;
    const mysql = kindBlock('mysql');
    const zone = field('timezone');
    // An invalid zone (the service's, else defaults', else the policy's) is unknown: no other one stands in.
    if (!zone && !unknown.has('timezone') && ctx.timezone.invalid) unknown.add('timezone');
    const encryption = this.encryption(data.encryption, `${at}/encryption`, ctx.encryption);
    const namespaces = kindBlock('namespaces');
    const resources = kindBlock('resources');
    const labelSelector = kindBlock('label_selector');
    const bucket = kindValue('bucket');
    // AWS Backup copies to the policy's regions (the plan's copy action), whatever storage is named or
    // defaulted: the S3 storage targets hold drc's own backups, not AWS Backup's.
    const regions = kind === 'aws-backup' ? this.policyRegions(ctx.doc) : (storage?.regions.slice() ?? []);
    const continuous = continuity(written('continuous'), pgWritten);
    const service: Service = {
      name,
      at,
      title: str(written('title')?.value),
      kind,
      environment,
      tierName,
      tier,
      owner: field('owner'),
      timezone: zone ? zone.value : unknown.has('timezone') ? null : ctx.timezone.value,
      labels: stringMap(written('labels')?.value),
      postgresql: pg
        ? {
            host: str(pg.host) ?? 'localhost',
            port: typeof pg.port === 'number' ? pg.port : 5432,
            database: str(pg.database) ?? name,
            user: str(pg.user) ?? 'postgres',
            // §4: `continuous: true` on postgresql is the same as `pitr: true`.
            pitr: pg.pitr === true || continuous?.value === true,
          }
        : null,
      mysql: mysql
        ? {
            host: str(mysql.host) ?? 'localhost',
            port: typeof mysql.port === 'number' ? mysql.port : 3306,
            database: str(mysql.database) ?? name,
            user: str(mysql.user) ?? 'root',
          }
        : null,
      paths: strings(kindValue('paths')),
      exclude: strings(kindValue('exclude')),
      sourceBucket: typeof bucket === 'string' ? { bucket, region: str(kindValue('region')) ?? '' } : null,
      namespaces: namespaces ? { include: strings(namespaces.include), exclude: strings(namespaces.exclude) } : null,
      labelSelector: labelSelector ? stringMap(labelSelector) : null,
      snapshotVolumes: kindValue('snapshot_volumes') === true,
      resources: resources ? { tags: stringMap(resources.tags) } : null,
      arns: strings(kindValue('arns')),
      continuous,
      schedule: field('schedule'),
      dataSize: field('data_size'),
      restoreRate: field('restore_rate'),
      storageName: storageSourced,
      storage,
      encryption,
      regions,
      unknown,
      // Listed one by one (not spread) so every Service has the same shape.
      rto: objectives.rto,
      rpo: objectives.rpo,
      retention: objectives.retention,
      restoreTest: objectives.restoreTest,
      drDrill: objectives.drDrill,
      minRegions: objectives.minRegions,
      immutable: objectives.immutable,
    };
    return service;
  }

  /**
   * The fields `defaults:` sets, parsed once for all the services that inherit them (an invalid default
   * is one finding, not one per service) and whether or not one does (it is reported all the same).
   */
  private defaultFields(defaults: Data): Map<FieldKey, Sourced<unknown> | null> {
    const fields = new Map<FieldKey, Sourced<unknown> | null>();
    for (const key of Object.keys(this.fieldParsers) as FieldKey[]) {
      if (defaults[key] === undefined) continue;
      const at = `/defaults/${key}`;
      const value = this.fieldParsers[key](defaults[key], at);
      fields.set(key, value === null ? null : { value, at, from: 'defaults' });
    }
    return fields;
  }

  /** An IANA zone name lint accepts, else null; an unknown name is recorded for invalid-value. */
  private timeZone(value: unknown, at: string): string | null {
    if (typeof value !== 'string') return null;
    const problem = timeZoneProblem(value);
    if (problem === null) return value;
    this.invalidValues.push({ path: at, message: problem, offset: 0, length: value.length });
    return null;
  }

  private policyRegions(doc: Data): string[] {
    const regions = isObject(doc.regions) ? doc.regions : {};
    return unique([str(regions.primary) ?? '', ...strings(regions.secondary)].filter(Boolean));
  }
}

interface ServiceContext {
  doc: Data;
  defaults: Data;
  defaultObjectives: Objectives;
  /** The parsed fields `defaults:` sets (null: invalid), by key. */
  defaultFields: Map<FieldKey, Sourced<unknown> | null>;
  tiers: Map<string, Tier>;
  storage: Map<string, StorageTarget>;
  /** Policy-level encryption merged with `defaults.encryption`. */
  encryption: Encryption;
  /** The policy's `timezone:` when lint accepts it; `invalid` when it is set but is not a zone. */
  timezone: { value: string | null; invalid: boolean };
}

/**
 * `continuous: true`, else `pitr: true` in the postgresql block, else `continuous: false`; at the node
 * that says so.
 */
function continuity(continuous: Written | null, postgresql: Written | null): Sourced<boolean> | null {
  const declared = typeof continuous?.value === 'boolean' ? continuous : null;
  if (declared?.value === true) return { value: true, at: declared.at, from: declared.from };
  if (postgresql && isObject(postgresql.value) && postgresql.value.pitr === true) {
    return { value: true, at: `${postgresql.at}/pitr`, from: postgresql.from };
  }
  return declared ? { value: false, at: declared.at, from: declared.from } : null;
}

function emptyEncryption(): Encryption {
  return { atRest: 'none', kmsKey: null, replicaKmsKeys: {}, clientSide: null, at: {} };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

