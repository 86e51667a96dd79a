// Throwaway PostgreSQL 15 clusters on loopback (real initdb + pg_ctl, never a mock).
// When the tests run as root (CI), every server-side command runs as the `postgres` OS user via
// `runuser -u postgres --`, because the server refuses to run as root.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { makeTempDir, type TempDir } from './tmp.js';
import { requireTool, run, runOk, type RunOptions, type RunResult } from './tools.js';

export interface StartPostgresOptions {
  /** Turn on WAL archiving (archive_mode=on). Implied by archiveCommand. */
  archiveMode?: boolean;
  /** archive_command, e.g. `pgbackrest --config=… --stanza=main archive-push %p`. */
  archiveCommand?: string;
  /** Extra postgresql.conf settings (strings are quoted for you). */
  settings?: Record<string, string | number | boolean>;
  /** Start attempts on port conflicts. Default 5. */
  attempts?: number;
  /** Prefix of the temp dir name. */
  name?: string;
}

export interface PostgresCluster {
  /** TCP host the server listens on: always 127.0.0.1 (the unix socket is in socketDir). */
  host: string;
  port: number;
  /** Unix socket directory (an alternative PGHOST). */
  socketDir: string;
  /** PGDATA. Owned by the postgres OS user when running as root. */
  dataDir: string;
  /** The temp dir holding dataDir, socketDir and the server log; removed by stop(). */
  baseDir: string;
  logFile: string;
  /** PGHOST, PGPORT, PGUSER (superuser `postgres`, trust auth). */
  env: Record<string, string>;
  /** postgres://postgres@127.0.0.1:PORT/DB */
  url(db?: string): string;
  /** Runs SQL with psql -XAtq, ON_ERROR_STOP; resolves with stdout (trailing newline trimmed), rejects on error. */
  psql(sql: string, db?: string): Promise<string>;
  /** Runs a command as the cluster's OS user (runuser -u postgres when root), with this cluster's env. */
  runAsOwner(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** pg_ctl stop -m fast (immediate if that fails), then removes baseDir. Idempotent. */
  stop(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

let pgIds: { uid: number; gid: number } | undefined;
/** uid/gid of the `postgres` OS user (only needed when running as root). */
function postgresIds(): { uid: number; gid: number } {
  if (pgIds) return pgIds;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    pgIds = { uid, gid };
    return pgIds;
  } catch {
    throw new Error(
      'running as root but there is no "postgres" OS user: install the postgresql-15 package ' +
        '(apt-get install -y --no-install-recommends postgresql-15), which creates it',
    );
  }
}

/** [cmd, args] wrapped in `runuser -u postgres --` when running as root; unchanged otherwise. */
export function asPostgres(cmd: string, args: readonly string[]): [string, string[]] {
  if (!isRoot()) return [cmd, [...args]];
  postgresIds();
  return [requireTool('runuser'), ['-u', 'postgres', '--', cmd, ...args]];
}

/** Runs a command as the postgres OS user when root (e.g. pgbackrest), as the current user otherwise. */
export function runAsPostgres(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
  const [c, a] = asPostgres(cmd.includes('/') ? cmd : requireTool(cmd), args);
  return run(c, a, opts);
}

/** Makes a path owned by the postgres OS user (no-op unless root). */
export function chownToPostgres(path: string): void {
  if (!isRoot()) return;
  const { uid, gid } = postgresIds();
  chownSync(path, uid, gid);
}

function confValue(v: string | number | boolean): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const live = new Set<string>(); // data dirs of running clusters
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Safety net only (tests call stop() in afterAll): SIGQUIT = immediate shutdown of a postmaster.
  process.once('exit', () => {
    for (const d of live) {
      try {
        const pid = Number(readFileSync(join(d, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        /* not running */
      }
    }
  });
}

/**
 * initdb (trust auth, --no-sync) + pg_ctl start on 127.0.0.1 at a random free port below 32768
 * and a private unix socket dir; fsync=off, wal_level=replica. Retries on port conflicts.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const initdb = requireTool('initdb');
  const pgCtl = requireTool('pg_ctl');
  const psqlBin = requireTool('psql');
  if (isRoot()) postgresIds();

  // 0755 so the postgres user can traverse it; contents owned by postgres.
  const tmp: TempDir = makeTempDir(opts.name ?? 'pg', { mode: 0o755 });
  const baseDir = tmp.path;
  const dataDir = join(baseDir, 'data');
  const socketDir = join(baseDir, 'sock');
  const logFile = join(baseDir, 'server.log');
  chownToPostgres(baseDir);
  for (const d of [dataDir, socketDir]) {
    mkdirSync(d, { mode: 0o700 });
    chownToPostgres(d);
  }
  const asOwner = (cmd: string, args: readonly string[], o?: RunOptions) => {
    const [c, a] = asPostgres(cmd, args);
    return run(c, a, o);
  };

  try {
    const init = await asOwner(initdb, ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions'], { timeoutMs: 60_000 });
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${init.stderr}${init.stdout}`);

    const settings: Record<string, string | number | boolean> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: socketDir,
      fsync: false,
      synchronous_commit: false,
      full_page_writes: true,
      wal_level: 'replica',
      max_wal_senders: 4,
      log_min_messages: 'warning',
      ...(opts.archiveMode || opts.archiveCommand ? { archive_mode: true } : {}),
      ...(opts.archiveCommand ? { archive_command: opts.archiveCommand } : {}),
      ...opts.settings,
    };
    // Appended to postgresql.conf (later lines win). The port goes on the pg_ctl command line,
    // so a copy restored from a backup of this cluster does not inherit it.
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      '\n# drc test harness\n' + Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}\n`).join(''),
    );

    const attempts = opts.attempts ?? 5;
    let port = 0;
    for (let i = 0; ; i++) {
      port = await freePort();
      writeFileSync(logFile, '');
      chownToPostgres(logFile);
      const start = await asOwner(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port}`, 'start'], { timeoutMs: 90_000 });
      if (start.code === 0) break;
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      const conflict = /address already in use|could not create any TCP\/IP sockets|lock file .* already exists/i.test(log);
      if (conflict && i + 1 < attempts) continue;
      throw new Error(`pg_ctl start failed (exit ${start.code}):\n${start.stderr}${start.stdout}\n--- server log ---\n${log.slice(-4000)}`);
    }
    live.add(dataDir);
    hookExit();

    const env = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' };
    let stopped: Promise<void> | undefined;
    const cluster: PostgresCluster = {
      host: '127.0.0.1',
      port,
      socketDir,
      dataDir,
      baseDir,
      logFile,
      env,
      url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
      async psql(sql, db = 'postgres') {
        const r = await runOk(psqlBin, ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-f', '-'], {
          input: sql,
          env: { PGCONNECT_TIMEOUT: '10' },
        });
        return r.stdout.replace(/\n$/, '');
      },
      runAsOwner: (cmd, args, o) => asOwner(cmd.includes('/') ? cmd : requireTool(cmd), args, { ...o, env: { ...env, ...o?.env } }),
      stop() {
        stopped ??= (async () => {
          if (existsSync(join(dataDir, 'postmaster.pid'))) {
            const r = await asOwner(pgCtl, ['-D', dataDir, '-w', '-t', '30', '-m', 'fast', 'stop'], { timeoutMs: 40_000 });
            if (r.code !== 0 && existsSync(join(dataDir, 'postmaster.pid')))
              await asOwner(pgCtl, ['-D', dataDir, '-w', '-t', '30', '-m', 'immediate', 'stop'], { timeoutMs: 40_000 });
          }
          live.delete(dataDir);
          await tmp.cleanup();
        })();
        return stopped;
      },
    };
    return cluster;
  } catch (e) {
    // Never leave a half-started cluster behind.
    if (existsSync(join(dataDir, 'postmaster.pid')))
      await asOwner(pgCtl, ['-D', dataDir, '-w', '-m', 'immediate', 'stop'], { timeoutMs: 30_000 }).catch(() => undefined);
    live.delete(dataDir);
    await tmp.cleanup();
    throw e;
  }
}
