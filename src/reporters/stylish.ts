/** Human output: findings grouped by file, each with a code frame, then a summary line. */
import pc from 'picocolors';
import type { Diagnostic, Severity } from '../diagnostics.js';
import { summarize } from '../diagnostics.js';
import { plural } from './common.js';
import type { ReportInput } from './types.js';

type Colors = ReturnType<typeof pc.createColors>;

export function stylish(input: ReportInput): string {
  const c = pc.createColors(input.color);
  const shown = input.diagnostics.filter((d) => !d.suppressed);
  const suppressed = input.diagnostics.length - shown.length;
  const out: string[] = [];
  for (const [file, group] of groupByFile(shown)) {
    out.push(c.underline(file));
    const lines = splitLines(input.sources.get(file));
    for (const d of group) out.push(...formatDiagnostic(d, lines, c), '');
  }
  out.push(summaryLine(input.diagnostics, suppressed, c));
  return out.join('\n') + '\n';
}

function groupByFile(diagnostics: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const groups = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const group = groups.get(d.file);
    if (group) group.push(d);
    else groups.set(d.file, [d]);
  }
  return groups;
}

function splitLines(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(/\r\n|\r|\n/);
}

const SEVERITY_COLOR: Record<Severity, keyof Colors> = { error: 'red', warning: 'yellow', info: 'cyan' };

function paint(c: Colors, severity: Severity, text: string): string {
  return (c[SEVERITY_COLOR[severity]] as (s: string) => string)(text);
}

export function formatDiagnostic(d: Diagnostic, lines: string[] | undefined, c: Colors): string[] {
  // `file:line:column` first so terminals and editors make it a clickable link.
  const location = `${d.file}:${d.line}:${d.column}`;
  // Rule id stays on the first line; later lines of a multi-line message are indented under the entry.
  const [first = '', ...rest] = d.message.split(/\r\n|\r|\n/).map(sanitize);
  const severity = paint(c, d.severity, d.severity.padEnd(7));
  const out = [`${location}  ${severity}  ${first}  ${c.dim(d.rule)}`, ...rest.map((l) => `    ${l}`)];
  if (lines) out.push(...codeFrame(lines, d, c));
  if (d.hint) out.push(`  ${c.cyan('hint:')} ${d.hint.split(/\r\n|\r|\n/).map(sanitize).join('\n        ')}`);
  return out;
}

/**
 * The offending line with one line of context before it, a line-number gutter, and `^~~~` under the
 * range (to the end of the line when the range spans lines). Empty when the line is not in the text.
 */
export function codeFrame(lines: readonly string[], d: Pick<Diagnostic, 'line' | 'column' | 'endLine' | 'endColumn' | 'severity'>, c: Colors): string[] {
  const text = lines[d.line - 1];
  if (text === undefined) return [];
  const first = Math.max(1, d.line - 1);
  const width = String(d.line).length;
  const out: string[] = [];
  for (let n = first; n <= d.line; n++) {
    const marker = n === d.line ? '>' : ' ';
    out.push(`  ${n === d.line ? paint(c, d.severity, marker) : marker} ${c.dim(`${String(n).padStart(width)} |`)} ${sanitize(lines[n - 1]!)}`);
  }
  const start = Math.min(Math.max(d.column, 1), text.length + 1);
  const end = d.endLine === d.line ? Math.min(d.endColumn, text.length + 1) : text.length + 1;
  const length = Math.max(1, end - start);
  // Keep tabs in the padding so the caret lines up under tab-indented text.
  const pad = text.slice(0, start - 1).replace(/[^\t]/g, ' ');
  out.push(`    ${c.dim(`${' '.repeat(width)} |`)} ${pad}${paint(c, d.severity, '^' + '~'.repeat(length - 1))}`);
  return out;
}

/** Control characters from the policy (text or values in messages) must not drive the terminal; same length keeps the caret aligned. */
function sanitize(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

export function summaryLine(diagnostics: readonly Diagnostic[], suppressed: number, c: Colors): string {
  const s = summarize(diagnostics);
  const total = s.errors + s.warnings + s.infos;
  const tail = suppressed > 0 ? ` (${suppressed} suppressed)` : '';
  if (total === 0) return c.green('✔ no problems') + tail;
  const colour = s.errors > 0 ? c.red : s.warnings > 0 ? c.yellow : c.cyan;
  const counts = `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}`;
  return c.bold(colour(`✖ ${plural(total, 'problem')} (${counts})`)) + tail;
}
