/**
 * `drc lint`: read files, lint each, print every requested format, decide the exit code.
 * Also: `.drc.yaml` (src/config), `--baseline OLD` weakening findings (src/diff, same code path as
 * `drc diff`), the accepted-findings baseline (src/baseline) and `$GITHUB_STEP_SUMMARY`.
 */
import { join, resolve } from 'node:path';
import { lintText, type LintResult } from '../checker/index.js';
import { sortDiagnostics, summarize, type Diagnostic } from '../diagnostics.js';
import type { RuleMeta } from '../checker/rule.js';
import { DRC_VERSION } from '../generated/version.js';
import { displayPath, EXIT, policyFiles, readPolicyInput, UsageError, type Io } from './io.js';
import { DEFAULT_BASELINE_NAME, lintOptionsFor, loadCustomRuleFiles, resolveConfig, unknownRuleWarnings, type DrcConfig } from '../config/index.js';
import { applyBaseline, baselineText, entriesFor, mergeEntries, readBaseline } from '../baseline/index.js';

export interface LintOptions {
  format?: string[];
  outputFile?: string[];
  maxWarnings?: number;
  color?: boolean;
  config?: string;
  baseline?: string;
  updateBaseline?: boolean;
  pruneBaseline?: boolean;
  /** The accepted-findings file (default: `baseline:` of .drc.yaml, else .drc-baseline.json next to the config or in the cwd). */
  baselineFile?: string;
}

/** Counts shown with the accepted-findings baseline (`"baseline"` in json output). */
export interface BaselineCounts {
  accepted: number;
  stale: number;
}

export interface OutputTarget {
  format: string;
  file: string | null;
}

const FORMAT_NAMES = ['stylish', 'json', 'sarif', 'github', 'junit', 'gitlab'];

/**
 * Pairs formats with output files: `--format sarif:out.sarif`, or `--output-file`s, which go to the
 * last formats without a file of their own, in order. So `--format stylish --format sarif
 * --output-file drc.sarif` prints stylish and writes SARIF; as many files as formats pair in order.
 */
export function outputTargets(formats: string[] | undefined, files: string[] | undefined, env: Io['env']): OutputTarget[] {
  const requested = formats && formats.length > 0 ? formats : [env.GITHUB_ACTIONS === 'true' ? 'github' : 'stylish'];
  return withOutputFiles(requested.map((spec) => parseFormatSpec(spec, FORMAT_NAMES)), files ?? []);
}

/** `format` or `format:file`; `command` names the command whose formats these are in the error (`for diff`). */
export function parseFormatSpec(spec: string, names: readonly string[], command?: string): OutputTarget {
  const colon = spec.indexOf(':');
  const format = colon >= 0 ? spec.slice(0, colon) : spec;
  const file = colon >= 0 ? spec.slice(colon + 1) : null;
  if (!names.includes(format)) {
    throw new UsageError(`unknown format "${format}"${command ? ` for ${command}` : ''} (expected one of: ${names.join(', ')})`);
  }
  return { format, file };
}

/** The last formats take the files because the usual call is a log format first, then a file to upload. */
export function withOutputFiles(targets: OutputTarget[], files: string[]): OutputTarget[] {
  const unpaired = targets.flatMap((target, index) => (target.file === null ? [index] : []));
  if (files.length > unpaired.length) throw new UsageError(`more --output-file than --format (${files.slice(unpaired.length).join(', ')})`);
  const fileAt = new Map(unpaired.slice(unpaired.length - files.length).map((index, n) => [index, files[n]!]));
  return targets.map((target, index) => ({ ...target, file: fileAt.get(index) ?? target.file }));
}

export async function runLint(io: Io, args: string[], opts: LintOptions): Promise<number> {
  const files = policyFiles(io.cwd, args);
  const config = resolveConfig(io, opts.config, files[0]);
  const targets = outputTargets(opts.format && opts.format.length > 0 ? opts.format : (config.format ?? undefined), opts.outputFile, io.env);
  const ruleFiles = loadCustomRuleFiles(io, config);
  const { options, pending } = lintOptionsFor(config, ruleFiles);
  const sources = new Map<string, string>(ruleFiles.sources);
  const results: LintResult[] = [];
  const weakening: Diagnostic[] = [];
  const linted: string[] = [];
  for (const file of files) {
    const { shown, text } = await readPolicyInput(io, file);
    sources.set(shown, text);
    linted.push(shown);
    const result = lintText(text, shown, options);
    results.push(result);
    if (opts.baseline !== undefined && result.policy) {
      const { baselineSpecFor, policyOf, weakenings } = await import('./diff.js');
      const { readPolicyText } = await import('../diff/source.js');
      const old = policyOf(await readPolicyText(io, baselineSpecFor(opts.baseline, shown, files.length)), config.rules, 'OLD');
      weakening.push(...weakenings(old.policy, result.policy, config.rules).diagnostics);
    }
  }
  let diagnostics = sortDiagnostics(
    [...results.flatMap((r) => r.diagnostics), ...weakening, ...pending, ...ruleFiles.diagnostics].filter((d) => config.rules[d.rule] !== 'off'),
  );
  // The catalogue (with the diff and verify rules) is only loaded when something needs it: start-up counts.
  const { DIFF_RULES } = opts.baseline !== undefined || Object.keys(config.rules).length > 0 ? await import('../diff/rules.js') : { DIFF_RULES: [] };
  const rules = uniqueRules([...results.flatMap((r) => r.rules), ...(opts.baseline !== undefined ? DIFF_RULES : [])]);
  if (Object.keys(config.rules).length > 0) {
    const { allRuleMetas } = await import('./rules.js');
    for (const line of unknownRuleWarnings(config, [...allRuleMetas(), ...rules, ...DIFF_RULES, ...ruleFiles.rules.map((r) => r.meta)].map((m) => m.id))) {
      io.stderr(`${line}\n`);
    }
  }
  const accepted = applyAcceptedFindings(io, diagnostics, config, opts, linted);
  diagnostics = accepted.diagnostics;
  await printReports(io, targets, diagnostics, rules, sources, opts.color !== false, accepted.counts ?? undefined);
  if (io.env.GITHUB_STEP_SUMMARY) {
    const { githubStepSummary } = await import('../reporters/github.js');
    appendStepSummary(io, githubStepSummary({ diagnostics, rules, sources, toolVersion: DRC_VERSION, color: false }));
  }
  return exitCodeFor(diagnostics, opts.maxWarnings);
}

