// vitest globalSetup: one moto_server for the whole run, shared by every test file.
//   vitest.config.ts: test: { globalSetup: ['test/harness/moto.globalSetup.ts'] }
//   in a test:        import { inject } from 'vitest'; const endpoint = inject('s3Endpoint');
// Test files share one in-memory S3: use unique bucket names (see uniqueBucket() in fixtures.ts).
// If DRC_S3_ENDPOINT is set, that server is used and nothing is started.
// Tolerant of being listed more than once (several projects/configs): a reference count keeps a
// single server, stopped by the last teardown.
import type { TestProject } from 'vitest/node';
import { startMoto, type MotoServer } from './moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

let shared: Promise<MotoServer> | undefined;
let refs = 0;

export default async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const external = process.env.DRC_S3_ENDPOINT;
  if (external) {
    project.provide('s3Endpoint', external);
    return async () => {};
  }
  refs++;
  shared ??= startMoto();
  let server: MotoServer;
  try {
    server = await shared;
  } catch (e) {
    refs--;
    shared = undefined;
    throw e;
  }
  project.provide('s3Endpoint', server.endpoint);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    if (--refs > 0) return;
    shared = undefined;
    await server.stop();
  };
}
