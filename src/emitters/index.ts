/** The artifact families (policy-language.md §10), each a folder with an `emit` function, loaded lazily. */
import { byPath } from './layout.js';
import type { Artifact, EmitContext, Emitter } from './types.js';

const FAMILIES: Record<string, () => Promise<{ emit: Emitter }>> = {
  // docs/ is two families, so a threaded build can put the runbooks and the documents on different threads.
  docs: () => import('./docs/index.js').then((m) => ({ emit: m.emitDocuments })),
  runbooks: () => import('./docs/index.js').then((m) => ({ emit: m.emitRunbooks })),
  aws: () => import('./aws/index.js'),
  kubernetes: () => import('./kubernetes/index.js'),
  pgbackrest: () => import('./pgbackrest/index.js'),
  monitoring: () => import('./monitoring/index.js'),
  scripts: () => import('./scripts/index.js'),
};

export const FAMILY_NAMES = Object.keys(FAMILIES);

export function loadFamily(name: string): Promise<{ emit: Emitter }> {
  const load = FAMILIES[name];
  if (!load) throw new Error(`no artifact family ${name}`);
  return load();
}

/**
 * The families' artifacts, one at a time as each family yields them, so a large build holds one file in
 * memory, not a family. `names` picks some of the families (a build thread emits its share); duplicate
 * paths are caught where the manifest is written, which sees every thread's files.
 */
export async function* emitFamilies(context: EmitContext, names: readonly string[] = FAMILY_NAMES): AsyncGenerator<Artifact> {
  for (const name of names) yield* (await loadFamily(name)).emit(context);
}

/** Every artifact of every family, sorted by path. */
export async function emitAll(context: EmitContext): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for await (const artifact of emitFamilies(context)) artifacts.push(artifact);
  return artifacts.sort(byPath);
}

export { byPath };
