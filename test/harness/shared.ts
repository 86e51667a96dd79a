/** The project's shared/ folder sits beside the repository (../shared), in development and in CI alike. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedReference(...parts: string[]): string {
  const path = join(repoRoot, '..', 'shared', 'reference', ...parts);
  if (!existsSync(path)) throw new Error(`missing ${path}: the shared/ folder must sit beside the repository`);
  return path;
}
