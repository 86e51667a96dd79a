/**
 * docs/rules/<id>.md is generated from each rule's metadata (the same text `drc explain` prints), so the
 * page and the CLI cannot drift. `UPDATE_DOCS=1 npx vitest run test/rule-docs.test.ts` rewrites them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRuleMetas, ruleMarkdown } from '../src/cli/rules.js';

describe('rule docs pages', () => {
  for (const meta of allRuleMetas()) {
    it(`docs/rules/${meta.id}.md is up to date`, () => {
      const path = `docs/rules/${meta.id}.md`;
      const expected = ruleMarkdown(meta);
      if (process.env.UPDATE_DOCS === '1') writeFileSync(path, expected);
      expect(existsSync(path), `${path} exists`).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(expected);
    });
  }

  it('every rule cites at least one source and has both examples', () => {
    for (const meta of allRuleMetas()) {
      expect(meta.sources.length, meta.id).toBeGreaterThan(0);
      expect(meta.examples.failing.trim(), meta.id).not.toBe('');
      expect(meta.examples.passing.trim(), meta.id).not.toBe('');
    }
  });
});
