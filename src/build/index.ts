/**
 * `drc build` as functions: lint, then emit family by family into a sink — a staging folder swapped into
 * place at the end (atomic), or a comparison with the folder on disk (`--check`) — and add manifest.json.
 * One family is in memory at a time, so a 10,000-service build stays well under a gigabyte.
 */
import { closeSync, existsSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { lintText, type LintResult } from '../checker/index.js';
import { summarize } from '../diagnostics.js';
import { byPath, emitAll, emitFamilies, WHOLE_FAMILIES, type EmitUnit } from '../emitters/index.js';
import { toJson } from '../emitters/serialize.js';
import type { Artifact, EmitContext } from '../emitters/types.js';
import { DRC_VERSION } from '../generated/version.js';
import { isBuildOutput, isDirectory } from './output-folder.js';
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
 *
 * The staging folder and the output folder's previous version both live in one work folder made fresh
 * for this build (mkdtemp, next to the output folder so that the swap is a rename): the only folder
 * ever removed is that one, so no path that was already there (a stale name, a reused pid) is deleted.
 * The output folder itself must have passed `outFolderFor`; the constructor only refuses what is
 * clearly not a folder to replace (a file, a symbolic link) before it creates anything.
 */
export class StagingFolder implements ArtifactSink {
  readonly root: string;
  private readonly target: string;
  private readonly work: string;
  private readonly previous: string;
  private readonly writer: FolderSink;

  constructor(outDir: string, writer: (root: string) => FolderSink = (root) => new FolderWriter(root)) {
    this.target = resolve(outDir);
    const kind = pathKind(this.target);
    if (kind !== 'missing' && kind !== 'directory') throw new Error(`drc: ${outDir} is not a folder drc build can replace`);
    const parent = dirname(this.target);
    mkdirSync(parent, { recursive: true });
    this.work = mkdtempSync(join(parent, `.${basename(this.target) || 'out'}.drc-staging-`));
    this.root = join(this.work, 'new');
    this.previous = join(this.work, 'previous');
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
      rmSync(this.work, { recursive: true, force: true });
    } catch (error) {
      if (!existsSync(this.target) && existsSync(this.previous)) renameSync(this.previous, this.target);
      await this.abort();
      throw error;
    }
  }

  /** Stops the writer, then removes the work folder (the staging folder, and nothing of the user's). */
  async abort(): Promise<void> {
    await this.writer.stop();
    // The previous output is only ever in the work folder between the two renames of `commit`, and
    // `commit` moves it back before aborting: never remove the work folder while it is there.
    if (!existsSync(this.previous)) rmSync(this.work, { recursive: true, force: true });
  }
}

/** What a path is, for deciding whether a build may replace it (symbolic links are not followed). */
type PathKind = 'missing' | 'directory' | 'symlink' | 'other';

function pathKind(path: string): PathKind {
  try {
    const stats = lstatSync(path);
    return stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    // A file where a parent folder should be (`--out drc.yaml/out`).
    if (code === 'ENOTDIR') return 'other';
    throw error;
  }
}

/** Where `drc build --out` may write: the folder to replace, or why not (a sentence for the user). */
export type OutFolder = { target: string; refusal?: undefined } | { target?: undefined; refusal: string };

/** A file or folder that must survive the build, and what it is (for the refusal). */
export interface KeptPath {
  path: string;
  holds: string;
}

/**
 * Whether `drc build` may replace `out` (as the user wrote it, resolved against `cwd`) with a new
 * folder. The swap deletes whatever was there, so the build only replaces a missing folder, an empty
 * one or an earlier drc build, never a file or a folder holding the policy or the working directory
 * (`kept`; compared with symbolic links resolved). A symbolic link to a folder builds into that folder,
 * so the link stays a link (docs/decisions.md).
 */
export function outFolderFor(out: string, cwd: string, kept: readonly KeptPath[]): OutFolder {
  const requested = resolve(cwd, out);
  const kind = pathKind(requested);
  if (kind === 'missing') return { target: requested };
  const redo = "the build replaces its --out folder whole: give a new folder, an empty one or an earlier build's";
  if (kind === 'other') return { refusal: `--out ${out} is not a folder; ${redo}` };
  let target: string;
  try {
    target = realpathSync.native(requested);
  } catch {
    return { refusal: `--out ${out} is a symbolic link to a missing folder; create the folder, or give another --out` };
  }
  if (!statSync(target).isDirectory()) return { refusal: `--out ${out} is not a folder; ${redo}` };
  const holder = kept.find((path) => isSameOrInside(realOrResolved(path.path), target));
  if (holder) return { refusal: `--out ${out} holds ${holder.holds}; ${redo}` };
  if (readdirSync(target).length > 0 && !isBuildOutput(target)) {
    return { refusal: `--out ${out} is not empty and not an earlier drc build (no drc manifest.json); the build replaces its --out folder whole: empty or remove it first, or give another folder` };
  }
  return { target };
}

/** Whether `path` is `folder` or inside it. */
function isSameOrInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function realOrResolved(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path);
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
    const change = changeOf(readOnDisk(join(this.target, ...artifact.path.split('/'))), bytes, Boolean(artifact.executable));
    if (change) this.found.push({ path: artifact.path, change });
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
    // A missing folder, or a file where the folder should be: every file is missing, none extra.
    const actual = isDirectory(this.target) ? listFiles(this.target) : [];
    const extra = actual.filter((path) => !this.expected.has(path)).map((path) => ({ path, change: 'extra' as const }));
    return [...this.found, ...extra].sort(byPath);
  }
}

/** A file as found on disk: its bytes and whether its owner may run it (git's notion of executable). */
type OnDisk = { kind: 'missing' } | { kind: 'not-a-file' } | { kind: 'file'; bytes: Buffer; executable: boolean };

/** Windows has no executable bit: there a file's mode says nothing about the manifest's `executable`. */
const MODES_MEAN_EXECUTABLE = process.platform !== 'win32';

/** How the file on disk differs from what the build writes (bytes and mode), or null when it does not. */
function changeOf(onDisk: OnDisk, bytes: Buffer, executable: boolean): 'missing' | 'changed' | null {
  if (onDisk.kind === 'missing') return 'missing';
  if (onDisk.kind === 'not-a-file') return 'changed';
  if (!onDisk.bytes.equals(bytes)) return 'changed';
  return MODES_MEAN_EXECUTABLE && onDisk.executable !== executable ? 'changed' : null;
}

/** Reads a file and its mode through one descriptor (one fstat more than a plain read): 69,000 files in a large check. */
function readOnDisk(file: string): OnDisk {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'EISDIR') return { kind: 'not-a-file' };
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: 'not-a-file' };
    return { kind: 'file', bytes: readFileSync(fd), executable: (stats.mode & 0o100) !== 0 };
  } finally {
    closeSync(fd);
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
