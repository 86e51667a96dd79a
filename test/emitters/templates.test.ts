import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileTemplate, markdownCell } from '../../src/emitters/templates.js';

// Handlebars' own `each`, compiled with the same options drc uses, as the reference.
const reference = Handlebars.create();
reference.registerHelper('md', (value: unknown) => String(value));
const referenceCompile = (source: string) =>
  reference.compile(source, { strict: true, noEscape: true, knownHelpers: { md: true, each: true, if: true }, knownHelpersOnly: true });

const TEMPLATE = [
  '{{#each rows}}{{@index}}/{{@key}} {{#if @first}}first {{/if}}{{#if @last}}last {{/if}}{{name}} of {{../title}}',
  '{{#each tags}}[{{this}}{{#if @last}}.{{/if}}]{{/each}}',
  '{{else}}none',
  '{{/each}}|{{#each byKey}}{{@key}}={{this}};{{/each}}',
].join('\n');

function rows(n: number) {
  return Array.from({ length: n }, (_, i) => ({ name: `row-${i}`, tags: i % 3 === 0 ? [] : ['a', 'b'].slice(0, i % 3) }));
}

describe('templates: {{#each}} joined in chunks', () => {
  const mine = compileTemplate<object>(TEMPLATE);
  const theirs = referenceCompile(TEMPLATE);
  for (const n of [0, 1, 2, 63, 64, 65, 129, 1000]) {
    it(`writes what Handlebars' own each writes, ${n} rows`, () => {
      const data = { title: 'the table', rows: rows(n), byKey: { x: 1, y: 2 } };
      const out = mine(data);
      expect(out).toBe(theirs(data));
      if (n === 0) expect(out).toContain('none');
      else expect(out).toContain(`${n - 1}/${n - 1} ${n === 1 ? 'first ' : ''}last row-${n - 1} of the table`);
    });
  }

  it('skips holes in an array as the built-in does', () => {
    // eslint-disable-next-line no-sparse-arrays
    const data = { title: 't', rows: [{ name: 'a', tags: [] }, , { name: 'c', tags: [] }], byKey: {} };
    expect(mine(data)).toBe(theirs(data));
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
