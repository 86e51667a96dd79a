/**
 * Reading OLD/NEW for `drc diff` and `drc lint --baseline`: a file path, or `git:REF:path`, read with
 * `git show REF:path` in the repository that contains the working directory. As with `git show`, the
 * path is relative to the repository root; start it with `./` to make it relative to the working directory.
 */
import { execFile } from 'node:child_process';
import { displayPath, readPolicy, UsageError, type Io } from '../cli/io.js';

export interface PolicyText {
  /** As shown in diagnostics: the relative file path, or `git:REF:path` as given. */
  name: string;
  text: string;
}

export function isGitSpec(spec: string): boolean {
  return spec.startsWith('git:');
}

/** `git:REF:path` → { ref, path }; `git:REF` (no path) → path null. */
export function parseGitSpec(spec: string): { ref: string; path: string | null } {
  const rest = spec.slice('git:'.length);
  const colon = rest.indexOf(':');
  const ref = colon >= 0 ? rest.slice(0, colon) : rest;
  const path = colon >= 0 ? rest.slice(colon + 1) : null;
  if (ref === '') throw new UsageError(`"${spec}": expected git:REF:path, e.g. git:main:drc.yaml`);
  if (path === '') throw new UsageError(`"${spec}": expected a path after the ref, e.g. git:${ref}:drc.yaml`);
  return { ref, path };
}

export function gitShow(cwd: string, ref: string, path: string): Promise<string> {
  return new Promise((resolveText, reject) => {
    execFile('git', ['show', `${ref}:${path}`], { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const reason = (stderr || error.message).trim().split('\n')[0] || 'git failed';
        const hint = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed or not on PATH' : reason;
        reject(new UsageError(`cannot read git:${ref}:${path}: ${hint}`));
        return;
      }
      resolveText(stdout);
    });
  });
}

/** Reads a file or a `git:REF:path`; unreadable input is a UsageError (exit 2). */
export async function readPolicyText(io: Io, spec: string): Promise<PolicyText> {
  if (isGitSpec(spec)) {
    const { ref, path } = parseGitSpec(spec);
    if (path === null) throw new UsageError(`"${spec}": expected git:REF:path, e.g. git:${ref}:drc.yaml`);
    return { name: spec, text: await gitShow(io.cwd, ref, path) };
  }
  return { name: displayPath(io.cwd, spec), text: readPolicy(io, spec) };
}
