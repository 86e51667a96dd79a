/**
 * `# drc-ignore <rule> -- <reason>` on the line before a finding, or at the end of its line.
 * Suppressed findings stay in the output, marked; a directive without a reason, or one that
 * suppresses nothing, is itself a warning.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { Span } from '../parser/source.js';
import type { Finding } from './rule.js';

export interface Directive {
  /** 1-based line the directive applies to. */
  targetLine: number;
  rules: string[];
  reason: string;
  /** Span of the directive comment in the text. */
  span: Span;
  used: boolean;
}

const DIRECTIVE = /#\s*drc-ignore\b([^\n]*)/g;

export function parseDirectives(text: string): Directive[] {
  if (!text.includes('drc-ignore')) return [];
  const directives: Directive[] = [];
  let lineStarts: number[] | null = null;
  for (const match of text.matchAll(DIRECTIVE)) {
    const start = match.index!;
    lineStarts ??= computeLineStarts(text);
    const line = lineOf(lineStarts, start);
    const before = text.slice(lineStarts[line - 1]!, start);
    // A whole-line comment applies to the next line; a trailing one to its own line.
    const ownLine = before.trim() === '';
    const body = match[1]!;
    const separator = body.indexOf('--');
    const rulePart = separator >= 0 ? body.slice(0, separator) : body;
    const reason = separator >= 0 ? body.slice(separator + 2).trim() : '';
    const rules = rulePart.split(/[\s,]+/).filter(Boolean);
    directives.push({
      targetLine: ownLine ? line + 1 : line,
      rules,
      reason,
      span: [start, start + match[0].length],
      used: false,
    });
  }
  return directives;
}

/** Whether a directive suppresses this diagnostic: it names the diagnostic's rule, or `all`. */
export function suppresses(directive: Directive, diagnostic: Pick<Diagnostic, 'line' | 'rule'>): boolean {
  return directive.targetLine === diagnostic.line && (directive.rules.includes(diagnostic.rule) || directive.rules.includes('all'));
}

export function applySuppressions(
  text: string,
  diagnostics: Diagnostic[],
  makeDiagnostic: (rule: 'unused-suppression' | 'suppression-without-reason', finding: Finding & { span: Span }) => Diagnostic | null,
): Diagnostic[] {
  const directives = parseDirectives(text);
  if (directives.length === 0) return diagnostics;
  const byLine = new Map<number, Directive[]>();
  for (const d of directives) {
    const list = byLine.get(d.targetLine) ?? [];
    list.push(d);
    byLine.set(d.targetLine, list);
  }
  for (const diagnostic of diagnostics) {
    const directive = byLine.get(diagnostic.line)?.find((d) => suppresses(d, diagnostic));
    if (!directive) continue;
    directive.used = true;
    diagnostic.suppressed = { reason: directive.reason };
  }
  const out = [...diagnostics];
  for (const d of directives) {
    const label = d.rules.join(', ') || '(no rule)';
    if (d.rules.length === 0 || !d.used) {
      const made = makeDiagnostic('unused-suppression', {
        path: '',
        span: d.span,
        message: d.rules.length === 0
          ? 'drc-ignore names no rule: write "# drc-ignore <rule> -- <reason>"'
          : `drc-ignore ${label} suppresses nothing on line ${d.targetLine}`,
        hint: 'remove the directive, or move it to the line before the finding',
      });
      if (made) out.push(made);
    }
    if (d.rules.length > 0 && d.reason === '') {
      const made = makeDiagnostic('suppression-without-reason', {
        path: '',
        span: d.span,
        message: `drc-ignore ${label} gives no reason`,
        hint: 'add one after "--", e.g. "# drc-ignore rpo-feasible -- WAL archiving covers the RPO"',
      });
      if (made) out.push(made);
    }
  }
  return out;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
