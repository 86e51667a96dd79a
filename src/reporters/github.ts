/**
 * GitHub Actions workflow-command annotations and a Markdown step summary
 * (lint-ux-anchors.md §3.3; escaping as in actions/toolkit packages/core/src/command.ts).
 */
import type { Diagnostic, Severity } from '../diagnostics.js';
import { summarize } from '../diagnostics.js';
import { SEVERITY_ORDER, absoluteDocs, plural, toPosixPath, unsuppressed } from './common.js';
import type { ReportInput } from './types.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };
/** GitHub shows at most this many annotations of each level per step; the rest only in the summary. */
export const ANNOTATION_CAP = 10;
/** Step summaries are capped in size (reportedly 1 MiB per step), so the findings list is bounded. */
export const SUMMARY_ROWS = 1000;

/** Message data: `%` first, so the escapes we add are not escaped again. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values additionally must not contain the `:` and `,` that delimit properties. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(d: Diagnostic): string {
  const props = [
    `file=${escapeProperty(toPosixPath(d.file))}`,
    `line=${d.line}`,
    `col=${d.column}`,
    `endLine=${d.endLine}`,
    `endColumn=${d.endColumn}`,
    `title=${escapeProperty(d.rule)}`,
  ].join(',');
  const message = d.hint ? `${d.message}\nhint: ${d.hint}` : d.message;
  return `::${COMMAND[d.severity]} ${props}::${escapeData(message)}`;
}

/**
 * Errors first, then warnings, then notices (each by file, line), because GitHub drops annotations past
 * the per-level cap and errors matter most; a closing notice says how many will not be displayed.
 */
export function github(input: ReportInput): string {
  const shown = unsuppressed(input.diagnostics)
    .map((d, i) => ({ d, i }))
    .sort((a, b) => SEVERITY_ORDER[a.d.severity] - SEVERITY_ORDER[b.d.severity] || a.i - b.i)
    .map(({ d }) => d);
  const lines = shown.map(annotation);
  const s = summarize(shown);
  const over = [
    [s.errors, 'error'],
    [s.warnings, 'warning'],
    [s.infos, 'notice'],
  ]
    .filter(([n]) => (n as number) > ANNOTATION_CAP)
    .map(([n, word]) => `${(n as number) - ANNOTATION_CAP} ${word}`);
  if (over.length) {
    lines.push(`::notice title=drc::${escapeData(`GitHub displays ${ANNOTATION_CAP} annotations per level per step; ${over.join(', ')} annotation(s) beyond that are listed in the job summary.`)}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Markdown table cell: no pipes or line breaks, and no raw HTML from policy values. */
export function mdCell(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, '<br>');
}

/** For `$GITHUB_STEP_SUMMARY`: totals, a per-rule count table, then every finding. */
export function githubStepSummary(input: ReportInput): string {
  const shown = unsuppressed(input.diagnostics);
  const suppressed = input.diagnostics.length - shown.length;
  const s = summarize(shown);
  const total = s.errors + s.warnings + s.infos;
  const out = ['## drc lint', ''];
  const tail = suppressed ? `, ${suppressed} suppressed` : '';
  if (total === 0) {
    out.push(`✔ no problems${tail}`);
    return out.join('\n') + '\n';
  }
  out.push(`✖ ${plural(total, 'problem')} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')})${tail}`, '');
  out.push('| Rule | Severity | Count |', '|---|---|---:|');
  for (const row of countByRule(shown)) {
    // Link only when a finding carries docs: custom rules may have no page.
    const name = row.docs ? `[${mdCell(row.rule)}](${linkTarget(absoluteDocs(row.docs))})` : mdCell(row.rule);
    out.push(`| ${name} | ${row.severity} | ${row.count} |`);
  }
  out.push('', '### Findings', '', '| Severity | Location | Rule | Message |', '|---|---|---|---|');
  for (const d of shown.slice(0, SUMMARY_ROWS)) {
    const message = d.hint ? `${d.message}\nhint: ${d.hint}` : d.message;
    out.push(`| ${d.severity} | ${mdCell(`${toPosixPath(d.file)}:${d.line}:${d.column}`)} | ${mdCell(d.rule)} | ${mdCell(message)} |`);
  }
  if (shown.length > SUMMARY_ROWS) out.push('', `…and ${shown.length - SUMMARY_ROWS} more; see the job log or the SARIF/JSON output.`);
  return out.join('\n') + '\n';
}

/** A URL safe inside Markdown `(...)`. */
function linkTarget(url: string): string {
  return url.replace(/[\s()<>|]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

interface RuleCount {
  rule: string;
  severity: Severity;
  count: number;
  docs?: string;
}

/** Counts per (rule, severity), errors first, then by rule id. */
function countByRule(diagnostics: readonly Diagnostic[]): RuleCount[] {
  const rows = new Map<string, RuleCount>();
  for (const d of diagnostics) {
    const key = `${d.rule}\0${d.severity}`;
    const row = rows.get(key) ?? { rule: d.rule, severity: d.severity, count: 0 };
    row.count++;
    row.docs ??= d.docs;
    rows.set(key, row);
  }
  return [...rows.values()].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
}
