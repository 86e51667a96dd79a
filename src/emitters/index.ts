/** The artifact families (policy-language.md §10), each a folder with an `emit` function, loaded lazily. */
import { byPath } from './layout.js';
import type { Artifact, EmitContext, EmitPart, Emitter } from './types.js';

interface Family {
  load: () => Promise<{ emit: Emitter }>;
  /** How many parts a threaded build splits it into (families with a file per service), else 1. */
  parts: number;
  /** Its share of a large build's time (measured at 10,000 services), to hand out the largest units first. */
  cost: number;
  /**
   * Builds large documents in memory (the alert and test YAML, the DR plan): a threaded build emits
   * these on the main thread, one after the other, where lint's memory has just been let go, so that
   * two of them are never in memory at once.
   */
  large?: boolean;
}

/**
 * In the order one thread emits them, which the writer thread (writer-thread.ts) makes matter (10k
 * services, docs/performance.md). The scripts come first: 54,000 small files, created while the next
 * families render. The large single files (monitoring, AWS) come next, while the writer still has
 * files to create. The runbooks come last: small files the writer keeps up with, so little is left to
 * write when rendering ends.
 */
const FAMILIES: Record<string, Family> = {
  scripts: { load: () => import('./scripts/index.js'), parts: 8, cost: 19 },
  monitoring: { load: () => import('./monitoring/index.js'), parts: 1, cost: 32, large: true },
  aws: { load: () => import('./aws/index.js'), parts: 1, cost: 10 },
  // docs/ is two families: the documents, and the runbooks, which split by service.
  docs: { load: () => import('./docs/index.js').then((m) => ({ emit: m.emitDocuments })), parts: 1, cost: 16, large: true },
  kubernetes: { load: () => import('./kubernetes/index.js'), parts: 1, cost: 2 },
  pgbackrest: { load: () => import('./pgbackrest/index.js'), parts: 1, cost: 1 },
  runbooks: { load: () => import('./docs/index.js').then((m) => ({ emit: m.emitRunbooks })), parts: 8, cost: 18 },
};

export const FAMILY_NAMES = Object.keys(FAMILIES);

export function loadFamily(name: string): Promise<{ emit: Emitter }> {
  const family = FAMILIES[name];
  if (!family) throw new Error(`no artifact family ${name}`);
  return family.load();
}

/** A family, or one part of it. */
export interface EmitUnit {
  family: string;
  part?: EmitPart;
}

/** Every family whole: what one thread emits. */
export const WHOLE_FAMILIES: readonly EmitUnit[] = FAMILY_NAMES.map((family) => ({ family }));

/**
 * A threaded build's units: the large families, which the main thread emits first, one after the other;
 * and the rest, each family whole or in parts, which every thread takes one at a time, costliest first
 * (so the threads finish close together: the last units are small).
 */
export function emitUnits(): { large: EmitUnit[]; shared: EmitUnit[] } {
  const large = FAMILY_NAMES.filter((family) => FAMILIES[family]!.large).map((family) => ({ family }));
  const shared = FAMILY_NAMES.filter((family) => !FAMILIES[family]!.large).flatMap((family) => {
    const { parts, cost } = FAMILIES[family]!;
    if (parts === 1) return [{ unit: { family }, cost }];
    return Array.from({ length: parts }, (_, index) => ({ unit: { family, part: { index, count: parts } }, cost: cost / parts }));
  });
  return { large, shared: shared.sort((a, b) => b.cost - a.cost).map((u) => u.unit) }; // stable: equal costs keep family order
}

/**
 * The units' artifacts, one at a time as each family yields them, so a large build holds one file in
 * memory, not a family. Duplicate paths are caught where the manifest is written, which sees every
 * thread's files.
 */
export async function* emitFamilies(context: EmitContext, units: readonly EmitUnit[] = WHOLE_FAMILIES): AsyncGenerator<Artifact> {
  for (const unit of units) yield* (await loadFamily(unit.family)).emit(context, unit.part);
}

/** Every artifact of every family, sorted by path. */
export async function emitAll(context: EmitContext): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for await (const artifact of emitFamilies(context)) artifacts.push(artifact);
  return artifacts.sort(byPath);
}

export { byPath };
