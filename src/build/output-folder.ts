/**
 * What a folder on disk is, for `drc build` (which replaces only folders it wrote) and `drc lint DIR`
 * (which skips them: their YAML is Kubernetes, CloudFormation and Prometheus, not policies). Only
 * node:fs and node:path, so the lint command can load it without the build.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Whether the folder holds the manifest.json a build writes: JSON with `drc_version` and a `files` list. */
export function isBuildOutput(folder: string): boolean {
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    return typeof manifest === 'object' && manifest !== null && 'drc_version' in manifest && Array.isArray((manifest as { files?: unknown }).files);
  } catch {
    return false;
  }
}

/** Whether the path is a folder (following links); false when it cannot be stat'ed. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
