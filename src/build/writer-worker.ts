/**
 * The writer thread (dist/build-writer.js): writes the files of the batches it is sent, in order, and
 * answers each batch with its files' sha256, or with the first failure (then writes nothing more). See
 * writer-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sha256Hex } from '../hash.js';
import { FolderWriter } from './sink.js';
import type { WriterAnswer, WriterBatch } from './writer-thread.js';

const writer = new FolderWriter((workerData as { root: string }).root);
let failed = false;

parentPort?.on('message', (batch: WriterBatch) => {
  if (failed) return;
  const bytes = Buffer.from(batch.buffer);
  try {
    const sha256 = batch.files.map((file) => {
      const content = bytes.subarray(file.start, file.start + file.length);
      writer.write(file, content);
      return sha256Hex(content);
    });
    parentPort!.postMessage({ ok: true, sha256 } satisfies WriterAnswer);
  } catch (error) {
    failed = true;
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies WriterAnswer);
  }
});
