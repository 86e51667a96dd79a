/**
 * The `scripts` family (policy-language.md §10.1): backup.sh, restore.sh, restore-test.sh and verify.sh for
 * every postgresql, files and s3-bucket service with storage, plus the schedules that run them (systemd
 * service + timer units and a Kubernetes CronJob). Contract: docs/scripts.md.
 *
 * The code is emitted once per service kind, as the library `scripts/_lib/drc-<kind>.sh` (templates/lib.hbs
 * plus each script's main part as a function: backup.hbs, restore.hbs, …). Those templates depend on the
 * kind only, never on a policy value, so they are rendered once per kind (memoised). Each
 * `scripts/<service>/<script>.sh` is small: a header (templates/header.hbs) and the service's settings
 * (templates/config.hbs, rendered once per service; every policy value through `{{sh x}}`), then it checks
 * the library's sha256, sources the library and calls `drc_main`.
 * `_lib` can never be a service's folder: service names start with [a-z0-9].
 */
import { cronFields } from '../../parser/values.js';
import type { CronField } from '../../parser/value-types.js';
import {
  MANIFEST_NAME,
  RESTORE_TEST_RETENTION,
  RETENTION_TAG,
  byName,
  fit,
  holdsShared,
  inPart,
  kmsKeyForRegion,
  primaryRegion,
  SCRIPT_KINDS,
  type ScriptKind,
  SCRIPT_NAMES,
  type ScriptName,
  metricsFileName,
  payloadName,
  pgbackrestConfigPath,
  scriptPath,
  servicePrefix,
  storageBuckets,
  tierName,
} from '../layout.js';
import { toYaml, toYamlDocuments } from '../serialize.js';
import { compileTemplate } from '../templates.js';
import type { Artifact, EmitContext, EmitPart, Emitter } from '../types.js';
import type { Policy, Service } from '../../model/types.js';
import headerSource from './templates/header.hbs?raw';
import configSource from './templates/config.hbs?raw';
import libSource from './templates/lib.hbs?raw';
import backupSource from './templates/backup.hbs?raw';
import restoreSource from './templates/restore.hbs?raw';
import restoreTestSource from './templates/restore-test.hbs?raw';
import verifySource from './templates/verify.hbs?raw';
import { sha256Hex } from '../../hash.js';

export { SCRIPT_KINDS, type ScriptKind };

/** Folder of the shared libraries; not a valid service name (those start with [a-z0-9]), so no collision. */
export const LIB_DIR = 'scripts/_lib';

/** The library of a kind, relative to the build output. */
export function libraryPath(kind: ScriptKind): string {
  return `${LIB_DIR}/drc-${kind}.sh`;
}

/** The ConfigMaps of the libraries, for the CronJobs (one file for the whole build). */
export const LIB_CONFIGMAP_PATH = `${LIB_DIR}/configmap.yaml`;

export interface ScriptData {
  script: ScriptName;
  kindWords: string;
  policy: string;
  service: string;
  kind: string;
  tier: string;
  drcVersion: string;
  policySha256: string;
  prefix: string;
  payload: string;
  manifestName: string;
  retentionTag: string;
  primaryRegion: string;
  buckets: { bucket: string; region: string; sse: string; kmsKey: string }[];
  encryption: 'age' | 'openssl' | 'none';
  recipients: string[];
  passphraseEnv: string;
  textfileDir: string;
  metricsBackupFile: string;
  metricsRestoreTestFile: string;
  expectedSize: string;
  postgresql: { host: string; port: string; database: string; user: string; pitr: string; pgbackrestConfig: string } | null;
  files: boolean;
  paths: string[];
  exclude: string[];
  s3bucket: boolean;
  sourceBucket: string;
  sourceRegion: string;
  /** sha256 of the kind's library (scripts/_lib/drc-<kind>.sh), checked by the script before sourcing it. */
  libSha256: string;
}

/** What the library templates see: the kind flags, the drc version and layout constants, never a per-service value. */
export interface LibraryData {
  drcVersion: string;
  /** The `drc-retention` value of restore-test records (their lifecycle rule filters on it). */
  restoreTestRetention: string;
  postgresql: boolean;
  files: boolean;
  s3bucket: boolean;
}

/** A script = its header (the script's name; templates/header.hbs) + the service's settings and loader (config.hbs). */
const renderHeader = compileTemplate<ScriptData>(headerSource);
const renderConfig = compileTemplate<ScriptData>(configSource);
/** The library: shared functions, then each script's main part (a function), in this order. */
const LIBRARY_PARTS = [libSource, backupSource, restoreSource, restoreTestSource, verifySource].map((src) => compileTemplate<LibraryData>(src));