/** Where the accepted-findings baseline lives: --baseline-file, else `baseline:` of the config, else next to the config (or in the cwd). */
export function baselinePath(io: Io, config: DrcConfig, opts: LintOptions): string {
  if (opts.baselineFile !== undefined) return resolve(io.cwd, opts.baselineFile);
  return config.baseline ?? join(config.dir, DEFAULT_BASELINE_NAME);
}

/**
 * The accepted-findings baseline: --update-baseline writes every current finding (and reports none);
 * otherwise findings in the baseline are dropped from the report and counted, stale entries reported,
 * and with --prune-baseline removed from the file.
 */
function applyAcceptedFindings(
  io: Io,
  diagnostics: Diagnostic[],
  config: DrcConfig,
  opts: LintOptions,
  linted: string[],
): { diagnostics: Diagnostic[]; counts: BaselineCounts | null } {
  const path = baselinePath(io, config, opts);
  const shown = displayPath(io.cwd, path);
  if (opts.updateBaseline) {
    const previous = readBaseline(io, path)?.entries ?? [];
    const fresh = entriesFor(diagnostics, path, io.cwd);
    io.writeFile(path, baselineText(mergeEntries(previous, fresh, path, io.cwd, linted)));
    io.stderr(`drc: wrote ${fresh.length} accepted finding${fresh.length === 1 ? '' : 's'} to ${shown}\n`);
    return { diagnostics: diagnostics.filter((d) => d.suppressed), counts: { accepted: fresh.length, stale: 0 } };
  }
  const baseline = readBaseline(io, path);
  if (!baseline) {
    if (opts.baselineFile !== undefined) throw new UsageError(`cannot read baseline ${opts.baselineFile}: no such file (create it with --update-baseline)`);
    if (opts.pruneBaseline) throw new UsageError(`--prune-baseline: no baseline file ${shown}`);
    return { diagnostics, counts: null };
  }
  const outcome = applyBaseline(diagnostics, baseline, io.cwd, linted);
  if (outcome.accepted.length > 0) {
    io.stderr(`${outcome.accepted.length} finding${outcome.accepted.length === 1 ? '' : 's'} accepted by ${shown}\n`);
  }
  if (outcome.stale.length > 0) {
    if (opts.pruneBaseline) {
      io.writeFile(path, baselineText(mergeEntries(baseline.entries, entriesFor(outcome.accepted, path, io.cwd), path, io.cwd, linted)));
      io.stderr(`drc: pruned ${outcome.stale.length} stale baseline entr${outcome.stale.length === 1 ? 'y' : 'ies'} from ${shown}\n`);
    } else {
      io.stderr(
        `warning: ${outcome.stale.length} baseline entr${outcome.stale.length === 1 ? 'y' : 'ies'} in ${shown} match no finding any more ` +
          `(${outcome.stale.slice(0, 3).map((e) => `${e.rule} at ${e.file}#${e.path}`).join(', ')}${outcome.stale.length > 3 ? ', …' : ''}); run drc lint --prune-baseline to drop them\n`,
      );
    }
  }
  return { diagnostics: outcome.kept, counts: { accepted: outcome.accepted.length, stale: opts.pruneBaseline ? 0 : outcome.stale.length } };
}

/** Appends Markdown to `$GITHUB_STEP_SUMMARY` (read + write through io, so tests can use a temp file). */
export function appendStepSummary(io: Io, markdown: string): void {
  const path = io.env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  let previous = '';
  try {
    previous = io.readFile(path);
  } catch {
    previous = '';
  }
  io.writeFile(path, previous + (previous && !previous.endsWith('\n') ? '\n' : '') + markdown);
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
  baseline?: BaselineCounts,
): Promise<void> {
  const { loadReporter } = await import('../reporters/index.js');
  const { shouldUseColor } = await import('../reporters/color.js');
  for (const target of targets) {
    const reporter = await loadReporter(target.format as never);
    const color = target.file === null && colorAllowed && shouldUseColor(io.env, io.isTTY);
    let text = reporter({ diagnostics, rules, sources, toolVersion: DRC_VERSION, color });
    if (baseline && target.format === 'json') text = JSON.stringify({ ...JSON.parse(text), baseline }, null, 2) + '\n';
    if (target.file === null) io.stdout(text);
    else io.writeFile(resolve(io.cwd, target.file), text);
  }
}

function uniqueRules(rules: RuleMeta[]): RuleMeta[] {
  const seen = new Map<string, RuleMeta>();
  for (const rule of rules) if (!seen.has(rule.id)) seen.set(rule.id, rule);
  return [...seen.values()];
}
