/** `--format json`: exactly one object, policy-language.md §6. */
import type { Diagnostic } from '../diagnostics.js';
import { summarize } from '../diagnostics.js';
import type { ReportInput } from './types.js';

/** Documented key order; consumers diffing the output rely on it being stable. */
const KEY_ORDER = ['rule', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'path', 'hint', 'docs', 'suppressed'] as const;

export function json(input: ReportInput): string {
  const report = { diagnostics: input.diagnostics.map(orderKeys), summary: summarize(input.diagnostics) };
  return JSON.stringify(report, null, 2) + '\n';
}

/** Known keys in documented order; keys added to Diagnostic later follow rather than being dropped. */
export function orderKeys(d: Diagnostic): Record<string, unknown> {
  const source = d as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (source[key] !== undefined) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out;
}
