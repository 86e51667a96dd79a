/**
 * pgBackRest for `postgresql` services with `pitr: true` (policy-language.md §4): per service
 * `pgbackrest/<service>.conf` (one S3 repository per region), `<service>.postgresql.conf` (WAL archiving
 * with archive_timeout below the RPO) and `<service>.cron` (pgBackRest has no scheduler).
 * Targets pgBackRest 2.45 (Debian 12): plain-second time values, no repo-block. See docs/artifacts/pgbackrest.md.
 */
import type { Policy, Service } from '../../model/types.js';
import { durationWords } from '../../parser/values.js';
import { byName, pgbackrestConfigPath, storageBuckets } from '../layout.js';
import type { Artifact, EmitContext, Emitter } from '../types.js';
import { anchorTime, checkedTimezone, effectiveCron } from '../kubernetes/cron.js';
import { toIni, type IniSection } from './ini.js';

/** Where the generated files are meant to be installed on the database host. */
export const configPath = pgbackrestConfigPath;
export function cronInstallPath(service: Pick<Service, 'name'>): string {
  return `/etc/cron.d/drc-pgbackrest-${service.name}`;
}
/** Placeholder data directory (Debian's PostgreSQL 15 default); override with PGBACKREST_PG1_PATH. */
export const DEFAULT_PG1_PATH = '/var/lib/postgresql/15/main';
/** The environment variable pgBackRest reads the cipher passphrase of repository N from. */
export function cipherPassVariable(repo: number): string {
  return `PGBACKREST_REPO${repo}_CIPHER_PASS`;
}
/** Default retention (days) when a service has no effective retention. */
const DEFAULT_RETENTION_DAYS = 30;

export function pitrServices(policy: Policy): Service[] {
  return policy.services
    .filter((s) => s.kind === 'postgresql' && s.postgresql?.pitr === true && s.storage !== null)
    .sort(byName);
}

/**
 * PostgreSQL's archive_timeout (seconds) for an RPO: half the RPO rounded down, at most 300 s, at least
 * 1 s — so always below the RPO. Worst-case WAL loss is about archive_timeout plus the archive-push
 * latency, and the other half of the RPO is left for the push. 60 s when the service has no RPO.
 */
export function archiveTimeoutSeconds(rpoSeconds: number | null): number {
  if (rpoSeconds === null || !Number.isFinite(rpoSeconds)) return 60;
  return Math.min(300, Math.max(1, Math.floor(rpoSeconds / 2)));
}

export function retentionDays(service: Service): number {
  const seconds = service.retention?.value.seconds;
  if (seconds === undefined) return DEFAULT_RETENTION_DAYS;
  return Math.min(9_999_999, Math.max(1, Math.ceil(seconds / 86_400)));
}

export interface RepoPlan {
  index: number;
  bucket: string;
  region: string;
  primary: boolean;
  /** `/<policy>/<service>/pgbackrest/<region>`: one folder per repository, so S3 replication of the
   * primary bucket into the replica bucket never overwrites the replica's own repository. */
  path: string;
  kmsKeyId: string | null;
  cipher: boolean;
}

export function repoPlan(policy: Policy, service: Service): RepoPlan[] {
  const storage = service.storage!;
  const enc = service.encryption;
  const cipher = enc.clientSide !== null && enc.clientSide.method !== 'none';
  return storageBuckets(storage).map((b, i) => ({
    index: i + 1,
    bucket: b.bucket,
    region: b.region,
    primary: b.primary,
    path: `/${policy.name}/${service.name}/pgbackrest/${b.region}`,
    kmsKeyId: enc.atRest === 'aws:kms' ? (b.primary ? enc.kmsKey : (enc.replicaKmsKeys[b.region] ?? null)) : null,
    cipher,
  }));
}

