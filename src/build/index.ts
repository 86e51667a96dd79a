/**
 * `drc build` as functions: lint, then emit family by family into a sink — a staging folder swapped into
 * place at the end (atomic), or a comparison with the folder on disk (`--check`) — and add manifest.json.
 * One family is in memory at a time, so a 10,000-service build stays well under a gigabyte.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { lintText, type LintResult } from '../checker/index.js';
import { summarize } from '../diagnostics.js';
import { byPath, emitAll, emitFamilies } from '../emitters/index.js';
import { toJson } from '../emitters/serialize.js';
import type { Artifact, EmitContext } from '../emitters/types.js';
import { DRC_VERSION } from '../generated/version.js';
import { sha256Hex } from '../hash.js';

export interface BuildResult {
  lint: LintResult;
  /** Empty when lint has errors: nothing is emitted. */
  artifacts: Artifact[];
}

/** The emit context, or null when lint has errors (nothing may be emitted, like tsc --noEmitOnError). */
export function emitContext(lint: LintResult): EmitContext | null {
  if (summarize(lint.diagnostics).errors > 0 || !lint.policy) return null;
  return { policy: lint.policy, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: DRC_VERSION };
}

/** The whole build in memory (tests, drills); `drc build` streams through a sink instead. */
export async function buildPolicy(text: string, file: string): Promise<BuildResult> {
  const lint = lintText(text, file);
  const context = emitContext(lint);
  if (!context) return { lint, artifacts: [] };
  const artifacts = await emitAll(context);
  return { lint, artifacts: [...artifacts, manifest(artifacts.map(manifestEntry), context.policy.sha256)].sort(byPath) };
}

export function sha256(text: string): string {
  return sha256Hex(text);
}

interface ManifestEntry {
  path: string;
  sha256: string;
  executable: boolean;
}

function manifestEntry(artifact: Artifact): ManifestEntry {
  return { path: artifact.path, sha256: sha256(artifact.content), executable: Boolean(artifact.executable) };
}

function manifest(entries: ManifestEntry[], policySha256: string): Artifact {
  return {
    path: 'manifest.json',
    content: toJson({ drc_version: DRC_VERSION, policy_sha256: policySha256, files: [...entries].sort(byPath) }, { sort: false }),
  };
}

/** Where emitted artifacts go: a staging folder, or a comparison with an existing folder. */
export interface ArtifactSink {
  add(artifact: Artifact): void;
}

/** Emits every family into the sink, then manifest.json; returns the number of files. */
export async function emitInto(context: EmitContext, sink: ArtifactSink): Promise<number> {
  const entries: ManifestEntry[] = [];
  for await (const family of emitFamilies(context)) {
    for (const artifact of family) {
      entries.push(manifestEntry(artifact));
      sink.add(artifact);
    }
    // The generator still holds this array while it runs the next family's emitter: empty it, so one
    // family's content (tens of megabytes at 10,000 services) is not kept alive through the next one.
    family.length = 0;
  }
  sink.add(manifest(entries, context.policy.sha256));
  return entries.length + 1;
}

/**
 * Writes into a sibling staging folder; `commit` swaps it into place, `abort` removes it, so a failure
 * at any point leaves the output folder as it was.
 */
export class StagingFolder implements ArtifactSink {
  private readonly target: string;
  private readonly staging: string;
  private readonly previous: string;
  // Tens of thousands of files: each folder is created once, and files are created with their mode;
  // chmod only runs while the umask is seen to change the mode (checked on the first file of each mode).
  private readonly made = new Set<string>();
  private readonly modeChecked = new Set<number>();
  private umaskChangesMode = false;

  constructor(outDir: string) {
    this.target = resolve(outDir);
    const parent = dirname(this.target);
    mkdirSync(parent, { recursive: true });
    const name = this.target.split(sep).pop() ?? 'out';
    this.staging = join(parent, `.${name}.drc-staging-${process.pid}`);
    this.previous = join(parent, `.${name}.drc-previous-${process.pid}`);
    rmSync(this.staging, { recursive: true, force: true });
  }

  add(artifact: Artifact): void {
    const path = join(this.staging, ...artifact.path.split('/'));
    const folder = dirname(path);
    if (!this.made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.made.add(folder);
    }
    const mode = artifact.executable ? 0o755 : 0o644;
    writeFileSync(path, artifact.content, { mode });
    if (!this.modeChecked.has(mode)) {
      this.modeChecked.add(mode);
      if ((statSync(path).mode & 0o777) !== mode) this.umaskChangesMode = true;
    }
    if (this.umaskChangesMode) chmodSync(path, mode);
  }

  commit(): void {
    try {
      if (existsSync(this.target)) renameSync(this.target, this.previous);
      renameSync(this.staging, this.target);
      rmSync(this.previous, { recursive: true, force: true });
    } catch (error) {
      if (!existsSync(this.target) && existsSync(this.previous)) renameSync(this.previous, this.target);
      this.abort();
      throw error;
    }
  }

  abort(): void {
    rmSync(this.staging, { recursive: true, force: true });
  }
}

/** Writes artifacts already in memory (tests and tools); `drc build` uses StagingFolder with emitInto. */
export function writeOutput(outDir: string, artifacts: Artifact[]): void {
  const folder = new StagingFolder(outDir);
  try {
    for (const artifact of artifacts) folder.add(artifact);
  } catch (error) {
    folder.abort();
    throw error;
  }
  folder.commit();
}

export interface Drift {
  path: string;
  change: 'missing' | 'changed' | 'extra';
}

/** Compares each artifact with the folder as it arrives; `drift()` adds the files no build would write. */
export class FolderComparison implements ArtifactSink {
  private readonly target: string;
  private readonly expected = new Set<string>();
  private readonly found: Drift[] = [];

  constructor(outDir: string) {
    this.target = resolve(outDir);
  }

  add(artifact: Artifact): void {
    this.expected.add(artifact.path);
    const file = join(this.target, ...artifact.path.split('/'));
    if (!existsSync(file)) this.found.push({ path: artifact.path, change: 'missing' });
    else if (readFileSync(file, 'utf8') !== artifact.content) this.found.push({ path: artifact.path, change: 'changed' });
  }

  drift(): Drift[] {
    const actual = existsSync(this.target) ? listFiles(this.target) : [];
    const extra = actual.filter((path) => !this.expected.has(path)).map((path) => ({ path, change: 'extra' as const }));
    return [...this.found, ...extra].sort(byPath);
  }
}

/** What differs between the folder and artifacts already in memory. */
export function compareOutput(outDir: string, artifacts: Artifact[]): Drift[] {
  const comparison = new FolderComparison(outDir);
  for (const artifact of artifacts) comparison.add(artifact);
  return comparison.drift();
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
