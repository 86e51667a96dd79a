/** The build's worker thread (dist/build-worker.js): emits the families it is given and answers once. */
import { parentPort } from 'node:worker_threads';
import { loadFamily } from '../emitters/index.js';
import { runJob, WORKER_FAMILIES, type WorkerAnswer, type WorkerJob } from './threads.js';

// Load the emitters now, while the main thread lints.
for (const name of WORKER_FAMILIES) void loadFamily(name);

parentPort?.once('message', (job: WorkerJob) => {
  runJob(job).then(
    (result) => parentPort!.postMessage({ ok: true, ...result } satisfies WorkerAnswer),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      parentPort!.postMessage({ ok: false, message: e.message, stack: e.stack } satisfies WorkerAnswer);
    },
  );
});
