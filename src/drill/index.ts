/**
 * `drc drill` (policy-language.md §10.2; docs/drill.md): run a service's generated scripts for real —
 * backup.sh, restore.sh --latest into a scratch target, verify.sh of the restored backup — then remove the
 * scratch target, and measure the recovery time and recovery point against the service's RTO and RPO.
 *
 * The drill never touches the source: restore.sh only ever creates a NEW database or directory (and
 * refuses the source's name), and the only thing the drill removes is the scratch target it named itself.
 * The environment passes through to the scripts unchanged (AWS_*, DRC_*, PG*), so a drill runs against
 * whatever the caller's environment points at.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scriptPath, storageBuckets, MANIFEST_NAME } from '../emitters/layout.js';
import { scriptFilesFor } from '../emitters/scripts/index.js';
import type { Artifact } from '../emitters/types.js';
import type { Policy, Service } from '../model/types.js';
import { runStep, tailOf, type StepRun } from './exec.js';

export const DRILL_STEPS = ['backup.sh', 'restore.sh', 'verify.sh', 'cleanup'] as const;

export interface DrillStep {
  name: string;
  /** The command line as run (script path relative to the drill directory). */
  command: string;
  seconds: number;
  ok: boolean;
  /** The last lines of the step's stderr (or stdout). */
  output_tail: string;
}

export interface DrillReport {
  service: string;
  kind: string;
  policy: string;
  rto_seconds: number | null;
  rpo_seconds: number | null;
  backup: { seconds: number | null; bytes: number | null; key: string | null; started_at: string | null; finished_at: string | null };
  restore: { seconds: number | null; target: string | null; started_at: string | null };
  validate: { seconds: number | null };
  /** restore.sh (which checks the restored data against the manifest) + verify.sh, wall time. */
  recovery_time_seconds: number | null;
  /** When the restore began, minus the restored backup's manifest `started_at`. */
  recovery_point_seconds: number | null;
  /** null when the service declares no such objective. */
  rto_met: boolean | null;
  rpo_met: boolean | null;
  /** Every step ran and succeeded (the scratch target was removed). */
  ok: boolean;
  steps: DrillStep[];
  /** The failing step, when one failed. */
  failed_step: string | null;
  started_at: string;
  finished_at: string;
  /** The drill's temporary directory, when kept (--keep). */
  kept_dir: string | null;
}

export interface DrillOptions {
  policy: Policy;
  service: Service;
  /** The build's artifacts (buildPolicy); the service's scripts are taken from them. */
  artifacts: readonly Artifact[];
  /** The caller's environment, passed to every script unchanged. */
  env: Record<string, string | undefined>;
  /** Keep the temporary directory with the scripts and the step logs. */
  keep?: boolean;
  /** One progress line (no newline). */
  progress?: (line: string) => void;
  /** Also pass every line the scripts log to progress. */
  verbose?: boolean;
  signal?: AbortSignal;
  /** For tests: the clock (ms since the epoch). */
  now?: () => number;
}

/** Thrown for conditions that are the caller's to fix before a drill can start (exit 2). */
export class DrillUsageError extends Error {}

/** Why a service cannot be drilled, or null when it can. */
export function whyNoDrill(service: Service, artifacts: readonly Artifact[]): string | null {
  if (!['postgresql', 'files', 's3-bucket'].includes(service.kind)) {
    const runner = service.kind === 'kubernetes' ? 'Velero' : service.kind === 'aws-backup' ? 'AWS Backup' : 'no drc script';
    return `service "${service.name}" is of kind ${service.kind}: drc generates no backup/restore scripts for it (${runner} runs its backups and restores), so drc drill cannot drill it; follow docs/dr-drill-checklist.md from drc build instead`;
  }
  if (!service.storage) return `service "${service.name}" has no storage target: drc generates no scripts for it, so there is nothing to drill`;
  const scripts = new Set(scriptFilesFor(artifacts, service.name).map((a) => a.path));
  for (const s of ['backup.sh', 'restore.sh', 'verify.sh'] as const) if (!scripts.has(scriptPath(service, s))) return `the build produced no ${s} for service "${service.name}"`;
  return null;
}

/** `drc_drill_<service>_<YYYYMMDDHHMMSS>`: within restore.sh's 48-character limit for database names. */
export function scratchDatabaseName(service: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d+Z$/, '').replace(/[-:T]/g, '');
  const room = 48 - 'drc_drill_'.length - 1 - stamp.length;
  const name = service.replace(/[^A-Za-z0-9_]/g, '_').slice(0, room).replace(/_+$/, '') || 'service';
  return `drc_drill_${name}_${stamp}`;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** The folder (`<policy>/<service>/<stamp>/`) a restore.sh run says it restored. */
export function restoredFolder(restoreLog: string): string | null {
  const m = /restore complete: (\S+\/) from /.exec(restoreLog);
  return m ? m[1]! : null;
}

