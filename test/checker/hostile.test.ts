/** Hostile and broken input: always diagnostics with a position, never an exception, quickly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';

function lint(text: string) {
  return lintText(text, 'drc.yaml').diagnostics;
}

function aliasBomb(levels: number): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let previous = 'a';
  for (let i = 0; i < levels; i++) {
    const refs = Array.from({ length: 9 }, () => `*${previous}`).join(',');
    text += `b${i}: &b${i} [${refs}]\n`;
    previous = `b${i}`;
  }
  return text;
}

describe('hostile input', () => {
  const cases: [string, string, RegExp][] = [
    ['an empty file', '', /empty/],
    ['only a comment', '# nothing\n', /empty/],
    ['a top-level list', '- a\n- b\n', /mapping, not a list/],
    ['a top-level string', 'hello', /mapping, not a string/],
    ['a syntax error', 'services:\n  db: { kind: postgresql\n', /./],
    ['an alias bomb', aliasBomb(9), /aliases expand to more than/],
    ['20,000 nested brackets', `a: ${'['.repeat(20000)}${']'.repeat(20000)}`, /nesting deeper than 64/],
    ['100 nested brackets', `a: ${'['.repeat(100)}${']'.repeat(100)}`, /nesting deeper than 64/],
    ['2,000 nested brackets', `a: ${'['.repeat(2000)}${']'.repeat(2000)}`, /./],
    ['a tab-indented map', 'version: 1\n\tname: x\n', /./],
  ];
  for (const [name, text, message] of cases) {
    it(`${name} yields an error with a position`, () => {
      const started = Date.now();
      const diagnostics = lint(text);
      expect(Date.now() - started).toBeLessThan(10_000);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.message).toMatch(message);
      expect(errors[0]!.line).toBeGreaterThanOrEqual(1);
      expect(errors[0]!.column).toBeGreaterThanOrEqual(1);
      expect(errors[0]!.message).not.toMatch(/\n/);
    });
  }

  it('a 5 MB string is a schema problem, not a crash', () => {
    const text = `version: 1\nname: big\nowner: "${'x'.repeat(5 * 1024 * 1024)}"\nservices: {}\n`;
    const diagnostics = lint(text);
    expect(Array.isArray(diagnostics)).toBe(true);
  });

  it('duplicate keys are reported at the second key, in linear time', () => {
    const diagnostics = lint('version: 1\nname: a\nname: b\n');
    const duplicate = diagnostics.find((d) => d.message.includes('duplicate key "name"'));
    expect(duplicate).toMatchObject({ rule: 'schema', line: 3, column: 1, path: '/name' });
  });

  it('random bytes never throw and give the same answer twice', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const first = lint(text);
        expect(lint(text)).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it('random YAML-ish documents never throw', () => {
    const token = fc.constantFrom('version: 1\n', 'name: x\n', 'services:\n', '  db:\n', '    kind: postgresql\n', '    rpo: 15m\n',
      '    schedule: cron(0 1,2,23 * * *)\n', '  - a\n', '&a ', '*a', '{', '}', '[', ']', ': ', '"', "'", '#', '\n', '    tier: x\n', 'tiers: {t: {rpo: 1x}}\n');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (parts) => {
        lint(parts.join(''));
      }),
      { numRuns: 500 },
    );
  });
});
