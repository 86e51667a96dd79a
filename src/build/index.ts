/**
 * `drc build` as functions: lint, emit every family in memory, add manifest.json, then either write the
 * folder atomically or compare it with what is on disk (`--check`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { lintText, type LintResult } from '../checker/index.js';
import { summarize } from '../diagnostics.js';
import { emitAll } from '../emitters/index.js';
import { toJson } from '../emitters/serialize.js';
import type { Artifact } from '../emitters/types.js';
import { DRC_VERSION } from '../generated/version.js';
import { sha256Hex } from '../hash.js';

export interface BuildResult {
  lint: LintResult;
  /** Empty when lint has errors: nothing is emitted. */
  artifacts: Artifact[];
}

export async function buildPolicy(text: string, file: string): Promise<BuildResult> {
  const lint = lintText(text, file);
  if (summarize(lint.diagnostics).errors > 0 || !lint.policy) return { lint, artifacts: [] };
  const artifacts = await emitAll({ policy: lint.policy, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: DRC_VERSION });
  return { lint, artifacts: [...artifacts, manifest(artifacts, lint.policy.sha256)].sort(byPath) };
}

function byPath(a: Artifact, b: Artifact): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function sha256(text: string): string {
  return sha256Hex(text);
}

function manifest(artifacts: Artifact[], policySha256: string): Artifact {
  return {
    path: 'manifest.json',
    content: toJson({
      drc_version: DRC_VERSION,
      policy_sha256: policySha256,
      files: artifacts.map((a) => ({ path: a.path, sha256: sha256(a.content), executable: Boolean(a.executable) })),
    }, { sort: false }),
  };
}

/**
 * Writes the artifacts into a sibling temporary folder, then swaps it into place, so a failure at any
 * point leaves `outDir` as it was.
 */
export function writeOutput(outDir: string, artifacts: Artifact[]): void {
  const target = resolve(outDir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${baseName(target)}.drc-staging-${process.pid}`);
  const previous = join(parent, `.${baseName(target)}.drc-previous-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    // Tens of thousands of files: each folder is created once, and files are created with their mode;
    // chmod only runs while the umask is seen to change the mode (checked on the first file of each mode).
    const made = new Set<string>();
    const modeChecked = new Set<number>();
    let umaskChangesMode = false;
    for (const artifact of artifacts) {
      const path = join(staging, ...artifact.path.split('/'));
      const folder = dirname(path);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      const mode = artifact.executable ? 0o755 : 0o644;
      writeFileSync(path, artifact.content, { mode });
      if (!modeChecked.has(mode)) {
        modeChecked.add(mode);
        if ((statSync(path).mode & 0o777) !== mode) umaskChangesMode = true;
      }
      if (umaskChangesMode) chmodSync(path, mode);
    }
    if (existsSync(target)) renameSync(target, previous);
    renameSync(staging, target);
    rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(target) && existsSync(previous)) renameSync(previous, target);
    throw error;
  }
}

function baseName(path: string): string {
  return path.split(sep).pop() ?? 'out';
}

export interface Drift {
  path: string;
  change: 'missing' | 'changed' | 'extra';
}

/** What differs between the folder and the artifacts a build would write now. */
export function compareOutput(outDir: string, artifacts: Artifact[]): Drift[] {
  const target = resolve(outDir);
  const drift: Drift[] = [];
  const expected = new Map(artifacts.map((a) => [a.path, a.content]));
  const actual = existsSync(target) ? listFiles(target) : [];
  for (const [path, content] of expected) {
    const file = join(target, ...path.split('/'));
    if (!existsSync(file)) drift.push({ path, change: 'missing' });
    else if (readFileSync(file, 'utf8') !== content) drift.push({ path, change: 'changed' });
  }
  for (const path of actual) if (!expected.has(path)) drift.push({ path, change: 'extra' });
  return drift.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}
