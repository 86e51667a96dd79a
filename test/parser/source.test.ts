/**
 * Columns inside scalars written over several lines (policy-language.md §2: "reported at the exact
 * column inside the YAML string"): YAML folds their line breaks and drops indentation, so the column
 * of a value character is found by alignment (source.ts alignedOffsets).
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { alignedOffsets } from '../../src/parser/source.js';

const policy = (rpo: string) => `version: 1\nname: p\ntiers:\n  t1:\n    rpo: ${rpo}\n`;

function invalidValueAt(text: string): string {
  const d = lintText(text, 'p.yaml').diagnostics.find((x) => x.rule === 'invalid-value');
  return d ? `${d.line}:${d.column}-${d.endLine}:${d.endColumn}` : 'none';
}

describe('the column of an invalid value in a multi-line scalar', () => {
  it.each([
    ['a single-line value (unchanged)', '15mins', '5:12-5:16'],
    ['plain, folded onto the next line', '15\n      mins', '6:7-6:11'],
    ['double-quoted over two lines', '"15\n      mins"', '6:7-6:11'],
    ['single-quoted over two lines', "'15\n      mins'", '6:7-6:11'],
    ['a literal block with an indentation indicator', '|2-\n        15mins', '6:11-6:15'],
    ['a folded block', '>-\n      15\n      mins', '7:7-7:11'],
  ])('%s', (_name, rpo, expected) => {
    expect(invalidValueAt(policy(rpo))).toBe(expected);
  });

  it('a cron expression broken over two lines points at the bad field', () => {
    const text = `version: 1\nname: p\nservices:\n  s:\n    kind: files\n    schedule: cron(0 2 *\n      * 8)\n`;
    expect(invalidValueAt(text)).toBe('7:9-7:10');
  });
});

describe('alignedOffsets', () => {
  it('maps each value character to the source character that makes it', () => {
    // "a b": the space is the folded line break at offset 1.
    expect(alignedOffsets('a\n  b', 'a b', 'PLAIN')).toEqual([0, 1, 4]);
    expect(alignedOffsets('"a\\tb\n  c"', 'a\tb c', 'QUOTE_DOUBLE')).toEqual([1, 2, 4, 5, 8]);
    expect(alignedOffsets("'it''s\n x'", "it's x", 'QUOTE_SINGLE')).toEqual([1, 2, 3, 5, 6, 8]);
  });

  it('maps what it cannot find to the end (never past it)', () => {
    expect(alignedOffsets('ab\n', 'abz', 'PLAIN')).toEqual([0, 1, 3]);
  });
});
