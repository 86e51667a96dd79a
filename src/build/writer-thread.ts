/**
 * Writing files on a thread of its own, while the build thread renders the next ones. Creating,
 * writing and closing ~69,000 files is ~0.5 s of a 10,000-service build on tmpfs, and much more on a
 * busy disk; one build thread leaves most of the second core free (docs/performance.md).
 *
 * Files are copied into batches of a few megabytes, each sent to the thread as one transferred buffer
 * (no per-file message). At most MAX_IN_FLIGHT batches wait, so memory stays bounded: `add` returns a
 * promise when the build thread is ahead and should wait.
 */
import { Worker } from 'node:worker_threads';
import type { Artifact } from '../emitters/types.js';
import type { FolderSink } from './sink.js';

/** Below this size (about 300 services) the thread's start-up costs more than it saves. */
export const WRITER_THREAD_MIN_BYTES = 100_000;

const BATCH_BYTES = 4 << 20;
const MAX_IN_FLIGHT = 8;

/** A file in a batch: its bytes are `buffer[start, start + length)`. */
export interface BatchedFile {
  path: string;
  executable?: boolean;
  start: number;
  length: number;
}

export interface WriterBatch {
  files: BatchedFile[];
  buffer: ArrayBuffer;
}

export type WriterAnswer = { ok: true; written: number } | { ok: false; message: string };

export class WriterThread implements FolderSink {
  private readonly worker: Worker;
  private batch = new Uint8Array(BATCH_BYTES);
  private used = 0;
  private files: BatchedFile[] = [];
  private inFlight = 0;
  private failure: Error | null = null;
  /** Called when a batch is answered or the thread fails: wakes whoever waits. */
  private wake: (() => void) | null = null;

  constructor(
    readonly root: string,
    script: URL,
  ) {
    this.worker = new Worker(script, { workerData: { root } });
    this.worker.on('message', (answer: WriterAnswer) => {
      if (answer.ok) this.inFlight--;
      else this.fail(new Error(answer.message));
      this.notify();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the writer thread exited with code ${code}`)));
  }

  add(artifact: Artifact, bytes: Buffer): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (this.used + bytes.length > this.batch.length && this.files.length > 0) this.send();
    if (bytes.length > this.batch.length) this.batch = new Uint8Array(bytes.length);
    this.batch.set(bytes, this.used);
    this.files.push({ path: artifact.path, executable: artifact.executable, start: this.used, length: bytes.length });
    this.used += bytes.length;
    if (this.inFlight >= MAX_IN_FLIGHT) return this.until(() => this.inFlight < MAX_IN_FLIGHT);
  }

  async finish(): Promise<void> {
    if (this.files.length > 0 && !this.failure) this.send();
    await this.until(() => this.inFlight === 0);
    await this.stop();
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private send(): void {
    const batch: WriterBatch = { files: this.files, buffer: this.batch.buffer as ArrayBuffer };
    this.worker.postMessage(batch, [batch.buffer]);
    this.inFlight++;
    this.files = [];
    this.used = 0;
    this.batch = new Uint8Array(BATCH_BYTES);
  }

  /** Resolves once `done()` holds; rejects with the thread's failure. */
  private async until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
