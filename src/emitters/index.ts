/** The artifact families (policy-language.md §10), each a folder with an `emit` function, loaded lazily. */
import type { Artifact, EmitContext, Emitter } from './types.js';

const FAMILIES: Record<string, () => Promise<{ emit: Emitter }>> = {
  docs: () => import('./docs/index.js'),
  aws: () => import('./aws/index.js'),
  kubernetes: () => import('./kubernetes/index.js'),
  pgbackrest: () => import('./pgbackrest/index.js'),
  monitoring: () => import('./monitoring/index.js'),
  scripts: () => import('./scripts/index.js'),
};

export const FAMILY_NAMES = Object.keys(FAMILIES);

/**
 * The families' artifacts one family at a time, so a large build holds one family in memory, not all
 * of them. Duplicate paths across families are a bug and throw.
 */
export async function* emitFamilies(context: EmitContext): AsyncGenerator<Artifact[]> {
  const seen = new Set<string>();
  for (const name of FAMILY_NAMES) {
    const family = await FAMILIES[name]!();
    const artifacts = family.emit(context);
    for (const artifact of artifacts) {
      if (seen.has(artifact.path)) throw new Error(`two emitters wrote ${artifact.path}`);
      seen.add(artifact.path);
    }
    yield artifacts;
  }
}

/** Every artifact of every family, sorted by path. */
export async function emitAll(context: EmitContext): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for await (const family of emitFamilies(context)) artifacts.push(...family);
  return artifacts.sort(byPath);
}

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
