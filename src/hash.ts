/**
 * sha256 without loading node:crypto at start-up: `drc lint` never needs a hash (the policy's sha256 is
 * for build and verify), and loading crypto costs ~40 ms of a ~200 ms lint.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;

export function sha256Hex(data: string | Uint8Array): string {
  crypto ??= load('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha256').update(data).digest('hex');
}