const KIND_WORDS: Record<string, Record<ScriptName, string>> = {
  postgresql: {
    'backup.sh': 'logical backup (pg_dump, one snapshot, streamed and encrypted)',
    'restore.sh': 'restore into a new database',
    'restore-test.sh': 'restore test into a scratch database',
    'verify.sh': 'checksum and decryption check',
  },
  files: {
    'backup.sh': 'file backup (tar, streamed and encrypted)',
    'restore.sh': 'restore into a new directory',
    'restore-test.sh': 'restore test into a scratch directory',
    'verify.sh': 'checksum and decryption check',
  },
  's3-bucket': {
    'backup.sh': 'bucket copy (server-side)',
    'restore.sh': 'restore into a new directory or bucket prefix',
    'restore-test.sh': 'restore test into a scratch directory',
    'verify.sh': 'object count check',
  },
};

/** A kind's library, rendered: the same text for every service of the kind (and every policy) of one drc version. */
export interface Library {
  kind: ScriptKind;
  path: string;
  content: string;
  sha256: string;
}

/** Libraries memoised by drc version and kind: rendered once, however many services and builds. */
const libraries = new Map<string, Library>();

export function renderLibrary(kind: ScriptKind, drcVersion: string): Library {
  const id = `${drcVersion}\0${kind}`;
  let lib = libraries.get(id);
  if (!lib) {
    const data: LibraryData = { drcVersion, restoreTestRetention: RESTORE_TEST_RETENTION, postgresql: kind === 'postgresql', files: kind === 'files', s3bucket: kind === 's3-bucket' };
    const content = LIBRARY_PARTS.map((part) => part(data)).join('');
    lib = { kind, path: libraryPath(kind), content, sha256: sha256Hex(content) };
    if (libraries.size > 64) libraries.clear();
    libraries.set(id, lib);
  }
  return lib;
}

const isScriptKind = (kind: string): kind is ScriptKind => (SCRIPT_KINDS as readonly string[]).includes(kind);

export function scriptData(policy: Policy, service: Service, script: ScriptName, drcVersion: string): ScriptData | null {
  const storage = service.storage;
  if (!storage || !isScriptKind(service.kind)) return null;
  const enc = service.encryption;
  const clientSide = service.kind === 's3-bucket' ? 'none' : (enc.clientSide?.method ?? 'none');
  const buckets = storageBuckets(storage).map((b) => ({
    bucket: b.bucket,
    region: b.region,
    sse: enc.atRest,
    kmsKey: kmsKeyForRegion(enc, b.region, primaryRegion(policy, storage)) ?? '',
  }));
  const pg = service.kind === 'postgresql' ? service.postgresql : null;
  return {
    script,
    kindWords: KIND_WORDS[service.kind]![script],
    policy: policy.name,
    service: service.name,
    kind: service.kind,
    tier: tierName(service),
    drcVersion,
    policySha256: policy.sha256,
    prefix: servicePrefix(policy, service),
    payload: service.kind === 's3-bucket' ? 'objects/' : payloadName(service),
    manifestName: MANIFEST_NAME,
    retentionTag: RETENTION_TAG,
    primaryRegion: storage.region,
    buckets,
    encryption: clientSide,
    recipients: clientSide === 'age' ? [...(enc.clientSide?.recipients ?? [])] : [],
    passphraseEnv: clientSide === 'openssl' ? (enc.clientSide?.passphraseEnv ?? 'DRC_BACKUP_PASSPHRASE') : '',
    textfileDir: policy.monitoring.textfileDir ?? '',
    metricsBackupFile: metricsFileName(service, 'backup'),
    metricsRestoreTestFile: metricsFileName(service, 'restore-test'),
    expectedSize: service.dataSize ? String(Math.ceil(service.dataSize.value.bytes)) : '',
    postgresql: pg ? { host: pg.host, port: String(pg.port), database: pg.database, user: pg.user, pitr: String(Boolean(pg.pitr)), pgbackrestConfig: pgbackrestConfigPath(service) } : null,
    files: service.kind === 'files',
    paths: service.kind === 'files' ? [...service.paths] : [],
    exclude: service.kind === 'files' ? [...service.exclude] : [],
    s3bucket: service.kind === 's3-bucket',
    sourceBucket: service.sourceBucket?.bucket ?? '',
    sourceRegion: service.sourceBucket?.region ?? '',
    libSha256: renderLibrary(service.kind, drcVersion).sha256,
  };
}

