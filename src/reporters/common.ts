/** Small helpers shared by several reporters. Pure; no I/O. */
import type { Diagnostic, Severity } from '../diagnostics.js';
import { shippedDocsLink } from '../diagnostics.js';
import { sha256Hex } from '../hash.js';

/** Where rule docs are published; DOCS_BASE paths are relative to this repo root. */
export const REPO_URL = 'https://github.com/drc-dev/drc';
export const DOCS_URL_BASE = `${REPO_URL}/blob/main/`;

/** Absolute docs URL for a rule (SARIF helpUri, step summary links). */
export function ruleDocsUrl(ruleId: string): string | undefined {
  const link = shippedDocsLink(ruleId);
  return link === undefined ? undefined : DOCS_URL_BASE + link;
}

/** A diagnostic's `docs` as an absolute URL: it is usually the repo-relative `docs/rules/<id>.md`. */
export function absoluteDocs(docs: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(docs) ? docs : DOCS_URL_BASE + docs.replace(/^\.?\//, '');
}

/** CI systems want repo-relative paths with forward slashes, whatever OS drc ran on. */
export function toPosixPath(file: string): string {
  return file.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Line-independent identity of a finding: rule + file + JSON pointer. Stays the same when lines move,
 * so CI alerts and baselines do not churn. Repeats of the same key in one run get `:2`, `:3`…
 * so consumers that require unique fingerprints (GitLab) keep them apart.
 */
export function fingerprints(diagnostics: readonly Diagnostic[]): string[] {
  const seen = new Map<string, number>();
  return diagnostics.map((d) => {
    const hash = sha256Hex(`${d.rule}\0${toPosixPath(d.file)}\0${d.path}`).slice(0, 32);
    const n = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, n);
    return n === 1 ? hash : `${hash}:${n}`;
  });
}

export function unsuppressed(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => !d.suppressed);
}

/** Every linted file: those with findings plus clean ones known from `sources`; sorted like diagnostics. */
export function allFiles(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string[] {
  const files = new Set<string>(sources.keys());
  for (const d of diagnostics) files.add(d.file);
  return [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
