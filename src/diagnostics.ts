/** The one diagnostic shape (policy-language.md §6): parse errors, schema errors and rule findings alike. */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  rule: string;
  severity: Severity;
  message: string;
  file: string;
  /** 1-based positions of the offending value. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** JSON pointer into the policy, e.g. /services/production-db/rpo */
  path: string;
  hint?: string;
  docs?: string;
  suppressed?: { reason: string };
}

export interface Summary {
  errors: number;
  warnings: number;
  infos: number;
}

export function summarize(diagnostics: readonly Diagnostic[]): Summary {
  const summary: Summary = { errors: 0, warnings: 0, infos: 0 };
  for (const d of diagnostics) {
    if (d.suppressed) continue;
    if (d.severity === 'error') summary.errors++;
    else if (d.severity === 'warning') summary.warnings++;
    else summary.infos++;
  }
  return summary;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(compareDiagnostics);
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...segments: (string | number)[]): string {
  return segments.length === 0 ? '' : '/' + segments.map(pointerSegment).join('/');
}

export const DOCS_BASE = 'docs/rules';
export function docsLink(ruleId: string): string {
  return `${DOCS_BASE}/${ruleId}.md`;
}

/**
 * The docs page of a rule drc ships, or undefined for an organisation's custom rule (`acme/x`: ids with a
 * namespace), whose page drc does not have: a link into drc's docs/rules/ would be a broken link.
 */
export function shippedDocsLink(ruleId: string): string | undefined {
  return ruleId.includes('/') ? undefined : docsLink(ruleId);
}
