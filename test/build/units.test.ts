import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitContext } from '../../src/build/index.js';
import { buildThreads, DEFAULT_MAX_THREADS, THREADED_MIN_BYTES, THREADED_MIN_CORES } from '../../src/build/threads.js';
import { lintText } from '../../src/checker/index.js';
import { emitFamilies, emitUnits, FAMILY_NAMES, WHOLE_FAMILIES } from '../../src/emitters/index.js';
import type { Artifact } from '../../src/emitters/types.js';
import { generatePolicy } from '../../bench/generate.mjs';

const repo = resolve(import.meta.dirname, '..', '..');

async function collect(units: Parameters<typeof emitFamilies>[1], text: string): Promise<Artifact[]> {
  const context = emitContext(lintText(text, 'drc.yaml'))!;
  expect(context).not.toBeNull();
  const out: Artifact[] = [];
  for await (const artifact of emitFamilies(context, units)) out.push(artifact);
  return out;
}

describe('emit units (how build threads share the families)', () => {
  it('name every family once: whole, or split into parts 0..count-1', () => {
    const { large, shared } = emitUnits();
    const units = [...large, ...shared];
    for (const family of FAMILY_NAMES) {
      const mine = units.filter((u) => u.family === family);
      if (mine.length === 1) expect(mine[0]!.part).toBeUndefined();
      else expect(mine.map((u) => u.part!.index).sort((a, b) => a - b)).toEqual(mine.map((_, i) => i));
      for (const u of mine) if (u.part) expect(u.part.count).toBe(mine.length);
    }
    expect(new Set(units.map((u) => u.family))).toEqual(new Set(FAMILY_NAMES));
    // Some family is split, or threads could not share per-service work.
    expect(shared.some((u) => u.part)).toBe(true);
    // The large documents are not handed out to any thread that asks.
    expect(large.map((u) => u.family).sort()).toEqual(['docs', 'monitoring']);
  });

  for (const [name, text] of [
    ['examples/acme', readFileSync(join(repo, 'examples', 'acme', 'drc.yaml'), 'utf8')],
    ['a generated 60-service policy', generatePolicy(60)],
  ] as const) {
    it(`together write exactly the files of the whole families, each once (${name})`, async () => {
      const { large, shared } = emitUnits();
      const whole = await collect(WHOLE_FAMILIES, text);
      // Shuffled, as threads take them in any order.
      const units = [...shared].reverse().concat(large);
      const parts = await collect(units, text);
      const byPath = (list: Artifact[]) => new Map(list.map((a) => [a.path, a]));
      expect(parts).toHaveLength(whole.length);
      expect(byPath(parts).size).toBe(parts.length); // no path twice
      const expected = byPath(whole);
      for (const artifact of parts) expect(artifact, artifact.path).toEqual(expected.get(artifact.path));
      // Split families really spread their services over the parts.
      const runbookParts = shared.filter((u) => u.family === 'runbooks');
      const perPart = await Promise.all(runbookParts.map((u) => collect([u], text)));
      expect(perPart.filter((files) => files.length > 0).length).toBeGreaterThan(1);
    });
  }
});

describe('buildThreads (how many threads drc build uses)', () => {
  const small = 'x'.repeat(THREADED_MIN_BYTES - 1);
  const large = 'x'.repeat(THREADED_MIN_BYTES);

  it('one below the size threshold or on fewer than THREADED_MIN_CORES cores; else DEFAULT_MAX_THREADS', () => {
    expect(buildThreads(small, {}, 64)).toBe(1);
    expect(buildThreads(large, {}, THREADED_MIN_CORES - 1)).toBe(1);
    expect(buildThreads(large, {}, THREADED_MIN_CORES)).toBe(DEFAULT_MAX_THREADS);
    expect(buildThreads(large, {}, 64)).toBe(DEFAULT_MAX_THREADS);
  });

  it('DRC_BUILD_THREADS decides when it is a whole number from 1 to 16, and is ignored otherwise', () => {
    expect(buildThreads(small, { DRC_BUILD_THREADS: '3' })).toBe(3);
    expect(buildThreads(large, { DRC_BUILD_THREADS: '1' })).toBe(1);
    for (const ignored of ['0', '17', '2.5', 'two', '']) expect(buildThreads(small, { DRC_BUILD_THREADS: ignored })).toBe(1);
  });
});
