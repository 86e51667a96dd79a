/** The CLI's view of the outside world, so commands are testable without spawning a process. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
}

export function processIo(): Io {
  const out: string[] = [];
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
  };
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
