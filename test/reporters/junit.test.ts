import { describe, expect, it } from 'vitest';
import { escapeXmlAttr, escapeXmlText, junit } from '../../src/reporters/junit.js';
import { DIAGNOSTICS, fixtureInput } from './fixture.js';

const FIRST_ERROR = DIAGNOSTICS.find((d) => d.severity === 'error')!;

/**
 * A minimal well-formedness check (no XML library is installed): one prolog, tags balance and nest,
 * attributes are quoted and unique, text and attribute values contain only legal characters and
 * entity references from the predefined set or numeric ones.
 */
function checkWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  expect(body).not.toContain('<?xml');
  expect(xml).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: string[] = [];
  let roots = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body))) {
    consumed = token.lastIndex;
    const [, close, name, attributes, selfClose, text] = m;
    const checkRefs = (s: string) => {
      for (const amp of s.matchAll(/&([^;]*);?/g)) expect(amp[0]).toMatch(/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/);
    };
    if (text !== undefined) {
      if (stack.length === 0) expect(text.trim()).toBe('');
      expect(text).not.toContain('>');
      checkRefs(text);
      continue;
    }
    const names = [...(attributes ?? '').matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => {
      checkRefs(a[2]!);
      return a[1];
    });
    expect(new Set(names).size).toBe(names.length);
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(consumed).toBe(body.length);
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('junit', () => {
  it('is well-formed XML for findings and for a clean run', () => {
    checkWellFormed(junit(fixtureInput()));
    checkWellFormed(junit(fixtureInput({ diagnostics: [] })));
  });
  it('the well-formedness check catches broken XML', () => {
    expect(() => checkWellFormed('<a><b></a></b>')).toThrow();
    expect(() => checkWellFormed('<a>x & y</a>')).toThrow();
  });
  it('escapes markup and strips characters illegal in XML 1.0', () => {
    expect(escapeXmlText(`<a> & "b" 'c'`)).toBe(`&lt;a&gt; &amp; "b" 'c'`);
    expect(escapeXmlAttr(`<a> & "b" 'c'\nd`)).toBe('&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos;&#10;d');
    expect(escapeXmlText('a\u0000b\u001bc\uFFFEd\uD800e😀')).toBe('abcde😀');
    const xml = junit(fixtureInput({ diagnostics: [{ ...FIRST_ERROR, message: 'bell\u0007 ]]> <x/> &amp;' }] }));
    checkWellFormed(xml);
    expect(xml).toContain('bell ]]&gt; &lt;x/&gt; &amp;amp;');
  });
  it('counts failures (errors and warnings), passes infos, skips suppressed', () => {
    const xml = junit(fixtureInput());
    expect(xml).toMatch(/<testsuites name="drc" tests="6" failures="3" errors="0" skipped="1"/);
    expect(xml).toMatch(/<testsuite name="policies\/clean.yaml" tests="1" failures="0"[^>]*>\n {4}<testcase classname="policies\/clean.yaml" name="drc lint" time="0"\/>/);
    expect(xml).toContain('<skipped message="suppressed: legacy tier, ticket OPS-12"/>');
    expect(xml.match(/<failure /g)).toHaveLength(3);
  });
});
