/**
 * A large build on two threads: this thread emits some families while a worker thread emits the
 * others into the same staging folder (or compares them with the same output folder). Families write
 * disjoint paths, so the threads never touch the same file; the manifest is written here at the end.
 * The worker gets a copy of the resolved policy (structured clone), not the yaml tree.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FAMILY_NAMES } from '../emitters/index.js';
import type { EmitContext } from '../emitters/types.js';
import {
  addManifest,
  emitFamiliesInto,
  FolderComparison,
  FolderWriter,
  type ArtifactSink,
  type Drift,
  type ManifestEntry,
  type StagingFolder,
} from './index.js';

/**
 * Below this size (about 300 services) a worker's start-up costs more than it saves. The decision is
 * made before lint, from the file's size, so the worker loads its modules while this thread lints.
 */
export const THREADED_MIN_BYTES = 100_000;

/**
 * The families the worker emits. The main thread lints first (~1.6 s at 10,000 services), then renders
 * the families that build large documents in memory (the alert and test YAML, the DR plan and other
 * documents, and the runbooks): they reuse the memory lint has just let go, which keeps the peak of
 * the two threads under a gigabyte. The worker renders the AWS, Kubernetes, pgBackRest files and the
 * scripts, and writes most of the files (about 60,000 of 69,000). Profiled, the two threads then
 * finish within about half a second of each other.
 */
export const WORKER_FAMILIES: readonly string[] = ['aws', 'kubernetes', 'pgbackrest', 'scripts'];

/** What the worker is asked to do. */
export interface WorkerJob {
  context: EmitContext;
  families: readonly string[];
  sink: { kind: 'write'; root: string } | { kind: 'compare'; target: string };
}

/** What it answers. */
export type WorkerAnswer = { ok: true; entries: ManifestEntry[]; found: Drift[] } | { ok: false; message: string; stack?: string };

/** Runs a job (in the worker thread). */
export async function runJob(job: WorkerJob): Promise<{ entries: ManifestEntry[]; found: Drift[] }> {
  const sink = job.sink.kind === 'write' ? new FolderWriter(job.sink.root) : new FolderComparison(job.sink.target);
  const entries = await emitFamiliesInto(job.context, job.families, sink);
  return { entries, found: sink instanceof FolderComparison ? sink.found : [] };
}

/** Whether to build on two threads: DRC_BUILD_THREADS (1 or 2) when set, else for large policies on a multi-core machine. */
export function wantsThreads(policyText: string, env: Record<string, string | undefined>): boolean {
  const forced = env.DRC_BUILD_THREADS;
  if (forced === '1' || forced === '2') return forced === '2';
  return policyText.length >= THREADED_MIN_BYTES && availableParallelism() > 1;
}

/** The worker's script, next to this module in the bundle; null when running from source (tests call emitInto). */
export function workerScript(): URL | null {
  const url = new URL('./build-worker.js', import.meta.url);
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

  async run(job: WorkerJob): Promise<{ entries: ManifestEntry[]; found: Drift[] }> {
    this.worker.postMessage(job);
    const answer = await this.answer;
    if (!answer.ok) throw Object.assign(new Error(answer.message), { stack: answer.stack });
    return { entries: answer.entries, found: answer.found };
  }

  /** Stops the thread; once this resolves it writes nothing more. */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Emits every family into a staging folder or a comparison, on two threads, then manifest.json;
 * returns the number of files. The worker's failure fails the build (the caller aborts the staging).
 */
export async function emitThreaded(context: EmitContext, sink: StagingFolder | FolderComparison, worker: BuildWorker): Promise<number> {
  const job: WorkerJob = {
    context: transferable(context),
    families: WORKER_FAMILIES,
    sink: sink instanceof FolderComparison ? { kind: 'compare', target: sink.target } : { kind: 'write', root: sink.root },
  };
  const inWorker = worker.run(job);
  // Keep a rejection from being reported as unhandled while this thread is still busy.
  inWorker.catch(() => undefined);
  let here: ManifestEntry[];
  try {
    here = await emitFamiliesInto(context, FAMILY_NAMES.filter((name) => !WORKER_FAMILIES.includes(name)), sink as ArtifactSink);
  } catch (error) {
    await worker.stop(); // before the caller removes the staging folder the worker writes into
    throw error;
  }
  const there = await inWorker;
  if (sink instanceof FolderComparison) sink.absorb(there.entries.map((e) => e.path), there.found);
  return addManifest(context, [...here, ...there.entries], sink);
}
