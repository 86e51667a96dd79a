/**
 * A large build on several threads: this thread and one or more workers take emit units (a family, or
 * a part of one: policy §10 families with a file per service split by service) from one shared
 * counter, costliest first, and write them into the same staging folder (or compare them with the same
 * output folder). Units write disjoint paths, so the threads never touch the same file; the manifest is
 * written here at the end. Each worker gets a copy of the resolved policy (structured clone), not the
 * yaml tree. Which thread emits a unit varies from run to run; the files do not.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emitUnits, loadFamily, type EmitUnit } from '../emitters/index.js';
import type { EmitContext } from '../emitters/types.js';
import {
  addManifest,
  emitFamiliesInto,
  type BuildWarning,
  FolderComparison,
  FolderWriter,
  type ArtifactSink,
  type Drift,
  type ManifestEntry,
  type StagingFolder,
} from './index.js';

/**
 * Below this size (about 6,000 services) a second thread is not worth its start-up and its copy of the
 * policy. The decision is made before lint, from the file's size, so the workers load their modules
 * while this thread lints.
 */
export const THREADED_MIN_BYTES = 2_000_000;

/**
 * Threads are used by default only with this many cores. V8 runs part of its garbage collection on
 * helper threads, so one build thread already keeps ~1.3 cores busy: on 2 cores a second thread gained
 * 8-15 % at 10,000 services for ~0.25 GB more (peaks of 0.8-0.95 GB against 0.68), and nothing at 1,000
 * or 3,000 (docs/performance.md). DRC_BUILD_THREADS overrides it.
 */
export const THREADED_MIN_CORES = 4;

/**
 * At most this many threads by default. Each worker holds its own copy of the policy (~0.1 GB at
 * 10,000 services), so more threads would trade the memory target for little time.
 */
export const DEFAULT_MAX_THREADS = 2;

/** What a worker is asked to do: take units from `next` (an index into `units`, shared) until none is left. */
export interface WorkerJob {
  context: EmitContext;
  units: EmitUnit[];
  next: SharedArrayBuffer;
  sink: { kind: 'write'; root: string } | { kind: 'compare'; target: string };
}

/** What it answers. */
export type WorkerAnswer = { ok: true; entries: ManifestEntry[]; found: Drift[]; warnings: BuildWarning[] } | { ok: false; message: string; stack?: string };

/** What a job did: the files it wrote (or compared), what differed, and its artifacts' warnings. */
export interface JobResult {
  entries: ManifestEntry[];
  found: Drift[];
  warnings: BuildWarning[];
}

/** Emits units taken from the shared counter until none is left. */
export async function emitClaimed(context: EmitContext, units: readonly EmitUnit[], next: SharedArrayBuffer, sink: ArtifactSink, warnings: BuildWarning[] = []): Promise<void> {
  const counter = new Int32Array(next);
  for (let i = Atomics.add(counter, 0, 1); i < units.length; i = Atomics.add(counter, 0, 1)) {
    await emitFamiliesInto(context, [units[i]!], sink, warnings);
  }
}

/** Runs a job (in a worker thread): the manifest entries of the files it wrote, what differed, and warnings. */
export async function runJob(job: WorkerJob): Promise<JobResult> {
  const sink = job.sink.kind === 'write' ? new FolderWriter(job.sink.root) : new FolderComparison(job.sink.target);
  const warnings: BuildWarning[] = [];
  await emitClaimed(job.context, job.units, job.next, sink, warnings);
  return { entries: await sink.settle(), found: sink instanceof FolderComparison ? sink.found : [], warnings };
}

/** Loads the modules of the families a worker may emit (while the main thread lints). */
export function preloadFamilies(): void {
  for (const family of new Set(emitUnits().shared.map((unit) => unit.family))) void loadFamily(family);
}

/**
 * How many threads build: DRC_BUILD_THREADS (1 to 16) when set, else one, or DEFAULT_MAX_THREADS for a
 * large policy on a machine with THREADED_MIN_CORES or more.
 */
