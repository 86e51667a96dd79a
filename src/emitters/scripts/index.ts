/**
 * The `scripts` family (policy-language.md §10.1): backup.sh, restore.sh, restore-test.sh and verify.sh for
 * every postgresql, files and s3-bucket service with storage, plus the schedules that run them (systemd
 * service + timer units and a Kubernetes CronJob). Scripts are handlebars templates in which every policy
 * value passes through `{{sh x}}`; the shared bash functions live in templates/lib.hbs and are rendered into
 * every script, so each script is self-contained. Contract: docs/scripts.md.
 */
import {
  MANIFEST_NAME,
  RETENTION_TAG,
  type ScriptName,
  metricsFileName,
  payloadName,
  pgbackrestConfigPath,
  scriptPath,
  servicePrefix,
  storageBuckets,
  tierName,
} from '../layout.js';
import { toYamlDocuments } from '../serialize.js';
import { compileTemplate } from '../templates.js';
import type { Artifact, EmitContext, Emitter } from '../types.js';
import type { Policy, Service } from '../../model/types.js';
import configSource from './templates/config.hbs?raw';
import libSource from './templates/lib.hbs?raw';
import backupSource from './templates/backup.hbs?raw';
import restoreSource from './templates/restore.hbs?raw';
import restoreTestSource from './templates/restore-test.hbs?raw';
import verifySource from './templates/verify.hbs?raw';

/** Service kinds that get scripts. */
export const SCRIPT_KINDS = ['postgresql', 'files', 's3-bucket'] as const;

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
}

const render = {
  config: compileTemplate<ScriptData>(configSource),
  lib: compileTemplate<ScriptData>(libSource),
  'backup.sh': compileTemplate<ScriptData>(backupSource),
  'restore.sh': compileTemplate<ScriptData>(restoreSource),
  'restore-test.sh': compileTemplate<ScriptData>(restoreTestSource),
  'verify.sh': compileTemplate<ScriptData>(verifySource),
} as const;

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

export function scriptData(policy: Policy, service: Service, script: ScriptName, drcVersion: string): ScriptData | null {
  const storage = service.storage;
  if (!storage || !(SCRIPT_KINDS as readonly string[]).includes(service.kind)) return null;
  const enc = service.encryption;
  const clientSide = service.kind === 's3-bucket' ? 'none' : (enc.clientSide?.method ?? 'none');
  const buckets = storageBuckets(storage).map((b) => ({
    bucket: b.bucket,
    region: b.region,
    sse: enc.atRest,
    kmsKey: enc.atRest === 'aws:kms' ? (b.primary ? enc.kmsKey : (enc.replicaKmsKeys[b.region] ?? enc.kmsKey)) ?? '' : '',
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
  };
}

export function renderScript(data: ScriptData): string {
  return render.config(data) + render.lib(data) + render[data.script](data);
}

// ---- schedules ------------------------------------------------------------------------------------

const DOW_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOWS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Expands one cron field into its sorted values, or null for `*` (every value). */
function cronValues(field: string, min: number, max: number, names: string[] = []): number[] | null {
  if (field === '*' || field === '?') return null;
  const num = (t: string): number => {
    const i = names.indexOf(t.toLowerCase());
    const n = i >= 0 ? i + (names === MONTHS ? 1 : 0) : Number(t);
    if (!Number.isInteger(n)) throw new Error(`not a cron value: ${t}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad cron step: ${part}`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [lo, hi] = [num(a), num(b)];
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(max === 7 && v === 7 ? 0 : v);
  }
  return [...out].sort((a, b) => a - b);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A 5-field cron as systemd OnCalendar expressions. Cron ORs day-of-month and day-of-week when both are
 * restricted; systemd ANDs them, so that case becomes two expressions.
 */
export function cronToOnCalendar(cron: string, timezone: string): string[] {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`not a 5-field cron: ${cron}`);
  const [mi, ho, dom, mon, dow] = fields as [string, string, string, string, string];
  const minutes = cronValues(mi, 0, 59);
  const hours = cronValues(ho, 0, 23);
  const days = cronValues(dom, 1, 31);
  const months = cronValues(mon, 1, 12, MONTHS);
  const weekdays = cronValues(dow, 0, 7, DOWS);
  const list = (v: number[] | null, f: (n: number) => string = pad2) => (v === null ? '*' : v.map(f).join(','));
  const time = `${list(hours)}:${list(minutes)}:00`;
  const date = (d: number[] | null) => `*-${list(months)}-${list(d)}`;
  const zone = ` ${timezone}`;
  const wd = weekdays === null ? '' : `${weekdays.map((d) => DOW_NAMES[d]).join(',')} `;
  if (days !== null && weekdays !== null) return [`${date(days)} ${time}${zone}`, `${wd}${date(null)} ${time}${zone}`];
  return [`${wd}${date(days)} ${time}${zone}`];
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

function cronJob(policy: Policy, service: Service, backupScript: string): Artifact | null {
  const cron = service.schedule?.value.cron;
  if (!cron || !/^[0-9*,/\-A-Za-z? ]+$/.test(cron)) return null;
  const timeZone = service.timezone ?? policy.timezone ?? 'Etc/UTC';
  if (!SAFE_TIMEZONE.test(timeZone)) return null;
  const name = `drc-backup-${service.name}`.slice(0, 52).replace(/-+$/, '');
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
                  command: ['/bin/bash', '/drc/backup.sh'],
                  envFrom: [{ secretRef: { name: `${name}-env` } }],
                  env: [{ name: 'DRC_TEXTFILE_DIR', value: '/drc/metrics' }],
                  volumeMounts: [
                    { name: 'script', mountPath: '/drc/backup.sh', subPath: 'backup.sh', readOnly: true },
                    { name: 'metrics', mountPath: '/drc/metrics' },
                  ],
                },
              ],
              volumes: [
                { name: 'script', configMap: { name: `${name}-script`, defaultMode: 0o555 } },
                { name: 'metrics', emptyDir: {} },
              ],
            },
          },
        },
      },
    },
  };
  return { path: `scripts/${service.name}/cronjob.yaml`, content: toYamlDocuments([configMap, job]) };
}

export const emit: Emitter = (context: EmitContext): Artifact[] => {
  const { policy, drcVersion } = context;
  const out: Artifact[] = [];
  for (const service of [...policy.services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    let backup = '';
    for (const script of ['backup.sh', 'restore.sh', 'restore-test.sh', 'verify.sh'] as const) {
      const data = scriptData(policy, service, script, drcVersion);
      if (!data) break;
      const content = renderScript(data);
      if (script === 'backup.sh') backup = content;
      out.push({ path: scriptPath(service, script), content, executable: true });
    }
    if (!backup) continue;
    out.push(...systemdUnits(policy, service));
    const cj = cronJob(policy, service, backup);
    if (cj) out.push(cj);
  }
  return out;
};
