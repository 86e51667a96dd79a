/**
 * `drc build` as functions: lint, then emit family by family into a sink — a staging folder swapped into
 * place at the end (atomic), or a comparison with the folder on disk (`--check`) — and add manifest.json.
 * One family is in memory at a time, so a 10,000-service build stays well under a gigabyte.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { lintText, type LintResult } from '../checker/index.js';
import { summarize } from '../diagnostics.js';
import { byPath, emitAll, emitFamilies, WHOLE_FAMILIES, type EmitUnit } from '../emitters/index.js';
import { toJson } from '../emitters/serialize.js';
import type { Artifact, EmitContext } from '../emitters/types.js';
import { DRC_VERSION } from '../generated/version.js';
import { FolderWriter, manifestEntry, type ArtifactSink, type FolderSink, type ManifestEntry } from './sink.js';

export { FolderWriter, type ArtifactSink, type FolderSink, type ManifestEntry };

export interface BuildResult {
  lint: LintResult;
  /** Empty when lint has errors: nothing is emitted. */
  artifacts: Artifact[];
  /** The artifacts' warnings, in path order. */
  warnings: BuildWarning[];
}

/** A file written all the same, that the tool consuming it will refuse (Artifact.warning). */
export interface BuildWarning {
  path: string;
  message: string;
}

/** The artifact's warning, if it has one. */
export function warningOf(artifact: Pick<Artifact, 'path' | 'warning'>): BuildWarning | null {
  return artifact.warning ? { path: artifact.path, message: artifact.warning } : null;
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
  if (!context) return { lint, artifacts: [], warnings: [] };
  const artifacts = await emitAll(context);
  const warnings = artifacts.map(warningOf).filter((w): w is BuildWarning => w !== null);
  return { lint, artifacts: [...artifacts, manifest(artifacts.map((a) => manifestEntry(a, a.content)), context.policy.sha256)].sort(byPath), warnings };
}

/** manifest.json for these entries; two entries with one path are an emitter bug and throw. */
function manifest(entries: ManifestEntry[], policySha256: string): Artifact {
  const files = [...entries].sort(byPath);
  for (let i = 1; i < files.length; i++) if (files[i]!.path === files[i - 1]!.path) throw new Error(`two emitters wrote ${files[i]!.path}`);
  return { path: 'manifest.json', content: toJson({ drc_version: DRC_VERSION, policy_sha256: policySha256, files }, { sort: false }) };
}

/** Emits the units (families, or parts of them) into the sink; adds the artifacts' warnings to `warnings`. */
export async function emitFamiliesInto(context: EmitContext, units: readonly EmitUnit[], sink: ArtifactSink, warnings: BuildWarning[] = []): Promise<void> {
  for await (const artifact of emitFamilies(context, units)) {
    const warning = warningOf(artifact);
    if (warning) warnings.push(warning);
    const behind = sink.add(artifact);
    if (behind) await behind;
  }
}

/** Adds manifest.json for the entries; returns the number of files written or compared. */
export async function addManifest(context: EmitContext, entries: ManifestEntry[], sink: ArtifactSink): Promise<number> {
  await sink.add(manifest(entries, context.policy.sha256));
  return entries.length + 1;
}

/** Emits every family into the sink, then manifest.json, in this thread; returns the number of files. */
export async function emitInto(context: EmitContext, sink: ArtifactSink, warnings: BuildWarning[] = []): Promise<number> {
  await emitFamiliesInto(context, WHOLE_FAMILIES, sink, warnings);
  return addManifest(context, [...(await sink.settle())], sink);
}

/**
 * Writes into a sibling staging folder; `commit` swaps it into place, `abort` removes it, so a failure
 * at any point leaves the output folder as it was. The files are written by `writer` (this thread's
 * FolderWriter unless told otherwise: large builds write on a thread of their own, writer-thread.ts).
 */
export class StagingFolder implements ArtifactSink {
  readonly root: string;
  private readonly target: string;
  private readonly previous: string;
  private readonly writer: FolderSink;

  constructor(outDir: string, writer: (root: string) => FolderSink = (root) => new FolderWriter(root)) {
    this.target = resolve(outDir);
    const parent = dirname(this.target);
    mkdirSync(parent, { recursive: true });
    const name = this.target.split(sep).pop() ?? 'out';
    this.root = join(parent, `.${name}.drc-staging-${process.pid}`);
    this.previous = join(parent, `.${name}.drc-previous-${process.pid}`);
    rmSync(this.root, { recursive: true, force: true });
    this.writer = writer(this.root);
  }

  add(artifact: Artifact): void | Promise<void> {
    return this.writer.add(artifact);
  }

  settle(): Promise<ManifestEntry[]> {
    return this.writer.settle();
  }

  /** Waits for every file to be written, then swaps the staging folder into place. */
  async commit(): Promise<void> {
    try {
      await this.writer.settle();
      await this.writer.stop();
      if (existsSync(this.target)) renameSync(this.target, this.previous);
      renameSync(this.root, this.target);
      rmSync(this.previous, { recursive: true, force: true });
    } catch (error) {
      if (!existsSync(this.target) && existsSync(this.previous)) renameSync(this.previous, this.target);
      await this.abort();
      throw error;
    }
  }

  /** Stops the writer, then removes the staging folder. */
  async abort(): Promise<void> {
    await this.writer.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface Drift {
  path: string;
  change: 'missing' | 'changed' | 'extra';
}

/** Compares each artifact with the folder as it arrives; `drift()` adds the files no build would write. */
export class FolderComparison implements ArtifactSink {
  readonly target: string;
  /** What differs so far (missing or changed files). */
  readonly found: Drift[] = [];
  private readonly expected = new Set<string>();
  private readonly entries: ManifestEntry[] = [];

  constructor(outDir: string) {
    this.target = resolve(outDir);
  }

  add(artifact: Artifact): void {
    const bytes = Buffer.from(artifact.content, 'utf8');
    this.entries.push(manifestEntry(artifact, bytes));
    this.expected.add(artifact.path);
    const current = readIfExists(join(this.target, ...artifact.path.split('/')));
    if (current === null) this.found.push({ path: artifact.path, change: 'missing' });
    else if (!current.equals(bytes)) this.found.push({ path: artifact.path, change: 'changed' });
  }

  async settle(): Promise<ManifestEntry[]> {
    return this.entries;
  }

  /** Takes in what another thread compared: the files it expected and what differed. */
  absorb(expected: string[], found: Drift[]): void {
    for (const path of expected) this.expected.add(path);
    this.found.push(...found);
  }

  drift(): Drift[] {
    const actual = existsSync(this.target) ? listFiles(this.target) : [];
    const extra = actual.filter((path) => !this.expected.has(path)).map((path) => ({ path, change: 'extra' as const }));
    return [...this.found, ...extra].sort(byPath);
  }
}

function readIfExists(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}
