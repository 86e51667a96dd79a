/**
 * Writing and hashing files on a thread of its own, while the build thread renders the next ones.
 * Creating, writing and closing ~69,000 files is ~0.5 s of a 10,000-service build on tmpfs, and much
 * more on a busy disk; hashing them for the manifest is ~0.4 s more. One build thread leaves most of the
 * second core free (docs/performance.md).
 *
 * Files are encoded (UTF-8) straight into batches of a few megabytes, each sent to the thread as one
 * transferred buffer (no per-file message, no per-file buffer). The thread answers each batch with its
 * files' sha256. At most MAX_IN_FLIGHT batches wait, so memory stays bounded: `add` returns a promise
 * when the build thread is ahead and should wait.
 */
import { Worker } from 'node:worker_threads';
import type { Artifact } from '../emitters/types.js';
import type { FolderSink, ManifestEntry } from './sink.js';

/** Below this size (about 300 services) the thread's start-up costs more than it saves. */
export const WRITER_THREAD_MIN_BYTES = 100_000;

const BATCH_BYTES = 4 << 20;
/**
 * At most this many batches wait (64 MB): enough for the writer thread, which runs at a lower priority
 * than the build thread (priority.ts), to fall behind while the scripts' 54,000 files come at 10,000
 * services without stopping the build thread (with 8 it waited ~0.13 s longer).
 */
const MAX_IN_FLIGHT = 16;

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

/** A written batch's answer: the sha256 of each of its files, in order; or the first failure. */
export type WriterAnswer = { ok: true; sha256: string[] } | { ok: false; message: string };

export class WriterThread implements FolderSink {
  private readonly worker: Worker;
  private batch = newBatch(BATCH_BYTES);
  private used = 0;
  private files: BatchedFile[] = [];
  /** The files of the batches sent and not yet answered, oldest first (the thread answers in order). */
  private readonly sent: BatchedFile[][] = [];
  private readonly entries: ManifestEntry[] = [];
  private failure: Error | null = null;
  /** Called when a batch is answered or the thread fails: wakes whoever waits. */
  private wake: (() => void) | null = null;

  constructor(
    readonly root: string,
    script: URL,
  ) {
    this.worker = new Worker(script, { workerData: { root } });
    this.worker.on('message', (answer: WriterAnswer) => {
      if (answer.ok) this.written(answer.sha256);
      else this.fail(new Error(answer.message));
      this.notify();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the writer thread exited with code ${code}`)));
  }

  add(artifact: Artifact): void | Promise<void> {
    if (this.failure) throw this.failure;
    const text = artifact.content;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: count the bytes only when that might not fit.
    if (text.length * 3 > this.batch.length - this.used) {
      const size = Buffer.byteLength(text, 'utf8');
      if (size > this.batch.length - this.used && this.files.length > 0) this.send();
      if (size > this.batch.length) this.batch = newBatch(size);
    }
    const length = this.batch.write(text, this.used, 'utf8');
    this.files.push({ path: artifact.path, executable: artifact.executable, start: this.used, length });
    this.used += length;
    if (this.sent.length >= MAX_IN_FLIGHT) return this.until(() => this.sent.length < MAX_IN_FLIGHT);
  }

  async settle(): Promise<ManifestEntry[]> {
    if (this.files.length > 0 && !this.failure) this.send();
    await this.until(() => this.sent.length === 0);
    return this.entries;
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private send(): void {
    const batch: WriterBatch = { files: this.files, buffer: this.batch.buffer as ArrayBuffer };
    this.worker.postMessage(batch, [batch.buffer]);
    this.sent.push(this.files);
    this.files = [];
    this.used = 0;
    this.batch = newBatch(BATCH_BYTES);
  }

  /** The oldest batch is written: its files' manifest entries. */
  private written(sha256: string[]): void {
    const files = this.sent.shift() ?? [];
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      this.entries.push({ path: file.path, sha256: sha256[i]!, executable: Boolean(file.executable) });
    }
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

/** A batch in a buffer of its own (not Node's shared pool), so that it can be transferred. */
function newBatch(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size);
}
