import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LazyList, toJson, toYaml, toYamlDocuments } from '../../src/emitters/serialize.js';

// toYaml writes YAML itself for speed; it must match the yaml library byte for byte.
const OPTIONS = { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN', version: '1.1', aliasDuplicateObjects: false } as const;
const library = (value: unknown) => stringify(value, OPTIONS);

/** Strings YAML 1.1 treats specially, and characters that force quoting or block style. */
const tricky = fc.oneof(
  fc.constantFrom(
    '', ' ', 'y', 'Y', 'n', 'yes', 'No', 'on', 'OFF', 'true', 'False', 'null', 'Null', '~', '08', '0x1F', '0o17', '1_000', '1e3', '.5', '-.inf', '.NaN',
    '2024-01-02', '2024-01-02T03:04:05Z', '12:30', '1:20:30', '-', '?', '- a', '? b', 'a: b', 'a:b', 'a #b', 'a#b', '#x', 'x ', ' x', 'x:', '---', '--- a', '...',
    '%YAML', '@x', '`x`', "it's", 'say "hi"', `'"`, 'a\tb', 'a\nb', 'a\n\nb\n', 'a\n', '\n', 'tab\t', '\u0007bell', '\u00e9t\u00e9', '\u2264', '{a}', '[b]', 'a,b',
    '*ref', '&anchor', '!tag', '|', '>', 'arn:aws:s3:::bucket/*', '${AWS::Region}', 'cron(0 5 ? * * *)', 'CRON_TZ=Europe/Paris 0 5 * * *', '{{ $labels.x }}',
    'time() - m{service="a"} > 3600', 'x'.repeat(1100),
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', '0', '1', '.', '-', ':', ' ', '#', '\n', '"', "'", 'e', 'x', '_', '+', 'y', 'n'), maxLength: 8 }),
);
const scalar = fc.oneof(tricky, fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant(0), fc.constant(-0));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(tricky, fc.oneof(tie('node'), fc.constant(undefined)), { maxKeys: 5 }),
})).node;

describe('toYaml', () => {
  it('writes what the yaml library writes, for any JSON-like value', () => {
    fc.assert(fc.property(value, (v) => { expect(toYaml(v)).toBe(library(v)); }), { numRuns: 3000 });
  });

  it('strings taking the plain fast path (a first letter, and a safe one or a space) are written as the library writes them', () => {
    const tail = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '3', ':', ' ', '#', '\t', '"', "'", '-', '.', '{', ',', 'rue', 'es', 'ull', 'n', 'ff', '\u0085', '\u2028', '\u2029', '\u00a0', '\ud83d'), maxLength: 10 });
    // Letters that start YAML 1.1 words and numbers (true, yes, no, on, off, null, e3) as well as others.
    const first = fc.constantFrom('a', 'b', 'x', 'Z', 'M', 'q', 't', 'T', 'y', 'Y', 'n', 'N', 'o', 'O', 'f', 'F', 'e', 'E');
    const text = fc.tuple(first, tail).map(([f, rest]) => f + rest);
    fc.assert(fc.property(text, (t) => { expect(toYaml({ [t]: [t] })).toBe(library({ [t]: [t] })); }), { numRuns: 5000 });
    for (const t of ['true story', 'yes sir', 'No way', 'e3 x', 'e 3', 'on call', 'OFF hours', 'null x', 'False alarm', 'y z', 'true', 'y', 'e3', 'Null', 'ON']) {
      expect(toYaml({ k: t, l: [t] }), t).toBe(library({ k: t, l: [t] }));
    }
  });

  it('a document marker after U+2028 or U+2029 (a line break to the library) is written as the library writes it', () => {
    // Found by the property above (seed 1408521793): the library quotes such a key.
    for (const t of ['a\u2028---', 'a\u2029...', 'b\u2028%x', 'a\u2028--- b']) {
      for (const v of [{ [t]: [t] }, { k: t }, { n: { [t]: t } }, [t]]) expect(toYaml(v), JSON.stringify(v)).toBe(library(v));
    }
  });

  it('writes nested block collections, empty collections and top-level arrays like the library', () => {
    const samples: unknown[] = [
      {},
      [],
      { a: {}, b: [], c: [{}, [], [[1, 2], { x: [] }]], d: { e: { f: [{ g: 1, h: [null, true] }] } }, u: undefined },
      [[['deep']], { k: 'v', l: [1] }, 'x', null],
      { Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { Rules: [{ Id: 'drc-a', Tags: [{ Key: 'drc-retention', Value: 'daily' }] }] } } } },
      { text: 'line one\nline two\n', list: ['a\nb'] },
      { when: new Date(0) },
      { sparse: [1, undefined, 3] },
    ];
    for (const s of samples) expect(toYaml(s)).toBe(library(s));
  });

  it('writes a LazyList exactly as the array of its items, at any depth, including where the library takes over', () => {
    /** The value with every array made a LazyList (whose items are made only when written). */
    const lazy = (v: unknown): unknown => {
      if (Array.isArray(v)) return new LazyList(v.length, () => v.map(lazy));
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, lazy(x)]));
      return v;
    };
    fc.assert(fc.property(value, (v) => { expect(toYaml(lazy(v))).toBe(library(v)); }), { numRuns: 2000 });
    // A multi-line string makes the library write the whole value: the lazy lists are made arrays for it.
    const tests = { tests: [{ name: 'a', input_series: [{ series: 'm{a="1"}', values: '0x10' }], text: 'line one\nline two\n' }] };
    expect(toYaml(lazy(tests))).toBe(library(tests));
    expect(toYaml({ empty: new LazyList(0, () => []) })).toBe('empty: []\n');
  });

  it('refuses a LazyList whose items are not as many as it said', () => {
    expect(() => toYaml({ list: new LazyList(2, () => ['only one']) })).toThrow(/length 2 gave 1/);
  });

  it('joins documents with ---', () => {
    expect(toYamlDocuments([{ a: 1 }, { b: [2] }])).toBe('a: 1\n---\nb:\n  - 2\n');
  });
});

describe('toJson', () => {
  it('sorts keys recursively unless told not to', () => {
    expect(toJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).toBe('{\n  "a": {\n    "c": 2,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n');
    expect(toJson({ b: 1, a: 2 }, { sort: false })).toBe('{\n  "b": 1,\n  "a": 2\n}\n');
  });
});
