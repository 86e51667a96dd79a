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

/** Every artifact of every family, sorted by path; duplicate paths are a bug and throw. */
export async function emitAll(context: EmitContext): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const name of FAMILY_NAMES) {
    const family = await FAMILIES[name]!();
    artifacts.push(...family.emit(context));
  }
  const seen = new Set<string>();
  for (const artifact of artifacts) {
    if (seen.has(artifact.path)) throw new Error(`two emitters wrote ${artifact.path}`);
    seen.add(artifact.path);
  }
  return artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
