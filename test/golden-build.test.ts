/**
 * Golden files for every artifact of examples/acme, reviewed like code: a change to any emitter shows
 * up here as a diff. `UPDATE_GOLDEN=1 npx vitest run test/golden-build.test.ts` rewrites them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../src/build/index.js';

const GOLDEN = join(import.meta.dirname, 'golden', 'acme');
const POLICY = 'examples/acme/drc.yaml';

function goldenFiles(): string[] {
  if (!existsSync(GOLDEN)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(GOLDEN, path).split(sep).join('/'));
    }
  };
  walk(GOLDEN);
  return out.sort();
}

describe('golden build of examples/acme', async () => {
  const { lint, artifacts } = await buildPolicy(readFileSync(POLICY, 'utf8'), POLICY);

  it('lints clean and emits artifacts', () => {
    expect(lint.diagnostics).toEqual([]);
    expect(artifacts.length).toBeGreaterThan(40);
  });

  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(GOLDEN, { recursive: true, force: true });
    for (const artifact of artifacts) {
      const path = join(GOLDEN, ...artifact.path.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, artifact.content);
    }
  }

  it('emits exactly the files the goldens hold', () => {
    expect(artifacts.map((a) => a.path).sort()).toEqual(goldenFiles());
  });

  for (const artifact of artifacts) {
    it(artifact.path, () => {
      const path = join(GOLDEN, ...artifact.path.split('/'));
      expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1 and review the diff`).toBe(true);
      expect(artifact.content).toBe(readFileSync(path, 'utf8'));
    });
  }
});
