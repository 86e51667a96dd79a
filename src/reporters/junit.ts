/**
 * JUnit XML for CI test-report views: one <testsuite> per linted file, one <testcase> per finding
 * (errors and warnings fail; infos pass with the message in <system-out>; suppressed are <skipped>),
 * and a single passing testcase for a file without findings so it still shows as checked.
 */
import type { Diagnostic } from '../diagnostics.js';
import { allFiles, toPosixPath } from './common.js';
import type { ReportInput } from './types.js';

/** Characters XML 1.0 forbids even as references (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/FFFF). */
const ILLEGAL_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXmlText(s: string): string {
  return s.replace(ILLEGAL_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attributes also escape quotes, and line breaks/tabs as references so attribute normalisation keeps them. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function attrs(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

interface Counts {
  tests: number;
  failures: number;
  skipped: number;
}

function counts(diagnostics: readonly Diagnostic[]): Counts {
  return {
    tests: Math.max(1, diagnostics.length),
    failures: diagnostics.filter((d) => !d.suppressed && d.severity !== 'info').length,
    skipped: diagnostics.filter((d) => d.suppressed).length,
  };
}

export function junit(input: ReportInput): string {
  const byFile = new Map<string, Diagnostic[]>();
  for (const file of allFiles(input.diagnostics, input.sources)) byFile.set(file, []);
  for (const d of input.diagnostics) byFile.get(d.file)!.push(d);

  const suites: string[] = [];
  const total: Counts = { tests: 0, failures: 0, skipped: 0 };
  for (const [file, diagnostics] of byFile) {
    const c = counts(diagnostics);
    total.tests += c.tests;
    total.failures += c.failures;
    total.skipped += c.skipped;
    const name = toPosixPath(file);
    const cases = diagnostics.length ? diagnostics.map((d) => testcase(name, d)) : [`    <testcase${attrs({ classname: name, name: 'drc lint', time: 0 })}/>`];
    suites.push(`  <testsuite${attrs({ name, tests: c.tests, failures: c.failures, errors: 0, skipped: c.skipped, time: 0 })}>`, ...cases, '  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'drc', tests: total.tests, failures: total.failures, errors: 0, skipped: total.skipped, time: 0 })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(file: string, d: Diagnostic): string {
  // The name carries rule and pointer (not only the line) so CI history matches the same finding across runs.
  const open = `    <testcase${attrs({ classname: file, name: `${d.rule} ${d.path || '/'}`, file, line: d.line, time: 0 })}`;
  const details = [`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`, `rule: ${d.rule}`, `path: ${d.path}`];
  if (d.hint) details.push(`hint: ${d.hint}`);
  if (d.docs) details.push(`docs: ${d.docs}`);
  const body = escapeXmlText(details.join('\n'));
  if (d.suppressed) return `${open}>\n      <skipped${attrs({ message: `suppressed: ${d.suppressed.reason}` })}/>\n    </testcase>`;
  if (d.severity === 'info') return `${open}>\n      <system-out>${body}</system-out>\n    </testcase>`;
  return `${open}>\n      <failure${attrs({ message: d.message, type: `${d.severity}:${d.rule}` })}>${body}</failure>\n    </testcase>`;
}
