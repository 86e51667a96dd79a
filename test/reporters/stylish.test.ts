import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { shouldUseColor } from '../../src/reporters/color.js';
import { codeFrame, stylish } from '../../src/reporters/stylish.js';
import { DIAGNOSTICS, fixtureInput } from './fixture.js';

const ANSI = /\u001b\[/;
const plain = pc.createColors(false);

describe('stylish', () => {
  it('has no colour codes when colour is off, and some when on', () => {
    expect(stylish(fixtureInput({ color: false }))).not.toMatch(ANSI);
    expect(stylish(fixtureInput({ color: true }))).toMatch(ANSI);
  });
  it('prints file:line:column, severity, message and rule', () => {
    expect(stylish(fixtureInput())).toContain('policies/dr.yaml:10:17  error    production-db: backups every 6h cannot meet RPO 1h  backup-frequency-rpo');
  });
  it('does not print suppressed findings but counts them', () => {
    const out = stylish(fixtureInput());
    expect(out).not.toContain('tier-unused');
    expect(out.trimEnd().split('\n').at(-1)).toBe('✖ 4 problems (2 errors, 1 warning, 1 info) (1 suppressed)');
  });
  it('says no problems when clean, still counting suppressed', () => {
    expect(stylish(fixtureInput({ diagnostics: [] }))).toBe('✔ no problems\n');
    expect(stylish(fixtureInput({ diagnostics: DIAGNOSTICS.filter((d) => d.suppressed) }))).toBe('✔ no problems (1 suppressed)\n');
  });
  it('uses plural forms that read right', () => {
    const one = stylish(fixtureInput({ diagnostics: [DIAGNOSTICS.find((d) => d.severity === 'warning' && !d.suppressed)!] }));
    expect(one).toContain('✖ 1 problem (0 errors, 1 warning, 0 infos)');
  });
});

describe('codeFrame', () => {
  const lines = ['a: 1', 'b: "value"', 'c: 3'];
  const at = (line: number, column: number, endLine: number, endColumn: number) =>
    codeFrame(lines, { line, column, endLine, endColumn, severity: 'error' }, plain);

  it('shows one line of context, a gutter and a caret under the range', () => {
    expect(at(2, 4, 2, 11)).toEqual(['    1 | a: 1', '  > 2 | b: "value"', '      |    ^~~~~~~']);
  });
  it('has no context line before line 1', () => {
    expect(at(1, 1, 1, 2)).toEqual(['  > 1 | a: 1', '      | ^']);
  });
  it('runs the caret to the end of the line for multi-line ranges, and shows ^ for empty ones', () => {
    expect(at(2, 4, 3, 2).at(-1)).toBe('      |    ^~~~~~~');
    expect(at(2, 4, 2, 4).at(-1)).toBe('      |    ^');
  });
  it('widens the gutter for the larger line number and keeps tabs aligned', () => {
    const many = Array.from({ length: 10 }, (_, i) => `line${i + 1}`);
    many[9] = '\tkey: v';
    expect(codeFrame(many, { line: 10, column: 2, endLine: 10, endColumn: 5, severity: 'info' }, plain)).toEqual([
      '     9 | line9',
      '  > 10 | \tkey: v',
      '       | \t^~~',
    ]);
  });
  it('prints nothing when the line is outside the text', () => {
    expect(at(9, 1, 9, 2)).toEqual([]);
  });
  it('neutralises control characters from the policy text', () => {
    expect(codeFrame(['x: "\u001b[31mred"'], { line: 1, column: 1, endLine: 1, endColumn: 2, severity: 'error' }, plain)[0]).not.toMatch(ANSI);
  });
});

describe('shouldUseColor', () => {
  it('follows the TTY when nothing is set', () => {
    expect(shouldUseColor({}, true)).toBe(true);
    expect(shouldUseColor({}, false)).toBe(false);
  });
  it('NO_COLOR set and non-empty disables; empty is ignored', () => {
    expect(shouldUseColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(shouldUseColor({ NO_COLOR: 'false' }, true)).toBe(false);
    expect(shouldUseColor({ NO_COLOR: '' }, true)).toBe(true);
  });
  it('FORCE_COLOR wins over NO_COLOR and a missing TTY; 0/false turn colour off', () => {
    for (const v of ['1', '2', '3', 'true', '']) expect(shouldUseColor({ FORCE_COLOR: v, NO_COLOR: '1' }, false)).toBe(true);
    for (const v of ['0', 'false', 'FALSE']) expect(shouldUseColor({ FORCE_COLOR: v }, true)).toBe(false);
  });
  it('TERM=dumb disables on a TTY', () => {
    expect(shouldUseColor({ TERM: 'dumb' }, true)).toBe(false);
  });
});
