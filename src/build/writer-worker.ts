/**
 * The writer thread (dist/build-writer.js): writes the files of the batches it is sent, in order, and
 * answers each batch with the number of files written, or with the first failure (then writes nothing
 * more). See writer-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FolderWriter } from './sink.js';
import type { WriterAnswer, WriterBatch } from './writer-thread.js';

const writer = new FolderWriter((workerData as { root: string }).root);
let failed = false;

parentPort?.on('message', (batch: WriterBatch) => {
  if (failed) return;
  const bytes = Buffer.from(batch.buffer);
  try {
    for (const file of batch.files) writer.add(file, bytes.subarray(file.start, file.start + file.length));
    parentPort!.postMessage({ ok: true, written: batch.files.length } satisfies WriterAnswer);
  } catch (error) {
    failed = true;
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) } satisfies WriterAnswer);
  }
});
