/**
 * The loader's own diagnostics (src/parser/load.ts): what YAML forbids or the policy cannot use is
 * one diagnostic at its position, and nothing after the loader sees the bad value.
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { loadYaml } from '../../src/parser/load.js';
import { BASE_HEADER } from '../rules/rule-tester.js';

/** Diagnostics as `rule line:column path message`, in order. */
function lint(text: string): string[] {
  return lintText(text, 'drc.yaml').diagnostics.map((d) => `${d.rule} ${d.line}:${d.column} ${d.path} ${d.message}`);
}

// BASE_HEADER is 21 lines and lints clean with a files service; `services:` is line 22.
const SERVICE = 'services:\n  db: { kind: files, paths: [/srv], owner: team, tier: tier1, schedule: hourly, data_size: 1GiB, restore_rate: 100MiB/s }\n';

describe('aliases to no anchor', () => {
  it('is a syntax error at the alias, not a null', () => {
    expect(lint('version: 1\nname: t\nowner: *nope\n')).toEqual(['syntax 3:8  alias "*nope" refers to no anchor defined before it']);
  });

  it('an anchor defined after the alias does not count', () => {
    expect(lint('version: 1\nowner: *n\nname: &n t\n')).toEqual(['syntax 2:8  alias "*n" refers to no anchor defined before it']);
  });

  it('stops the later phases, like any syntax error', () => {
    expect(loadYaml('a: [*x]\n', 'drc.yaml')).toMatchObject({ fatal: true, findings: [{ rule: 'syntax', span: [4, 6] }] });
  });

  it('an alias to an anchor before it still works', () => {
    expect(lint(`${BASE_HEADER}${SERVICE.replace('owner: team', 'owner: &o team')}  db2: { kind: files, paths: [/b], owner: *o, tier: tier1, schedule: hourly, data_size: 1GiB, restore_rate: 100MiB/s }\n`)).toEqual([]);
  });
});

describe('more than one YAML document', () => {
  it('is a syntax error at the start of the second document', () => {
    expect(lint('version: 1\nname: t\n---\nversion: 1\nname: u\n')).toEqual(['syntax 3:1  a policy is one YAML document; a second one starts here']);
  });

  it('also after a document end marker', () => {
    expect(lint('version: 1\nname: t\n...\nname: u\n')).toEqual(['syntax 4:1  a policy is one YAML document; a second one starts here']);
  });

  it('one document with a leading --- is fine', () => {
    expect(lint(`---\n${BASE_HEADER}${SERVICE}`)).toEqual([]);
  });
});

describe('numbers that are not finite', () => {
  const minRegions = (value: string) => BASE_HEADER.replace('min_regions: 2', `min_regions: ${value}`) + SERVICE;
  // tier1 is on line 21; the value after `min_regions: ` is at column 120.
  for (const value of ['.inf', '-.inf', '.nan', '.NaN', '1e400', `1${'0'.repeat(400)}`]) {
    it(`min_regions: ${value.slice(0, 10)} is one schema error at the value, and nothing downstream reads it`, () => {
      expect(lint(minRegions(value))).toEqual([`schema 21:120 /tiers/tier1/min_regions min_regions: expected a finite number, got ${value}`]);
    });
  }

  it('in GFS counts and object lock days', () => {
    const text = `${BASE_HEADER.replace('days: 30 }', 'days: .inf }')}services:\n  db: { kind: files, paths: [/srv], owner: team, tier: tier1, schedule: hourly, retention: { keep: { daily: .inf } } }\n`;
    expect(lint(text)).toEqual([
      'schema 19:44 /storage/backups/object_lock/days days: expected a finite number, got .inf',
      'schema 23:109 /services/db/retention/keep/daily daily: expected a finite number, got .inf',
    ]);
  });

  it('a required key with a non-finite value is not also "missing"', () => {
    expect(lint(`${BASE_HEADER.replace('version: 1', 'version: .inf')}${SERVICE}`)).toEqual(['schema 1:10 /version version: expected a finite number, got .inf']);
  });

  it('at the anchored value, again where an alias uses it (in a list: named by its index)', () => {
    const text = `${BASE_HEADER.replace('owner: sre@example.com', 'owner: &x .inf').replace('secondary: [us-west-2]', 'secondary: [us-west-2, *x]')}${SERVICE}`;
    expect(lint(text).filter((d) => d.startsWith('schema'))).toEqual([
      'schema 3:11 /owner owner: expected a finite number, got .inf',
      'schema 6:26 /regions/secondary/1 secondary[1]: expected a finite number, got .inf',
    ]);
  });

  it('the loaded data holds undefined, which YAML never produces, so later phases see the value as absent', () => {
    const loaded = loadYaml('a: .inf\nb: [1e400]\nc: 1.5\n', 'drc.yaml');
    expect(loaded.data).toEqual({ a: undefined, b: [undefined], c: 1.5 });
    expect(Object.hasOwn(loaded.data as object, 'a')).toBe(true);
    expect(loaded.findings.map((f) => [f.rule, f.path])).toEqual([['schema', '/a'], ['schema', '/b/0']]);
  });
});

describe('characters YAML does not allow', () => {
  const withOwner = (owner: string) => `${BASE_HEADER.replace('owner: sre@example.com', `owner: ${owner}`)}${SERVICE}`;

  it('bytes that are not UTF-8 (read as U+FFFD) are a syntax error at their position', () => {
    const bytes = Buffer.concat([Buffer.from('version: 1\nname: t\nowner: "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]);
    expect(lint(bytes.toString('utf8'))).toEqual(['syntax 3:9  invalid UTF-8: these bytes are not UTF-8 text (read as U+FFFD); a policy must be UTF-8']);
  });

  it('a raw NUL inside a quoted string is a syntax error', () => {
    expect(lint(withOwner('"sre\u0000@example.com"'))).toEqual(['syntax 3:12  character U+0000 is not allowed in YAML (a control character)']);
  });

  it('other C0 controls too, even in a comment', () => {
    expect(lint(`# note\u0007\n${BASE_HEADER}${SERVICE}`)).toEqual(['syntax 1:7  character U+0007 is not allowed in YAML (a control character)']);
  });

  it('the escape "\\0", tabs, CRLF, a BOM and non-ASCII text are fine', () => {
    expect(lint(withOwner('"sre\\0@example.com"\t# ünïcödé ✓ 😀'))).toEqual([]);
    expect(lint(`\uFEFF${BASE_HEADER}${SERVICE}`.replace(/\n/g, '\r\n'))).toEqual([]);
  });
});
