/** A build worker thread (dist/build-worker.js): emits the units it takes and answers once. */
import { parentPort } from 'node:worker_threads';
import { preloadFamilies, runJob, type WorkerAnswer, type WorkerJob } from './threads.js';

// Load the emitters now, while the main thread lints.
preloadFamilies();

parentPort?.once('message', (job: WorkerJob) => {
  runJob(job).then(
    (result) => parentPort!.postMessage({ ok: true, ...result } satisfies WorkerAnswer),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      parentPort!.postMessage({ ok: false, message: e.message, stack: e.stack } satisfies WorkerAnswer);
    },
  );
});
