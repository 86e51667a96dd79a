/**
 * Accepted findings (docs/config.md "Baseline"): `.drc-baseline.json` lists findings that are known and
 * accepted, keyed by file, rule and JSON pointer, never by line, so editing a policy above a finding
 * does not un-accept it. A key that appears n times accepts n findings (the schema has no count field:
 * repetition is the count). Findings not in the baseline are reported as usual; entries that match no
 * finding are stale, reported, and dropped by `--prune-baseline`. Only entries of files linted in this
 * run are matched, counted as stale, or rewritten; entries of other files are kept as they are.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { displayPath, UsageError, type Io } from '../cli/io.js';
import type { Diagnostic } from '../diagnostics.js';
import validateBaseline from '../generated/baseline-validator.js';
import { ConfigError, parseWithPositions, validationProblems } from '../config/validate.js';

export const BASELINE_SCHEMA_URL = 'https://drc.dev/schemas/baseline.schema.json';

export interface BaselineEntry {
  /** Relative to the baseline file's directory, forward slashes. */
  file: string;
  rule: string;
  path: string;
  message?: string;
}

export interface Baseline {
  /** Absolute path. */
  path: string;
  shown: string;
  entries: BaselineEntry[];
}

export interface BaselineOutcome {
  /** Findings to report. */
  kept: Diagnostic[];
  /** Findings matched by an entry (not reported). */
  accepted: Diagnostic[];
  /** Entries of the linted files that matched no finding. */
  stale: BaselineEntry[];
}

/** Reads and validates a baseline; null when the file does not exist. Broken files are a ConfigError (exit 2). */
export function readBaseline(io: Io, path: string): Baseline | null {
  const absolute = resolve(io.cwd, path);
  const shown = displayPath(io.cwd, absolute);
  let text: string;
  try {
    text = io.readFile(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot read baseline ${shown}: ${(error as Error).message}`);
  }
  const { data, source } = parseWithPositions(text, shown);
  const problems = validationProblems(validateBaseline, data, source, shown);
  if (problems.length > 0) throw new ConfigError(problems);
  return { path: absolute, shown, entries: (data as { entries: BaselineEntry[] }).entries };
}

/** The baseline's file key of a diagnostic: its file relative to the baseline's directory. */
export function fileKey(baselinePath: string, cwd: string, diagnosticFile: string): string {
  return relative(dirname(baselinePath), resolve(cwd, diagnosticFile)).split(sep).join('/');
}

function key(file: string, rule: string, path: string): string {
  return `${file}\0${rule}\0${path}`;
}

/**
 * Splits findings into kept and accepted; `linted` are the diagnostics' files as linted (their
 * entries alone can be stale). Suppressed findings are neither accepted nor counted.
 */
export function applyBaseline(diagnostics: Diagnostic[], baseline: Baseline, cwd: string, linted: string[]): BaselineOutcome {
  const lintedKeys = new Set(linted.map((f) => fileKey(baseline.path, cwd, f)));
  const budget = new Map<string, BaselineEntry[]>();
  for (const entry of baseline.entries) {
    if (!lintedKeys.has(entry.file)) continue;
    const k = key(entry.file, entry.rule, entry.path);
    const list = budget.get(k) ?? [];
    list.push(entry);
    budget.set(k, list);
  }
  const kept: Diagnostic[] = [];
  const accepted: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.suppressed) {
      kept.push(d);
      continue;
    }
    const list = budget.get(key(fileKey(baseline.path, cwd, d.file), d.rule, d.path));
    if (list && list.length > 0) {
      list.shift();
      accepted.push(d);
    } else {
      kept.push(d);
    }
  }
  return { kept, accepted, stale: [...budget.values()].flat() };
}

export function entriesFor(diagnostics: Diagnostic[], baselinePath: string, cwd: string): BaselineEntry[] {
  return diagnostics
    .filter((d) => !d.suppressed)
    .map((d) => ({ file: fileKey(baselinePath, cwd, d.file), rule: d.rule, path: d.path, message: d.message }));
}

/**
 * The new entries of a baseline file: `fresh` replaces the entries of the linted files; entries of
 * other files stay. Sorted by file, rule, path for reviewable diffs.
 */
export function mergeEntries(previous: BaselineEntry[], fresh: BaselineEntry[], baselinePath: string, cwd: string, linted: string[]): BaselineEntry[] {
  const lintedKeys = new Set(linted.map((f) => fileKey(baselinePath, cwd, f)));
  const all = [...previous.filter((e) => !lintedKeys.has(e.file)), ...fresh];
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return all.sort((a, b) => cmp(a.file, b.file) || cmp(a.rule, b.rule) || cmp(a.path, b.path));
}

export function baselineText(entries: BaselineEntry[]): string {
  const ordered = entries.map((e) => ({ file: e.file, rule: e.rule, path: e.path, ...(e.message !== undefined ? { message: e.message } : {}) }));
  return JSON.stringify({ $schema: BASELINE_SCHEMA_URL, version: 1, entries: ordered }, null, 2) + '\n';
}
