/**
 * Where emitted files go (src/build/index.ts), and the writer that puts them in a folder. A module of its
 * own, without the rest of the build, because the writer thread (writer-worker.ts) loads it alone.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Artifact } from '../emitters/types.js';
import { sha256Hex } from '../hash.js';

/** A file as manifest.json lists it. */
export interface ManifestEntry {
  path: string;
  sha256: string;
  executable: boolean;
}

export function manifestEntry(artifact: Pick<Artifact, 'path' | 'executable'>, bytes: string | Uint8Array): ManifestEntry {
  return { path: artifact.path, sha256: sha256Hex(bytes), executable: Boolean(artifact.executable) };
}

/**
 * Where emitted files go: a folder being written, or a comparison with an existing folder. The sink
 * converts each file to UTF-8 and hashes it for the manifest, so that a writer on another thread can do
 * both there.
 */
export interface ArtifactSink {
  /** Takes one file. A promise asks the caller to wait before the next (a writer thread that is behind). */
  add(artifact: Artifact): void | Promise<void>;
  /**
   * Resolves once every file added so far is written (or compared), with their manifest entries in the
   * order they were added; rejects with the first failure.
   */
  settle(): Promise<ManifestEntry[]>;
}

/** A sink that writes a folder: on this thread, or on a thread of its own (writer-thread.ts). */
export interface FolderSink extends ArtifactSink {
  readonly root: string;
  /** Once this resolves, writes nothing more: when the build is done, or about to remove what was written. */
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
  private readonly entries: ManifestEntry[] = [];

  constructor(readonly root: string) {}

  add(artifact: Artifact): void {
    const bytes = Buffer.from(artifact.content, 'utf8');
    this.write(artifact, bytes);
    this.entries.push(manifestEntry(artifact, bytes));
  }

  /** Writes a file's bytes (the writer thread calls this with its batches' bytes, and hashes them itself). */
  write(artifact: Pick<Artifact, 'path' | 'executable'>, bytes: Uint8Array): void {
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

  async settle(): Promise<ManifestEntry[]> {
    return this.entries;
  }

  async stop(): Promise<void> {}
}