/** A service's script: its settings and the code that loads the library (the library itself is separate). */
export function renderScript(data: ScriptData): string {
  return renderHeader(data) + renderConfig(data);
}

/**
 * Every artifact a service's scripts need to run, with their build-relative paths: the service's own
 * `scripts/<service>/*.sh` and the library they source (`scripts/_lib/drc-<kind>.sh`). Write them under
 * one folder keeping the paths, and the scripts run from there.
 */
export function scriptFilesFor(artifacts: readonly Artifact[], serviceName: string): Artifact[] {
  const dir = `scripts/${serviceName}/`;
  const own = artifacts.filter((a) => a.path.startsWith(dir) && !a.path.slice(dir.length).includes('/') && a.path.endsWith('.sh'));
  const needed = new Set<string>();
  for (const a of own) for (const m of a.content.matchAll(/^# shellcheck source=\.\.\/_lib\/([a-z0-9-]+\.sh)$/gm)) needed.add(`${LIB_DIR}/${m[1]!}`);
  return [...own, ...artifacts.filter((a) => needed.has(a.path))];
}

// ---- schedules ------------------------------------------------------------------------------------

const DOW_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A 5-field cron as systemd OnCalendar expressions. Cron ORs day-of-month and day-of-week when both are
 * restricted; systemd ANDs them, so that case becomes two expressions.
 */
export function cronToOnCalendar(cron: string, timezone: string): string[] {
  const fields = cronFields(cron);
  if (!fields) throw new Error(`not a 5-field cron: ${cron}`);
  const list = (f: CronField, format: (n: number) => string = pad2) => (f.any ? '*' : f.values.map(format).join(','));
  const time = `${list(fields.hour)}:${list(fields.minute)}:00`;
  const date = (days: CronField) => `*-${list(fields.month)}-${list(days)}`;
  const zone = ` ${timezone}`;
  const everyDay: CronField = { values: [], any: true };
  const weekdays = fields.dayOfWeek;
  const wd = weekdays.any ? '' : `${weekdays.values.map((d) => DOW_NAMES[d]).join(',')} `;
  if (!fields.dayOfMonth.any && !weekdays.any) return [`${date(fields.dayOfMonth)} ${time}${zone}`, `${wd}${date(everyDay)} ${time}${zone}`];
  return [`${wd}${date(fields.dayOfMonth)} ${time}${zone}`];
}

const SAFE_TIMEZONE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

function safeCalendar(cron: string, tz: string): string[] | null {
  try {
    return cronToOnCalendar(cron, tz);
  } catch {
    return null;
  }
}

const FREQUENCY_CALENDAR: Record<string, string> = {
  hourly: 'hourly',
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
  quarterly: 'quarterly',
  yearly: 'yearly',
};

function unit(lines: [string, string[]][]): string {
  return lines.map(([section, entries]) => `[${section}]\n${entries.join('\n')}\n`).join('\n');
}

/** Install location the systemd units and the CronJob assume (docs/scripts.md). */
export const INSTALL_DIR = '/usr/local/lib/drc/scripts';

function systemdUnits(policy: Policy, service: Service): Artifact[] {
  const name = service.name;
  const dir = `scripts/${name}`;
  const tz = service.timezone ?? policy.timezone ?? 'UTC';
  const out: Artifact[] = [];
  // An IANA name; anything else (lint reports it) would be unit-file syntax, so no units are written.
  if (!SAFE_TIMEZONE.test(tz)) return out;
  const serviceUnit = (job: 'backup' | 'restore-test', description: string) =>
    unit([
      ['Unit', [`Description=${description}`, 'Wants=network-online.target', 'After=network-online.target']],
      [
        'Service',
        [
          'Type=oneshot',
          `EnvironmentFile=-/etc/drc/${name}.env`,
          `ExecStart=${INSTALL_DIR}/${name}/${job}.sh`,
          'Nice=10',
          'IOSchedulingClass=best-effort',
          'IOSchedulingPriority=7',
          'PrivateTmp=true',
          'NoNewPrivileges=true',
        ],
      ],
    ]);
  const timer = (job: 'backup' | 'restore-test', description: string, schedule: string[]) =>
    unit([
      ['Unit', [`Description=${description}`]],
      ['Timer', [...schedule, 'RandomizedDelaySec=0', `Unit=drc-${job}-${name}.service`]],
      ['Install', ['WantedBy=timers.target']],
    ]);
  const sched = service.schedule?.value;
  if (sched) {
    const calendar = sched.cron ? safeCalendar(sched.cron, tz) : null;
    const when = calendar
      ? [...calendar.map((c) => `OnCalendar=${c}`), 'Persistent=true']
      : sched.intervalSeconds
        ? ['OnActiveSec=1min', `OnUnitActiveSec=${sched.intervalSeconds}s`]
        : [];
    if (when.length > 0) {
      out.push({ path: `${dir}/drc-backup-${name}.service`, content: serviceUnit('backup', `drc backup of ${name}`) });
      out.push({ path: `${dir}/drc-backup-${name}.timer`, content: timer('backup', `drc backup of ${name}`, when) });
    }
  }
  const rt = service.restoreTest?.value;
  if (rt) {
    const word = FREQUENCY_CALENDAR[rt.text.trim()];
    const when = word
      ? [`OnCalendar=${calendarWord(word)} ${tz}`, 'Persistent=true']
      : ['OnActiveSec=1h', `OnUnitActiveSec=${rt.maxGapSeconds}s`];
    out.push({ path: `${dir}/drc-restore-test-${name}.service`, content: serviceUnit('restore-test', `drc restore test of ${name}`) });
    out.push({ path: `${dir}/drc-restore-test-${name}.timer`, content: timer('restore-test', `drc restore test of ${name}`, when) });
  }
  return out;
}

/** systemd's shorthand words as explicit calendar expressions (a zone cannot follow a shorthand). */
function calendarWord(word: string): string {
  switch (word) {
    case 'hourly': return '*-*-* *:00:00';
    case 'daily': return '*-*-* 00:00:00';
    case 'weekly': return 'Mon *-*-* 00:00:00';
    case 'monthly': return '*-*-01 00:00:00';
    case 'quarterly': return '*-01,04,07,10-01 00:00:00';
    default: return '*-01-01 00:00:00';
  }
}

/** Name of a library's ConfigMap: content-addressed, so CronJobs of different builds never share a wrong one. */
export function libraryConfigMapName(lib: Library): string {
  return `drc-lib-${lib.kind}-${lib.sha256.slice(0, 12)}`;
}

/** Where the container sees the build's scripts folder (the service's backup.sh and the library under it). */
const POD_SCRIPTS_DIR = '/drc';

function libraryConfigMaps(libs: Library[]): Artifact {
  const maps = libs.map((lib) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: libraryConfigMapName(lib), labels: { 'app.kubernetes.io/managed-by': 'drc', 'drc/library': lib.kind } },
    immutable: true,
    data: { [`drc-${lib.kind}.sh`]: lib.content },
  }));
  return { path: LIB_CONFIGMAP_PATH, content: toYamlDocuments(maps) };
}

