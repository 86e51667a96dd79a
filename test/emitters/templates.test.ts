import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileWithoutHandlebars, markdownCell } from '../../src/emitters/templates.js';

// Handlebars' own `each`, compiled with the same options drc uses, as the reference.
const reference = Handlebars.create();
reference.registerHelper('md', (value: unknown) => markdownCell(value));
const referenceCompile = (source: string) =>
  reference.compile(source, { strict: true, noEscape: true, knownHelpers: { md: true, each: true, if: true }, knownHelpersOnly: true });

const TEMPLATE = ['{{#each rows}}{{md name}} of {{../title}}:{{#each tags}} [{{this}}]{{else}} no tags{{/each}}', '{{else}}none', '{{/each}}'].join('\n');

function rows(n: number) {
  return Array.from({ length: n }, (_, i) => ({ name: `row-${i}`, tags: i % 3 === 0 ? [] : ['a', 'b'].slice(0, i % 3) }));
}

describe('templates: {{#each}} rows joined in chunks (template-renderer.ts)', () => {
  const mine = compileWithoutHandlebars(TEMPLATE)!;
  const theirs = referenceCompile(TEMPLATE);
  it('is rendered without Handlebars', () => expect(mine).not.toBeNull());
  // Around the chunk size (64 rows) and far past it.
  for (const n of [0, 1, 2, 63, 64, 65, 129, 1000]) {
    it(`writes what Handlebars' own each writes, ${n} rows`, () => {
      const data = { title: 'the table', rows: rows(n) };
      const out = mine(data);
      expect(out).toBe(theirs(data));
      if (n === 0) expect(out).toBe('none\n');
      else expect(out.split('\n').filter(Boolean)).toHaveLength(n);
    });
  }

  it('skips holes in an array as the built-in does', () => {
    // eslint-disable-next-line no-sparse-arrays
    const data = { title: 't', rows: [{ name: 'a', tags: [] }, , { name: 'c', tags: [] }] };
    expect(mine(data)).toBe(theirs(data));
    expect(mine(data)).toBe('a of t: no tags\nc of t: no tags\n');
  });
});

describe('templates: markdownCell', () => {
  // The escaping as a chain of replacements, in the order that makes each one see only original text.
  const chain = (text: string) =>
    text
      .replace(/\\/g, '\\\\')
      .replace(/\|/g, '\\|')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/\r?\n/g, '<br>')
      .replace(/([`*_[\]])/g, '\\$1');

  it('escapes in one pass exactly what the chain of replacements escapes', () => {
    const special = fc.constantFrom('\\', '|', '<', '>', '\r', '\n', '\r\n', '`', '*', '_', '[', ']', 'a', ' ', 'é', '&');
    const cell = fc.array(special, { maxLength: 90 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(cell, (text) => {
        expect(markdownCell(text)).toBe(chain(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('a cell stays one table cell: no raw pipe or line break survives', () => {
    expect(markdownCell('a | b\r\nc\nd <x> `y` *z* _w_ [v] \\')).toBe('a \\| b<br>c<br>d &lt;x&gt; \\`y\\` \\*z\\* \\_w\\_ \\[v\\] \\\\');
    expect(markdownCell(null)).toBe('');
    expect(markdownCell(42)).toBe('42');
  });
});
