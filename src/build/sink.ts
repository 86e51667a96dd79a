/**
 * Where emitted files go (src/build/index.ts), and the writer that puts them in a folder. A module of its
 * own, without the rest of the build, because the writer thread (writer-worker.ts) loads it alone.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Artifact } from '../emitters/types.js';

/** Where emitted files go: a folder being written, or a comparison with an existing folder. */
export interface ArtifactSink {
  /**
   * `bytes` is the artifact's content as UTF-8, converted once for the hash and the file. A promise
   * asks the caller to wait before the next file (a writer on another thread that is behind).
   */
  add(artifact: Artifact, bytes: Buffer): void | Promise<void>;
}

/** A sink that writes a folder: on this thread, or on a thread of its own (writer-thread.ts). */
export interface FolderSink extends ArtifactSink {
  readonly root: string;
  /** Resolves once every file added so far is written; rejects with the first failure. */
  finish(): Promise<void>;
  /** Once this resolves, writes nothing more: for a failed build about to remove what was written. */
  stop(): Promise<void>;
}

/**
 * Writes files under a folder. Tens of thousands of files: each folder is created once, and files are
 * created with their mode; chmod only runs while the umask is seen to change the mode (checked on the
 * first file of each mode).
 */
export class FolderWriter implements FolderSink {
  private readonly made = new Set<string>();
  private readonly modeChecked = new Set<number>();
  private umaskChangesMode = false;

  constructor(readonly root: string) {}

  add(artifact: Pick<Artifact, 'path' | 'executable'>, bytes: Buffer): void {
    const path = join(this.root, ...artifact.path.split('/'));
    const folder = dirname(path);
    if (!this.made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.made.add(folder);
    }
    const mode = artifact.executable ? 0o755 : 0o644;
    writeFileSync(path, bytes, { mode });
    if (!this.modeChecked.has(mode)) {
      this.modeChecked.add(mode);
      if ((statSync(path).mode & 0o777) !== mode) this.umaskChangesMode = true;
    }
    if (this.umaskChangesMode) chmodSync(path, mode);
  }

  async finish(): Promise<void> {}

  async stop(): Promise<void> {}
}

