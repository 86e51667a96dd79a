import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/diagnostics.js';
import { gitlab } from '../../src/reporters/gitlab.js';
import { json } from '../../src/reporters/json.js';
import { DIAGNOSTICS, fixtureInput } from './fixture.js';

describe('json', () => {
  it('prints one object with diagnostics and a summary that excludes suppressed', () => {
    const text = json(fixtureInput());
    expect(text.endsWith('}\n')).toBe(true);
    const report = JSON.parse(text);
    expect(Object.keys(report)).toEqual(['diagnostics', 'summary']);
    expect(report.summary).toEqual(summarize(DIAGNOSTICS));
    expect(report.summary).toEqual({ errors: 2, warnings: 1, infos: 1 });
    expect(report.diagnostics).toEqual(JSON.parse(JSON.stringify(DIAGNOSTICS)));
  });
  it('keeps the documented key order', () => {
    const first = JSON.parse(json(fixtureInput())).diagnostics.find((d: any) => d.hint && d.docs);
    expect(Object.keys(first)).toEqual(['rule', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'path', 'hint', 'docs']);
    const shuffled = { suppressed: { reason: 'x' }, path: '/a', rule: 'r', severity: 'info', message: 'm', file: 'f', line: 1, column: 1, endLine: 1, endColumn: 2 } as const;
    expect(Object.keys(JSON.parse(json(fixtureInput({ diagnostics: [shuffled] }))).diagnostics[0])).toEqual([
      'rule', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'path', 'suppressed',
    ]);
  });
});

describe('gitlab', () => {
  const issues = JSON.parse(gitlab(fixtureInput()));
  it('has the required Code Quality fields, 1-based lines, no suppressed findings', () => {
    expect(issues).toHaveLength(DIAGNOSTICS.filter((d) => !d.suppressed).length);
    for (const issue of issues) {
      expect(Object.keys(issue).sort()).toEqual(['check_name', 'description', 'fingerprint', 'location', 'severity']);
      expect(issue.location.lines.begin).toBeGreaterThanOrEqual(1);
      expect(issue.location.path).not.toMatch(/\\/);
      expect(issue.fingerprint).toMatch(/^[0-9a-f]{32}(:\d+)?$/);
    }
  });
  it('maps severities error→critical, warning→major, info→info', () => {
    expect(issues.map((i: any) => [i.check_name, i.severity])).toEqual([
      ['rpo-repeats-tier', 'info'],
      ['backup-frequency-rpo', 'critical'],
      ['storage-encryption', 'major'],
      ['parse-error', 'critical'],
    ]);
  });
  it('fingerprints are unique even for repeated rule+file+pointer, and line-independent', () => {
    const d = DIAGNOSTICS.find((x) => x.severity === 'error')!;
    const twice = JSON.parse(gitlab(fixtureInput({ diagnostics: [d, { ...d, line: d.line + 5 }] })));
    expect(new Set(twice.map((i: any) => i.fingerprint)).size).toBe(2);
    expect(twice[1].fingerprint).toBe(`${twice[0].fingerprint}:2`);
    const moved = JSON.parse(gitlab(fixtureInput({ diagnostics: [{ ...d, line: 99, endLine: 99 }] })));
    expect(moved[0].fingerprint).toBe(twice[0].fingerprint);
  });
  it('is an empty array when clean', () => {
    expect(gitlab(fixtureInput({ diagnostics: [] }))).toBe('[]\n');
  });
});