export function configSections(policy: Policy, service: Service): IniSection[] {
  const repos = repoPlan(policy, service);
  const days = retentionDays(service);
  const global: IniSection = { name: 'global', entries: [] };
  for (const r of repos) {
    const n = `repo${r.index}`;
    global.entries.push(
      [`${n}-type`, 's3'],
      [`${n}-s3-bucket`, r.bucket],
      [`${n}-s3-region`, r.region],
      [`${n}-s3-endpoint`, `s3.${r.region}.amazonaws.com`],
      [`${n}-s3-key-type`, 'auto'],
      [`${n}-path`, r.path],
      [`${n}-bundle`, true],
      [`${n}-retention-full-type`, 'time'],
      [`${n}-retention-full`, days],
    );
    if (r.kmsKeyId) global.entries.push([`${n}-s3-kms-key-id`, r.kmsKeyId]);
    if (r.cipher) global.entries.push([`${n}-cipher-type`, 'aes-256-cbc']);
  }
  global.entries.push(['archive-async', true], ['start-fast', true], ['compress-type', 'zst'], ['process-max', 2]);
  global.comment = [
    `one repository per region of storage "${service.storage!.name}" (repo1 = primary bucket)`,
    `retention: full backups kept by time, at least ${days} days of coverage (pgBackRest keeps an older full when needed)`,
    ...(repos.some((r) => r.cipher)
      ? [`cipher passphrases are not written here: set ${repos.map((r) => cipherPassVariable(r.index)).join(', ')} in the environment`]
      : []),
  ];
  const stanza: IniSection = {
    name: service.name,
    comment: [`pg1-path is a placeholder: override with PGBACKREST_PG1_PATH or edit it`],
    entries: [
      ['pg1-path', DEFAULT_PG1_PATH],
      ['pg1-port', service.postgresql!.port],
    ],
  };
  return [global, stanza];
}

function header(service: Service, what: string): string[] {
  return [`generated by drc from policy service "${service.name}": ${what}; do not edit, rebuild instead`];
}

export function postgresqlConf(service: Service): string {
  const rpo = service.rpo?.value.seconds ?? null;
  const timeout = archiveTimeoutSeconds(rpo);
  const lines = [
    ...header(service, 'WAL archiving settings for postgresql.conf (restart required)').map((l) => `# ${l}`),
    `# archive_timeout ${timeout}s is below the RPO${rpo !== null ? ` (${durationWords(rpo)})` : ''}: worst-case WAL loss is about archive_timeout plus the archive-push latency`,
    'archive_mode = on',
    `archive_command = 'pgbackrest --config=${configPath(service)} --stanza=${service.name} archive-push %p'`,
    `archive_timeout = ${timeout}`,
    'wal_level = replica',
  ];
  return `${lines.join('\n')}\n`;
}

/** /etc/cron.d lines: full weekly, differential daily, incremental at the service's schedule, per repository. */
export function cronFile(policy: Policy, service: Service): string {
  const repos = repoPlan(policy, service);
  const schedule = service.schedule?.value ?? null;
  const main = schedule ? effectiveCron(schedule) : null;
  const { minute, hour } = anchorTime(main?.cron ?? '0 1 * * *');
  const zone = checkedTimezone(service.timezone);
  const lock = `/run/lock/drc-pgbackrest-${service.name}.lock`;
  const cmd = (repo: number, type: string, waitSeconds: number) =>
    `postgres flock -w ${waitSeconds} ${lock} pgbackrest --config=${configPath(service)} --stanza=${service.name} --repo=${repo} --type=${type} backup`;
  const lines = [
    ...header(service, `pgBackRest backup schedule; install as ${cronInstallPath(service)}`).map((l) => `# ${l}`),
    '# pgBackRest has no scheduler. Jobs of one stanza are serialised with flock, so a long full backup',
    '# delays (never skips) the jobs behind it.',
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ];
  if (zone) lines.push(`# times are in ${zone}: CRON_TZ is honoured by cronie; Debian's cron uses the host's zone`, `CRON_TZ=${zone}`);
  lines.push('', '# full backup, weekly on Sunday');
  for (const r of repos) lines.push(`${minute} ${hour} * * 0 ${cmd(r.index, 'full', 6 * 3600)}`);
  lines.push('', '# differential backup, daily Monday to Saturday');
  for (const r of repos) lines.push(`${minute} ${hour} * * 1-6 ${cmd(r.index, 'diff', 6 * 3600)}`);
  if (main && main.gapSeconds < 86_400) {
    lines.push('', `# incremental backup, at the service's schedule (${schedule!.text})${main.note ? `: ${main.note}` : ''}`);
    for (const r of repos) lines.push(`${main.cron} ${cmd(r.index, 'incr', Math.max(60, Math.floor(main.gapSeconds / 2)))}`);
  }
  for (const l of lines) {
    if (l.includes('%') || /[\r\0]/.test(l)) throw new Error(`drc: cron line contains a character cron would misread: ${l}`);
  }
  return `${lines.join('\n')}\n`;
}

export const emit: Emitter = (context: EmitContext): Artifact[] => {
  const policy = context.policy;
  const out: Artifact[] = [];
  for (const service of pitrServices(policy)) {
    out.push(
      { path: `pgbackrest/${service.name}.conf`, content: toIni(configSections(policy, service), header(service, `pgBackRest configuration, install as ${configPath(service)}`)) },
      { path: `pgbackrest/${service.name}.postgresql.conf`, content: postgresqlConf(service) },
      { path: `pgbackrest/${service.name}.cron`, content: cronFile(policy, service) },
    );
  }
  return out;
};
