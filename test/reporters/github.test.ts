import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics.js';
import { ANNOTATION_CAP, annotation, escapeData, escapeProperty, github, githubStepSummary, mdCell } from '../../src/reporters/github.js';
import { DIAGNOSTICS, fixtureInput } from './fixture.js';

const FIRST_ERROR = DIAGNOSTICS.find((d) => d.severity === 'error')!;

/** Inverse of the toolkit escaping, to prove it round-trips. */
function unescape(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

describe('github escaping', () => {
  it('escapes data: % CR LF, and % first', () => {
    expect(escapeData('100%\r\nx: a, b')).toBe('100%25%0D%0Ax: a, b');
    expect(escapeData('%0A')).toBe('%250A');
  });
  it('escapes properties: also : and ,', () => {
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });
  it('round-trips awkward strings', () => {
    for (const s of ['%%25', 'a:\r\n,b', '%3A', '']) expect(unescape(escapeProperty(s))).toBe(s);
  });
  it('formats one annotation with escaped properties and message', () => {
    const d: Diagnostic = {
      rule: 'r:1', severity: 'warning', message: '50% done: a, b\nnext', file: 'dir\\a,b.yaml',
      line: 2, column: 3, endLine: 2, endColumn: 9, path: '/x',
    };
    expect(annotation(d)).toBe('::warning file=dir/a%2Cb.yaml,line=2,col=3,endLine=2,endColumn=9,title=r%3A1::50%25 done: a, b%0Anext');
  });
  it('never lets a message break onto a new log line', () => {
    for (const line of github(fixtureInput()).trimEnd().split('\n')) expect(line).toMatch(/^::(error|warning|notice) /);
  });
});

describe('github annotations', () => {
  it('skips suppressed findings and maps info to notice', () => {
    const out = github(fixtureInput());
    expect(out).not.toContain('tier-unused');
    expect(out).toContain('::notice file=policies/dr.yaml,line=8');
  });
  it('orders errors, then warnings, then notices', () => {
    const kinds = github(fixtureInput()).trimEnd().split('\n').map((l) => l.slice(2, l.indexOf(' ')));
    expect(kinds).toEqual(['error', 'error', 'warning', 'notice']);
  });
  it('says how many annotations exceed the per-step display cap', () => {
    const many = Array.from({ length: ANNOTATION_CAP + 3 }, (_, i) => ({ ...FIRST_ERROR, line: i + 1 }));
    const lines = github(fixtureInput({ diagnostics: many })).trimEnd().split('\n');
    expect(lines).toHaveLength(ANNOTATION_CAP + 4);
    expect(lines.at(-1)).toMatch(/^::notice title=drc::.*3 error annotation/);
  });
  it('prints nothing when clean', () => {
    expect(github(fixtureInput({ diagnostics: [] }))).toBe('');
  });
});

describe('github step summary', () => {
  it('counts per rule and lists findings, without suppressed ones', () => {
    const md = githubStepSummary(fixtureInput());
    expect(md).toMatch(/\| \[backup-frequency-rpo\]\(https:\/\/github\.com\/drc-dev\/drc\/blob\/main\/docs\/rules\/backup-frequency-rpo\.md\) \| error \| 1 \|/);
    expect(md).toContain('| parse-error | error | 1 |');
    expect(md).not.toContain('tier-unused');
    expect(md).toContain('1 suppressed');
  });
  it('keeps table cells on one row and free of raw HTML', () => {
    expect(mdCell('a|b\nc <script> & d')).toBe('a\\|b<br>c &lt;script&gt; &amp; d');
    for (const row of githubStepSummary(fixtureInput()).split('\n').filter((l) => l.startsWith('| '))) {
      expect(row.endsWith(' |')).toBe(true);
    }
  });
});