export function buildThreads(policyText: string, env: Record<string, string | undefined>, cores = availableParallelism()): number {
  const forced = Number(env.DRC_BUILD_THREADS);
  if (Number.isInteger(forced) && forced >= 1 && forced <= 16) return forced;
  if (policyText.length < THREADED_MIN_BYTES || cores < THREADED_MIN_CORES) return 1;
  return Math.min(cores, DEFAULT_MAX_THREADS);
}

/**
 * A thread's script in the bundle (dist/, next to this module's chunk: build-worker.js, build-writer.js);
 * null when running from source, where tests call emitInto or give the script themselves.
 */
export function bundledScript(name: 'build-worker.js' | 'build-writer.js'): URL | null {
  const url = new URL(`./${name}`, import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

/** The emit context without what a worker cannot receive or does not need (the yaml tree and raw data). */
function transferable(context: EmitContext): EmitContext {
  const { source: _source, raw: _raw, invalidValues: _invalid, customRules: _rules, ...policy } = context.policy;
  return { ...context, policy: { ...policy, sha256: context.policy.sha256 } as EmitContext['policy'] };
}

/** A worker thread started early (it loads the emitters meanwhile), given one job, then stopped. */
export class BuildWorker {
  private readonly worker: Worker;
  private readonly answer: Promise<WorkerAnswer>;

  private constructor(script: URL) {
    this.worker = new Worker(script);
    this.answer = new Promise((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the build worker exited with code ${code}`)));
    });
    // Not awaited until the job is sent: keep an early failure from being reported as unhandled.
    this.answer.catch(() => undefined);
  }

  static start(script: URL): BuildWorker {
    return new BuildWorker(script);
  }

  async run(job: WorkerJob): Promise<JobResult> {
    this.worker.postMessage(job);
    const answer = await this.answer;
    if (!answer.ok) throw Object.assign(new Error(answer.message), { stack: answer.stack });
    return { entries: answer.entries, found: answer.found, warnings: answer.warnings };
  }

  /** Stops the thread; once this resolves it writes nothing more. */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Emits every family into a staging folder or a comparison, on this thread and the workers, then
 * manifest.json; returns the number of files, and adds the artifacts' warnings to `warnings` (in no set
 * order: which thread emits a file varies). A worker's failure fails the build (the caller aborts the
 * staging folder, after every worker has stopped).
 */
export async function emitThreaded(context: EmitContext, sink: StagingFolder | FolderComparison, workers: readonly BuildWorker[], warnings: BuildWarning[] = []): Promise<number> {
  const { large, shared } = emitUnits();
  const next = new SharedArrayBuffer(4);
  const job: WorkerJob = {
    context: transferable(context),
    units: shared,
    next,
    sink: sink instanceof FolderComparison ? { kind: 'compare', target: sink.target } : { kind: 'write', root: sink.root },
  };
  const inWorkers = Promise.all(workers.map((worker) => worker.run(job)));
  // A worker's failure fails the build: no thread takes another unit. (Handled here also keeps the
  // rejection from being reported as unhandled while this thread is still busy.)
  inWorkers.catch(() => Atomics.store(new Int32Array(next), 0, shared.length));
  let here: ManifestEntry[];
  let there: JobResult[];
  try {
    await emitFamiliesInto(context, large, sink, warnings);
    await emitClaimed(context, shared, next, sink, warnings);
    here = [...(await sink.settle())];
    there = await inWorkers;
  } catch (error) {
    // Before the caller removes the staging folder the workers write into.
    await Promise.all(workers.map((worker) => worker.stop()));
    throw error;
  }
  for (const answer of there) {
    if (sink instanceof FolderComparison) sink.absorb(answer.entries.map((e) => e.path), answer.found);
    for (const entry of answer.entries) here.push(entry);
    warnings.push(...answer.warnings);
  }
  return addManifest(context, here, sink);
}