/** The folder a backup.sh run says it wrote. */
export function backedUpFolder(backupLog: string): string | null {
  const m = /backup complete: s3:\/\/[^/\s]+\/(\S+\/) \(/.exec(backupLog);
  return m ? m[1]! : null;
}

interface Manifest {
  started_at?: string;
  finished_at?: string;
  bytes?: number;
  key?: string;
}

/** Reads a backup's manifest from the primary bucket with the S3 API, resolving the endpoint as the scripts do. */
async function readManifest(service: Service, folder: string, env: Record<string, string | undefined>): Promise<Manifest> {
  const { createS3Access } = await import('../verify/s3.js');
  const primary = storageBuckets(service.storage!)[0]!;
  const access = await createS3Access({ env, concurrency: 1 });
  try {
    const text = await access.reader(primary.bucket, primary.region).getText(`${folder}${MANIFEST_NAME}`);
    if (text === null) throw new Error(`s3://${primary.bucket}/${folder}${MANIFEST_NAME} does not exist`);
    return JSON.parse(text) as Manifest;
  } finally {
    access.close();
  }
}

export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  const { policy, service } = opts;
  const why = whyNoDrill(service, opts.artifacts);
  if (why) throw new DrillUsageError(why);
  const now = opts.now ?? Date.now;
  const progress = opts.progress ?? (() => {});
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const drillStarted = now();
  const env = cleanEnv(opts.env);
  const report: DrillReport = {
    service: service.name,
    kind: service.kind,
    policy: policy.name,
    rto_seconds: service.rto?.value.seconds ?? null,
    rpo_seconds: service.rpo?.value.seconds ?? null,
    backup: { seconds: null, bytes: null, key: null, started_at: null, finished_at: null },
    restore: { seconds: null, target: null, started_at: null },
    validate: { seconds: null },
    recovery_time_seconds: null,
    recovery_point_seconds: null,
    rto_met: null,
    rpo_met: null,
    ok: false,
    steps: [],
    failed_step: null,
    started_at: iso(drillStarted),
    finished_at: iso(drillStarted),
    kept_dir: null,
  };

  // The scripts go into a private directory (mkdtemp: 0700), scripts 0700.
  const root = mkdtempSync(join(env.TMPDIR || tmpdir(), 'drc-drill-'));
  chmodSync(root, 0o700);
  const scriptDir = join(root, 'scripts', service.name);
  // The service's scripts and the library they source (scripts/_lib/), in the build's layout.
  for (const artifact of scriptFilesFor(opts.artifacts, service.name)) {
    const p = join(root, ...artifact.path.split('/'));
    mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
    writeFileSync(p, artifact.content, { mode: 0o700 });
    chmodSync(p, 0o700);
  }
  const logDir = join(root, 'logs');
  mkdirSync(logDir, { mode: 0o700 });

  const total = DRILL_STEPS.length;
  const record = (index: number, name: string, command: string, run: StepRun): DrillStep => {
    const ok = run.code === 0;
    const step: DrillStep = { name, command, seconds: round(run.seconds, 2), ok, output_tail: run.tail };
    report.steps.push(step);
    writeFileSync(join(logDir, `${index}-${name}.log`), `$ ${command}\n--- stderr ---\n${run.stderr}\n--- stdout ---\n${run.stdout}\n--- exit ${run.code}${run.signal ? ` (${run.signal})` : ''} ---\n`);
    progress(`drc drill: [${index}/${total}] ${name} ${ok ? 'ok' : `FAILED (exit ${run.code}${run.signal ? `, ${run.signal}` : ''})`} in ${round(run.seconds, 1)} s`);
    if (!ok && report.failed_step === null) report.failed_step = name;
    return step;
  };
  const script = async (index: number, name: string, args: string[]): Promise<StepRun> => {
    const shown = [`scripts/${service.name}/${name}`, ...args].join(' ');
    progress(`drc drill: [${index}/${total}] ${shown}`);
    const run = await runStep('bash', [join(scriptDir, name), ...args], {
      env,
      signal: opts.signal,
      onLine: opts.verbose ? (line) => progress(`  ${line}`) : undefined,
    });
    record(index, name, shown, run);
    return run;
  };
  const interrupted = () => opts.signal?.aborted === true;

  let scratch: { kind: 'db'; name: string } | { kind: 'dir'; path: string; parent: string } | null = null;
  try {
    // 1. backup.sh: a real, complete backup of the source to every storage region.
    const backup = await script(1, 'backup.sh', []);
    report.backup.seconds = round(backup.seconds, 2);
    if (backup.code !== 0 || interrupted()) return report;

    // 2. restore.sh --latest into a scratch target named here (so it is the only thing the drill removes).
    const restoreStarted = now();
    let targetArgs: string[];
    if (service.kind === 'postgresql') {
      scratch = { kind: 'db', name: scratchDatabaseName(service.name, new Date(restoreStarted)) };
      targetArgs = ['--target-db', scratch.name];
    } else {
      const parent = mkdtempSync(join(env.TMPDIR || tmpdir(), 'drc-drill-target-'));
      scratch = { kind: 'dir', path: join(parent, 'restore'), parent };
      targetArgs = ['--target-dir', scratch.path];
    }
    report.restore.target = scratch.kind === 'db' ? scratch.name : scratch.path;
    report.restore.started_at = iso(restoreStarted);
    const restore = await script(2, 'restore.sh', ['--latest', ...targetArgs, '--yes']);
    report.restore.seconds = round(restore.seconds, 2);
    if (restore.code !== 0 || interrupted()) return report;

    // The restored backup's manifest: its started_at is the recovery point, its bytes the backup's size.
    const folder = restoredFolder(restore.stderr) ?? backedUpFolder(backup.stderr);
    let manifest: Manifest | null = null;
    let manifestError: string | null = null;
    if (folder) {
      try {
        manifest = await readManifest(service, folder, env);
      } catch (e) {
        manifestError = `cannot read the manifest of ${folder}: ${(e as Error).message}`;
      }
    } else manifestError = 'restore.sh did not say which backup it restored ("restore complete: <folder> from …")';

    // 3. verify.sh of the same backup: size, sha256 and decryption of the stored payload.
    const verify = await script(3, 'verify.sh', folder ? ['--key', folder] : []);
    report.validate.seconds = round(verify.seconds, 2);
    if (verify.code !== 0 || interrupted()) return report;

    if (!manifest) {
      report.steps.push({ name: 'manifest', command: `read ${folder ?? '?'}${MANIFEST_NAME}`, seconds: 0, ok: false, output_tail: manifestError ?? '' });
      report.failed_step ??= 'manifest';
      progress(`drc drill: ${manifestError}`);
      return report;
    }
    report.backup.key = manifest.key ?? null;
    report.backup.bytes = typeof manifest.bytes === 'number' ? manifest.bytes : null;
    report.backup.started_at = manifest.started_at ?? null;
    report.backup.finished_at = manifest.finished_at ?? null;
    report.recovery_time_seconds = round(restore.seconds + verify.seconds, 2);
    const startedMs = manifest.started_at ? Date.parse(manifest.started_at) : NaN;
    if (Number.isFinite(startedMs)) report.recovery_point_seconds = round(Math.max(0, (restoreStarted - startedMs) / 1000), 1);
  } finally {
    // 4. Remove the scratch target (never anything else), and the temporary directory unless --keep.
    if (scratch) await removeScratch(scratch, service, env, (run, command) => record(4, 'cleanup', command, run), progress);
    if (opts.keep) {
      report.kept_dir = root;
      progress(`drc drill: kept ${root} (scripts and step logs)`);
    } else rmSync(root, { recursive: true, force: true });
    report.finished_at = iso(now());
    report.ok = report.failed_step === null && report.steps.every((s) => s.ok) && report.recovery_time_seconds !== null;
    // An objective is met only by a recovery that succeeded and was measured.
    const recovered = report.failed_step === null || report.failed_step === 'cleanup';
    if (report.rto_seconds !== null) report.rto_met = recovered && report.recovery_time_seconds !== null && report.recovery_time_seconds <= report.rto_seconds;
    if (report.rpo_seconds !== null) report.rpo_met = recovered && report.recovery_point_seconds !== null && report.recovery_point_seconds <= report.rpo_seconds;
  }
  return report;
}

