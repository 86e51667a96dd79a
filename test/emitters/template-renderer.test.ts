import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileTemplate, compileWithHandlebars, compileWithoutHandlebars, registerPartial } from '../../src/emitters/templates.js';
// The shipped templates register their partials (failover) when the docs family loads.
import '../../src/emitters/docs/index.js';

const TEMPLATES_DIRS = ['src/emitters/docs/templates', 'src/emitters/scripts/templates'];

/** What a render gives: its text, or that it threw (the two renderers' messages differ). */
function outcome(render: (data: unknown) => string, data: unknown): { text: string } | { threw: true } {
  try {
    return { text: render(data) };
  } catch {
    return { threw: true };
  }
}

registerPartial('test-part', compileTemplate('<{{md a}}{{#if b}}!{{/if}}{{#each items}}({{md this}}){{/each}}>'));

// Every construct the renderer knows, and the corners of Handlebars' semantics it must keep.
const SUPPORTED = [
  '{{a}}{{b}}', // two numbers are added, as Handlebars' + chain does
  '[{{md a}}|{{sh b}}|{{#if (eq kind "x")}}X{{else}}Y{{/if}}|{{eq a b}}|{{eq kind 1}}|{{eq a true}}|{{eq a null}}|{{eq a undefined}}]',
  '{{#each items}}{{md a}}-{{../kind}}-{{#each items}}{{../a}}{{this}}{{/each}};{{else}}none{{/each}}',
  '{{#if a}}\n  {{b.c}}\n{{/if}}\n{{#each items}}\n- {{md this}}\n{{/each}}\nend\n',
  '{{~#if a~}}  x  {{~/if~}}  {{join items ", "}} {{!-- a comment --}}{{! another }}',
  '{{> test-part}}|{{#each items}}{{> test-part}}{{/each}}',
  '{{> test-part a}}|{{#each items}}{{> test-part this}}{{> test-part ../a}}{{/each}}|{{> test-part a.b}}',
  '{{this}}|{{#each items}}{{.}},{{/each}}',
  '{{#if items}}{{#each items}}{{#if this}}{{md this}}{{else}}-{{/if}}{{/each}}{{/if}}',
  '{{#if a}}{{#if a.b}}{{md a.b.c}}|{{a.b.c}}{{/if}}{{/if}}{{sh this.kind}}',
  '{{#each items}}{{#if ../a}}{{../../kind}}{{/if}}{{#each items}}{{../../../a}}{{/each}}{{/each}}',
  '{{#if a}}{{#if b}}ab{{else if kind}}a-kind{{else}}a{{/if}}{{/if}}',
  '{{#each a}}[{{this}}]{{else}}{{kind}}{{/each}}',
  '{{{a}}} {{{md b}}}',
];

// What the renderer leaves to Handlebars (compileTemplate must still write exactly what Handlebars writes).
const UNSUPPORTED = [
  '{{#each items}}{{@index}}:{{this}}{{/each}}',
  '{{#with a}}{{b}}{{/with}}',
  '{{#unless a}}u{{/unless}}',
  '{{eq a}}', // a helper with another number of parameters than it takes
  '{{md}}',
  '{{#each items as |item|}}{{item}}{{/each}}',
  '{{md a flag=true}}',
  '{{> test-part a b}}', // a partial with two parameters (Handlebars refuses it)
  '{{> test-part a=1}}',
  '  {{> test-part}}\n', // an indented partial
  '{{lookup items 0}}',
];

const text = fc.array(fc.constantFrom('a', 'x', ' ', "'", '"', '|', '`', '\n', '\\', '{', '<', '0', 'é', '*'), { maxLength: 8 }).map((chars) => chars.join(''));
const scalar = fc.oneof(text, fc.integer({ min: -2, max: 3 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(''), fc.constant('x'));
const KEYS = ['a', 'b', 'c', 'kind', 'items'] as const;
const { view } = fc.letrec<{ view: unknown; value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    tie('view'),
    fc.constant(() => 'called'),
    fc.constant({ x: 1, y: 2 }), // an object where each expects an array: Handlebars iterates its keys
  ),
  view: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
}));

describe('template-renderer: the same output as Handlebars', () => {
  it('renders every shipped template itself', () => {
    const sources = TEMPLATES_DIRS.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.hbs')).map((f) => join(dir, f)));
    expect(sources.length).toBeGreaterThanOrEqual(13);
    for (const file of sources) expect(compileWithoutHandlebars(readFileSync(file, 'utf8')), file).not.toBeNull();
  });

  for (const source of SUPPORTED) {
    it(`renders ${JSON.stringify(source)} as Handlebars does`, () => {
      const renderer = compileWithoutHandlebars(source);
      expect(renderer).not.toBeNull();
      const template = compileTemplate<unknown>(source);
      const handlebars = compileWithHandlebars<unknown>(source);
      let rendered = 0;
      fc.assert(
        fc.property(view, (data) => {
          const expected = outcome(handlebars, data);
          expect(outcome(template, data)).toEqual(expected);
          // Alone, the renderer either writes the same or leaves the value to Handlebars.
          const alone = outcome(renderer!, data);
          if ('text' in alone) rendered++;
          if ('text' in alone || 'text' in expected) {
            try {
              expect(renderer!(data)).toBe((expected as { text: string }).text);
            } catch (error) {
              if (typeof error !== 'symbol') throw error; // FALLBACK: Handlebars writes it (checked above)
            }
          }
        }),
        { numRuns: 400 },
      );
      expect(rendered).toBeGreaterThan(0);
    });
  }

  it('renders the examples of each construct exactly', () => {
    const render = (source: string, data: unknown) => compileWithoutHandlebars(source)!(data);
    expect(render('{{a}}{{b}}', { a: 1, b: 2 })).toBe('3');
    expect(render('{{#each items}}{{md this}}{{../kind}};{{/each}}', { kind: 'k', items: ['a|b', 'c'] })).toBe('a\\|bk;ck;');
    expect(render('{{#if (eq kind "x")}}{{sh a}}{{/if}}', { kind: 'x', a: "it's" })).toBe(`'it'\\''s'`);
    expect(render('{{> test-part}}', { a: '<', b: 1, items: [] })).toBe('<&lt;!>');
    expect(render('{{#each items}}{{> test-part this}}{{/each}}', { items: [{ a: 'x', b: 0, items: ['y'] }] })).toBe('<x(y)>');
    expect(render('{{a.b.c}}|{{md a.b.c}}|{{sh this.kind}}', { a: { b: { c: 'x|y' } }, kind: 'k' })).toBe("x|y|x\\|y|'k'");
    expect(() => render('{{missing}}', {})).toThrow(/"missing" not defined/);
    expect(() => render('{{md a.b}}', {})).toThrow(TypeError); // a missing step throws, as in Handlebars' strict mode
  });

  for (const source of UNSUPPORTED) {
    it(`leaves ${JSON.stringify(source)} to Handlebars`, () => {
      expect(compileWithoutHandlebars(source)).toBeNull();
      const template = compileTemplate<unknown>(source);
      const handlebars = compileWithHandlebars<unknown>(source);
      fc.assert(
        fc.property(view, (data) => {
          expect(outcome(template, data)).toEqual(outcome(handlebars, data));
        }),
        { numRuns: 100 },
      );
    });
  }
});
