import { describe, expect, it } from 'vitest';
import { FORMATS, loadReporter } from '../../src/reporters/index.js';
import { githubStepSummary } from '../../src/reporters/github.js';
import { cleanInput, fixtureInput } from './fixture.js';
import { expectGolden } from './golden.js';

const EXT: Record<(typeof FORMATS)[number], string> = {
  stylish: 'txt',
  json: 'json',
  sarif: 'sarif',
  github: 'txt',
  junit: 'xml',
  gitlab: 'json',
};

describe('golden output', () => {
  for (const format of FORMATS) {
    it(`${format}: findings`, async () => {
      const report = await loadReporter(format);
      expectGolden(`${format}.${EXT[format]}`, report(fixtureInput()));
    });
    it(`${format}: clean`, async () => {
      const report = await loadReporter(format);
      expectGolden(`${format}.clean.${EXT[format]}`, report(cleanInput()));
    });
  }
  it('stylish with colour', async () => {
    const report = await loadReporter('stylish');
    expectGolden('stylish.color.txt', report(fixtureInput({ color: true })));
  });
  it('github step summary', () => {
    expectGolden('github-summary.md', githubStepSummary(fixtureInput()));
    expectGolden('github-summary.clean.md', githubStepSummary(cleanInput()));
  });
});

describe('loadReporter', () => {
  it('rejects an unknown format and names the valid ones', async () => {
    await expect(loadReporter('xml')).rejects.toThrow(/stylish, json, sarif, github, junit, gitlab/);
  });
  it('is pure: same input, same output', async () => {
    for (const format of FORMATS) {
      const report = await loadReporter(format);
      expect(report(fixtureInput())).toBe(report(fixtureInput()));
    }
  });
});
