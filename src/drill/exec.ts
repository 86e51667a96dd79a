/** Running one drill step (a generated script, dropdb, …) as a child process: timed, with the tail of its output kept. */
import { spawn } from 'node:child_process';

export interface StepRun {
  code: number;
  signal: NodeJS.Signals | null;
  seconds: number;
  stdout: string;
  stderr: string;
  /** The last lines of stderr (then stdout), for the report. */
  tail: string;
  /** Set when the process could not be started at all (ENOENT…). */
  spawnError?: string;
}

export interface RunStepOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Called with each complete stderr line as it arrives (--verbose). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/** Keep at most this much of a step's output in memory (the head is dropped; the tail is what matters). */
const MAX_KEPT = 1 << 20;
const TAIL_LINES = 20;
const TAIL_CHARS = 4000;

export function tailOf(text: string, lines = TAIL_LINES, chars = TAIL_CHARS): string {
  const all = text.replace(/\s+$/, '').split('\n');
  let out = all.slice(-lines).join('\n');
  if (out.length > chars) out = `…${out.slice(-chars)}`;
  return out;
}

export function runStep(command: string, args: readonly string[], opts: RunStepOptions): Promise<StepRun> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let partial = '';
    let settled = false;
    const finish = (r: Omit<StepRun, 'seconds' | 'stdout' | 'stderr' | 'tail'>) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (partial && opts.onLine) opts.onLine(partial);
      const tail = tailOf(stderr.trim() ? stderr : stdout);
      resolve({ ...r, seconds: seconds(), stdout, stderr, tail: r.spawnError && !tail ? r.spawnError : tail });
    };
    // Not detached: a Ctrl-C in the terminal reaches the script directly, and its traps clean up.
    const child = spawn(command, [...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      stdout = (stdout + s).slice(-MAX_KEPT);
    });
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-MAX_KEPT);
      if (opts.onLine) {
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) opts.onLine(line);
      }
    });
    child.on('error', (e) => finish({ code: 127, signal: null, spawnError: `cannot run ${command}: ${e.message}` }));
    child.on('close', (code, signal) => finish({ code: code ?? -1, signal }));
  });
}
