/** `drc lint`: read files, lint each, print every requested format, decide the exit code. */
import { resolve } from 'node:path';
import { lintText, type LintResult } from '../checker/index.js';
import { sortDiagnostics, summarize, type Diagnostic } from '../diagnostics.js';
import type { RuleMeta } from '../checker/rule.js';
import { DRC_VERSION } from '../generated/version.js';
import { displayPath, EXIT, readPolicy, UsageError, type Io } from './io.js';

export interface LintOptions {
  format?: string[];
  outputFile?: string[];
  maxWarnings?: number;
  color?: boolean;
  config?: string;
  baseline?: string;
  updateBaseline?: boolean;
  pruneBaseline?: boolean;
}

export interface OutputTarget {
  format: string;
  file: string | null;
}

const FORMAT_NAMES = ['stylish', 'json', 'sarif', 'github', 'junit', 'gitlab'];

/** Pairs formats with output files: `--format sarif:out.sarif`, or `--output-file` in the order of `--format`. */
export function outputTargets(formats: string[] | undefined, files: string[] | undefined, env: Io['env']): OutputTarget[] {
  const requested = formats && formats.length > 0 ? formats : [env.GITHUB_ACTIONS === 'true' ? 'github' : 'stylish'];
  const outputFiles = [...(files ?? [])];
  const targets = requested.map((spec) => {
    const colon = spec.indexOf(':');
    const format = colon >= 0 ? spec.slice(0, colon) : spec;
    const file = colon >= 0 ? spec.slice(colon + 1) : null;
    if (!FORMAT_NAMES.includes(format)) {
      throw new UsageError(`unknown format "${format}" (expected one of: ${FORMAT_NAMES.join(', ')})`);
    }
    return { format, file };
  });
  for (const target of targets) {
    if (target.file === null && outputFiles.length > 0) target.file = outputFiles.shift()!;
  }
  if (outputFiles.length > 0) throw new UsageError(`more --output-file than --format (${outputFiles.join(', ')})`);
  return targets;
}

export async function runLint(io: Io, files: string[], opts: LintOptions): Promise<number> {
  const targets = outputTargets(opts.format, opts.outputFile, io.env);
  const sources = new Map<string, string>();
  const results: LintResult[] = [];
  for (const file of files) {
    const text = readPolicy(io, file);
    const shown = displayPath(io.cwd, file);
    sources.set(shown, text);
    results.push(lintText(text, shown));
  }
  const diagnostics = sortDiagnostics(results.flatMap((r) => r.diagnostics));
  const rules = uniqueRules(results.flatMap((r) => r.rules));
  await printReports(io, targets, diagnostics, rules, sources, opts.color !== false);
  return exitCodeFor(diagnostics, opts.maxWarnings);
}

export function exitCodeFor(diagnostics: Diagnostic[], maxWarnings?: number): number {
  const summary = summarize(diagnostics);
  if (summary.errors > 0) return EXIT.findings;
  if (maxWarnings !== undefined && summary.warnings > maxWarnings) return EXIT.findings;
  return EXIT.ok;
}

export async function printReports(
  io: Io,
  targets: OutputTarget[],
  diagnostics: Diagnostic[],
  rules: RuleMeta[],
  sources: Map<string, string>,
  colorAllowed: boolean,
): Promise<void> {
  const { loadReporter } = await import('../reporters/index.js');
  const { shouldUseColor } = await import('../reporters/color.js');
  for (const target of targets) {
    const reporter = await loadReporter(target.format as never);
    const color = target.file === null && colorAllowed && shouldUseColor(io.env, io.isTTY);
    const text = reporter({ diagnostics, rules, sources, toolVersion: DRC_VERSION, color });
    if (target.file === null) io.stdout(text);
    else io.writeFile(resolve(io.cwd, target.file), text);
  }
}

function uniqueRules(rules: RuleMeta[]): RuleMeta[] {
  const seen = new Map<string, RuleMeta>();
  for (const rule of rules) if (!seen.has(rule.id)) seen.set(rule.id, rule);
  return [...seen.values()];
}
