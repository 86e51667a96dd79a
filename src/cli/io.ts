/** The CLI's view of the outside world, so commands are testable without spawning a process. */
import { type Dirent, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isBuildOutput, isDirectory } from '../build/output-folder.js';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 2 } as const;

export class UsageError extends Error {}

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  exitCode?: number;
  flush(): Promise<void>;
  /** All of standard input, for the policy argument `-` (test doubles without it refuse `-`). */
  readStdin?(): Promise<string>;
}

export function processIo(): Io {
  const out: string[] = [];
  stopQuietlyWhenReaderCloses(process.stdout);
  stopQuietlyWhenReaderCloses(process.stderr);
  return {
    stdout: (text) => {
      out.push(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readFile: (path) => readFileSync(path, 'utf8'),
    writeFile: (path, text) => writeAtomically(path, text),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    flush: () =>
      new Promise((done) => {
        const text = out.join('');
        if (text === '') return done();
        process.stdout.write(text, () => done());
      }),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** Set once a write has failed: later failures (every pending write fails too) add nothing. */
let writeFailed = false;

/**
 * A reader that stops early (`drc schema | head -1`) closes the pipe; Node reports the next write as an
 * EPIPE 'error' event, which crashes with a stack trace when nobody listens. Like ripgrep, drop the rest
 * of the output silently and keep the exit code the command computed (a shell pipe reports the last
 * command's status anyway; under `pipefail`, lint findings still fail the step).
 */
export function stopQuietlyWhenReaderCloses(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || writeFailed) return;
    writeFailed = true;
    // Any other failure to write the output (a full disk, a closed terminal): one line, never a stack trace.
    try {
      process.stderr.write(`drc: cannot write the output: ${error.message}\n`);
    } catch {
      // stderr itself is gone: nothing left to tell
    }
    process.exit(EXIT.usage);
  });
}

/** Writes via a temporary file and a rename, so a reader never sees half a file. */
export function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const temporary = join(dirname(resolve(path)), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** The path as diagnostics show it: relative to the working directory, with forward slashes. */
export function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, resolve(cwd, file));
  const shown = rel === '' || rel.startsWith('..') ? file : rel;
  return shown.split(sep).join('/');
}

export function readPolicy(io: Io, file: string): string {
  try {
    return io.readFile(resolve(io.cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new UsageError(`cannot read ${file}: ${reason}`);
  }
}

/** The policy argument that means standard input, and the name diagnostics give it. */
export const STDIN_ARG = '-';
export const STDIN_NAME = '<stdin>';

/** A policy argument's text and the name diagnostics show for it: `-` is standard input, `<stdin>`. */
export async function readPolicyInput(io: Io, file: string): Promise<{ shown: string; text: string }> {
  if (file !== STDIN_ARG) return { shown: displayPath(io.cwd, file), text: readPolicy(io, file) };
  if (!io.readStdin) throw new UsageError('cannot read - (standard input) here');
  return { shown: STDIN_NAME, text: await io.readStdin() };
}

/**
 * The policy files that lint arguments name: a directory stands for every *.yaml / *.yml under it,
 * sorted by path; anything else (a file, `-`, a missing path) is kept for readPolicyInput to report.
 */
export function policyFiles(cwd: string, args: string[]): string[] {
  if (args.filter((arg) => arg === STDIN_ARG).length > 1) throw new UsageError('- (standard input) can be given only once');
  return args.flatMap((arg) => (arg !== STDIN_ARG && isDirectory(resolve(cwd, arg)) ? policyFilesIn(cwd, arg) : [arg]));
}

function policyFilesIn(cwd: string, dir: string): string[] {
  const found = policyPathsUnder(resolve(cwd, dir)).sort();
  if (found.length === 0) throw new UsageError(`no policy files (*.yaml, *.yml) in ${dir}`);
  return found.map((path) => join(dir, path));
}

/**
 * Paths relative to `dir`, with forward slashes. Hidden entries (`.drc.yaml`, `.git/`) and
 * node_modules are skipped: they hold config and dependencies, not policies. So are the folders
 * `drc build` wrote (a drc manifest.json): their YAML is Kubernetes, CloudFormation and Prometheus,
 * and `drc lint .` next to a build output would report each file as a broken policy.
 */
function policyPathsUnder(dir: string): string[] {
  return readDirectory(dir).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') return [];
    if (entry.isDirectory()) {
      const sub = join(dir, entry.name);
      return isBuildOutput(sub) ? [] : policyPathsUnder(sub).map((path) => `${entry.name}/${path}`);
    }
    return /\.ya?ml$/.test(entry.name) ? [entry.name] : [];
  });
}

function readDirectory(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new UsageError(`cannot read directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
