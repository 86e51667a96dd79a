// Temporary directories under os.tmpdir(), removed by cleanup() (and, as a safety net, at exit).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  /** Removes the directory and everything in it. Idempotent. */
  cleanup(): Promise<void>;
}

const pending = new Set<string>();
let hooked = false;

/**
 * Creates `${os.tmpdir()}/drc-${prefix}-XXXXXX`. mode defaults to 0700; pass 0o755 when another
 * OS user (postgres, for PostgreSQL and pgBackRest) must traverse it.
 * Set DRC_KEEP_TMP=1 to keep the directories for debugging.
 */
export function makeTempDir(prefix = 'tmp', opts: { mode?: number } = {}): TempDir {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '_');
  const path = mkdtempSync(join(tmpdir(), `drc-${safe}-`));
  if (opts.mode !== undefined) chmodSync(path, opts.mode);
  pending.add(path);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      if (process.env.DRC_KEEP_TMP) return;
      for (const p of pending) rmSync(p, { recursive: true, force: true });
    });
  }
  const cleanup = async () => {
    if (!pending.delete(path) || process.env.DRC_KEEP_TMP) return;
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  };
  return { path, cleanup };
}