/**
 * Characters a YAML literal block scalar can hold as they are: tab, line feed and printable text, minus
 * what YAML 1.1 reads as a line break (U+0085, U+2028, U+2029) or a byte-order mark.
 */
const LITERAL_SAFE = /^(?:[\t\n\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/**
 * `key: |` and the text, indented: what `yaml` writes for a script, without its node tree (10,000 CronJobs
 * took over half a second that way). Only for text that starts with a non-space, ends with exactly one
 * newline and holds only LITERAL_SAFE characters; null otherwise, and the caller lets the library do it.
 */
function literalEntry(key: string, text: string, indent: string): string | null {
  if (!/^[A-Za-z0-9_.-]+$/.test(key) || !/^[^\s]/.test(text) || !text.endsWith('\n') || text.endsWith('\n\n') || !LITERAL_SAFE.test(text)) return null;
  // Every line indented, empty lines left empty (the text starts with a non-blank line).
  const pad = `${indent}  `;
  return `${indent}${key}: |\n${pad}${text.slice(0, -1).replace(/\n(?=[^\n])/g, `\n${pad}`)}\n`;
}

/** A ConfigMap (built as an object) with one script: the data written as a literal block when that is exact. */
function configMapYaml(configMap: { apiVersion: string; kind: string; metadata: object; data: Record<string, string> }): string {
  const [[key, text], ...rest] = Object.entries(configMap.data) as [string, string][];
  const entry = rest.length === 0 && key !== undefined && text !== undefined ? literalEntry(key, text, '  ') : null;
  if (entry === null) return toYaml(configMap);
  return `${toYaml({ apiVersion: configMap.apiVersion, kind: configMap.kind, metadata: configMap.metadata })}data:\n${entry}`;
}

/** A CronJob's schedule and time zone; null when the service gets no CronJob (no cron, or one lint reports). */
function cronJobSchedule(policy: Policy, service: Service): { cron: string; timeZone: string } | null {
  const cron = service.schedule?.value.cron;
  if (!cron || !/^[0-9*,/\-A-Za-z? ]+$/.test(cron)) return null;
  const timeZone = service.timezone ?? policy.timezone ?? 'Etc/UTC';
  return SAFE_TIMEZONE.test(timeZone) ? { cron, timeZone } : null;
}

function cronJob(policy: Policy, service: Service, backupScript: string, lib: Library): Artifact | null {
  const schedule = cronJobSchedule(policy, service);
  if (!schedule) return null;
  const { cron, timeZone } = schedule;
  // Kubernetes names: 52 characters leave room for the suffixes below; longer names keep a hash, so two
  // long service names with the same start never share a CronJob.
  const name = fit(`drc-backup-${service.name}`, 52);
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-script`, labels: { 'app.kubernetes.io/managed-by': 'drc', 'drc/service': service.name } },
    data: { 'backup.sh': backupScript },
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'drc', 'drc/service': service.name, 'drc/policy': policy.name } },
    spec: {
      schedule: cron,
      timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { 'drc/service': service.name } },
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'backup',
                  // Placeholder: an image with bash, aws, age/openssl, pg_dump/tar (docs/scripts.md).
                  image: 'drc-runner:replace-me',
                  // The script finds its library at ../_lib/ from its own path, as in the build output.
                  command: ['/bin/bash', `${POD_SCRIPTS_DIR}/${service.name}/backup.sh`],
                  envFrom: [{ secretRef: { name: `${name}-env` } }],
                  env: [{ name: 'DRC_TEXTFILE_DIR', value: '/drc/metrics' }],
                  // subPath mounts are plain files (no ConfigMap symlinks), so the script's real path stays here.
                  volumeMounts: [
                    { name: 'script', mountPath: `${POD_SCRIPTS_DIR}/${service.name}/backup.sh`, subPath: 'backup.sh', readOnly: true },
                    { name: 'lib', mountPath: `${POD_SCRIPTS_DIR}/_lib/drc-${lib.kind}.sh`, subPath: `drc-${lib.kind}.sh`, readOnly: true },
                    { name: 'metrics', mountPath: '/drc/metrics' },
                  ],
                },
              ],
              volumes: [
                { name: 'script', configMap: { name: `${name}-script`, defaultMode: 0o555 } },
                { name: 'lib', configMap: { name: libraryConfigMapName(lib), defaultMode: 0o444 } },
                { name: 'metrics', emptyDir: {} },
              ],
            },
          },
        },
      },
    },
  };
  return { path: `scripts/${service.name}/cronjob.yaml`, content: `${configMapYaml(configMap)}---\n${toYaml(job)}` };
}

/** The services that get scripts, in name order. */
function scriptedServices(policy: Policy): (Service & { kind: ScriptKind })[] {
  return [...policy.services].filter((s): s is Service & { kind: ScriptKind } => s.storage !== null && isScriptKind(s.kind)).sort(byName);
}

/**
 * Yields each service's files as they are rendered (the build writes them at once: 10,000 services make
 * 50,000 files), then the shared libraries of the kinds in use (in part 0 when the family is split).
 */
export const emit: Emitter = function* (context: EmitContext, part?: EmitPart): Iterable<Artifact> {
  const { policy, drcVersion } = context;
  const services = scriptedServices(policy);
  for (const [position, service] of services.entries()) {
    if (!inPart(position, part)) continue;
    const base = scriptData(policy, service, 'backup.sh', drcVersion)!;
    const kindWords = KIND_WORDS[service.kind]!;
    // The settings are the same in the four scripts: rendered once per service, only the header per script.
    const settings = renderConfig(base);
    let backup = '';
    for (const script of SCRIPT_NAMES) {
      const content = renderHeader(script === 'backup.sh' ? base : { ...base, script, kindWords: kindWords[script] }) + settings;
      if (script === 'backup.sh') backup = content;
      yield { path: scriptPath(service, script), content, executable: true };
    }
    yield* systemdUnits(policy, service);
    const cj = cronJob(policy, service, backup, renderLibrary(service.kind, drcVersion));
    if (cj) yield cj;
  }
  if (!holdsShared(part)) return;
  const used = new Set(services.map((s) => s.kind));
  const usedByCronJobs = new Set(services.filter((s) => cronJobSchedule(policy, s)).map((s) => s.kind));
  const libs = SCRIPT_KINDS.filter((k) => used.has(k)).map((k) => renderLibrary(k, drcVersion));
  const shared: Artifact[] = libs.map((lib) => ({ path: lib.path, content: lib.content }));
  if (usedByCronJobs.size > 0) shared.push(libraryConfigMaps(libs.filter((lib) => usedByCronJobs.has(lib.kind))));
  yield* shared;
};
