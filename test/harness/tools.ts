// Locating CLI tools and running processes with a hard timeout.
// Tests use the REAL tools; a missing tool is an error (never a skip), with a message naming the
// package that provides it. `.ci/run` installs all of them on a fresh Debian 12 machine.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

/** Where PostgreSQL 15 server binaries live on Debian (initdb, pg_ctl, postgres are not on PATH). */
export const PG_BIN_DIR = process.env.DRC_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** What to install when a tool is missing. */
const INSTALL_HINTS: Record<string, string> = {
  shellcheck: 'apt-get install -y --no-install-recommends shellcheck',
  promtool: 'apt-get install -y --no-install-recommends prometheus',
  prometheus: 'apt-get install -y --no-install-recommends prometheus',
  pgbackrest: 'apt-get install -y --no-install-recommends pgbackrest',
  age: 'apt-get install -y --no-install-recommends age',
  'age-keygen': 'apt-get install -y --no-install-recommends age',
  openssl: 'apt-get install -y --no-install-recommends openssl',
  runuser: 'apt-get install -y util-linux',
  curl: 'apt-get install -y --no-install-recommends curl',
  moto_server: "pip install 'moto[server]' (preinstalled in the CI image's pyenv: /root/.pyenv/shims)",
  aws: 'pip install awscli (preinstalled in the CI image\'s pyenv: /root/.pyenv/shims)',
  'cfn-lint': 'pip install cfn-lint (preinstalled in the CI image\'s pyenv: /root/.pyenv/shims)',
};
const PG_SERVER_TOOLS = ['initdb', 'pg_ctl', 'postgres', 'pg_controldata', 'pg_resetwal', 'pg_basebackup'];
const PG_CLIENT_TOOLS = ['psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'createdb', 'dropdb', 'pg_isready'];
for (const t of PG_SERVER_TOOLS) INSTALL_HINTS[t] = `apt-get install -y --no-install-recommends postgresql-15 (looked in ${PG_BIN_DIR})`;
for (const t of PG_CLIENT_TOOLS) INSTALL_HINTS[t] = 'apt-get install -y --no-install-recommends postgresql-15 (or postgresql-client-15)';

/** Extra directories searched after PATH: pyenv shims (moto_server, aws, cfn-lint) and PG 15 bin. */
function extraDirs(): string[] {
  const dirs = [];
  if (process.env.PYENV_ROOT) dirs.push(join(process.env.PYENV_ROOT, 'shims'));
  dirs.push(join(homedir(), '.pyenv', 'shims'), '/root/.pyenv/shims', PG_BIN_DIR);
  return dirs;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<string, string | undefined>();

/** Absolute path of `name`, or undefined. PG server tools prefer the PostgreSQL 15 bin dir. */
export function findTool(name: string): string | undefined {
  if (isAbsolute(name)) return isExecutable(name) ? name : undefined;
  if (cache.has(name)) return cache.get(name);
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const dirs = PG_SERVER_TOOLS.includes(name) || PG_CLIENT_TOOLS.includes(name)
    ? [PG_BIN_DIR, ...pathDirs, ...extraDirs()]
    : [...pathDirs, ...extraDirs()];
  let found: string | undefined;
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p) && isExecutable(p)) {
      found = p;
      break;
    }
  }
  if (found) cache.set(name, found); // do not cache misses: a tool may be installed meanwhile
  return found;
}

/** Error thrown when a required tool is missing. */
export class MissingToolError extends Error {
  constructor(public readonly tool: string) {
    const hint = INSTALL_HINTS[tool] ?? `install the package that provides "${tool}"`;
    super(
      `required tool "${tool}" was not found on PATH or in ${extraDirs().join(', ')}. ` +
        `Install it: ${hint}. (.ci/run installs every tool the tests need` +
        `${process.env.CI === 'true' ? '; in CI a missing tool is a test failure, not a skip' : ''}.)`,
    );
    this.name = 'MissingToolError';
  }
}

/** Absolute path of a CLI tool; throws MissingToolError (with the package to install) if absent. */
export function requireTool(name: string): string {
  const p = findTool(name);
  if (!p) throw new MissingToolError(name);
  return p;
}

export function hasTool(name: string): boolean {
  return findTool(name) !== undefined;
}

export interface RunOptions {
  /** Merged over process.env; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed (stdin is always closed: nothing can wait for a tty). */
  input?: string | Buffer;
  cwd?: string;
  /** Kill the whole process group after this long. Default 30 s (DRC_RUN_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code; -1 when killed by a signal (see `signal`). */
  code: number;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The command line, for error messages. */
  command: string;
}

export const DEFAULT_RUN_TIMEOUT_MS = Number(process.env.DRC_RUN_TIMEOUT_MS ?? 30_000);

const live = new Set<number>(); // process-group ids of running `run` children
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of live) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/**
 * Runs `cmd args` (no shell) and resolves with code/stdout/stderr; never rejects for a nonzero
 * exit. The child gets its own process group so a timeout kills it and everything it spawned.
 * A bare command name is resolved with findTool (so `run('moto_server', …)` works off PATH too).
 */
export function run(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const resolved = cmd.includes('/') ? cmd : (findTool(cmd) ?? cmd);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined) env[k] = v;
  const command = [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(resolved, args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // EPIPE if the child does not read its stdin
    if (child.pid !== undefined) live.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      if (child.pid !== undefined) live.delete(child.pid);
      reject(new Error(`cannot run ${command}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) live.delete(child.pid);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: timedOut ? `${stderr}\n[run] killed after ${timeoutMs} ms timeout: ${command}` : stderr,
        signal,
        timedOut,
        command,
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run, but rejects with the command, exit code and output unless the exit code is 0. */
export async function runOk(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `command failed (exit ${r.code}${r.signal ? `, signal ${r.signal}` : ''}${r.timedOut ? ', timed out' : ''}): ` +
        `${r.command}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-4000)}`,
    );
  }
  return r;
}