async function removeScratch(
  scratch: { kind: 'db'; name: string } | { kind: 'dir'; path: string; parent: string },
  service: Service,
  env: Record<string, string>,
  record: (run: StepRun, command: string) => void,
  progress: (line: string) => void,
): Promise<void> {
  if (scratch.kind === 'dir') {
    const started = process.hrtime.bigint();
    let error = '';
    try {
      rmSync(scratch.parent, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      error = `cannot remove ${scratch.parent}: ${(e as Error).message}`;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    record({ code: error ? 1 : 0, signal: null, seconds, stdout: '', stderr: error, tail: error }, `rm -rf ${scratch.parent}`);
    return;
  }
  // The same libpq environment as the scripts: the caller's PG* first, the policy's values second; the
  // maintenance connection is the source database, as the scripts' own DROP DATABASE uses.
  const pg = service.postgresql!;
  const pgEnv = { ...env, PGHOST: env.PGHOST || pg.host, PGPORT: env.PGPORT || String(pg.port), PGUSER: env.PGUSER || pg.user, PGDATABASE: env.PGDATABASE || pg.database };
  const args = ['--if-exists', '--no-password', `--maintenance-db=${pgEnv.PGDATABASE}`, scratch.name];
  progress(`drc drill: [4/4] dropdb ${args.join(' ')}`);
  const run = await runStep('dropdb', args, { env: pgEnv });
  if (run.code !== 0) run.tail = tailOf(`${run.tail}\nthe scratch database ${scratch.name} may still exist: drop it by hand (dropdb ${scratch.name})`);
  record(run, `dropdb ${args.join(' ')}`);
}
