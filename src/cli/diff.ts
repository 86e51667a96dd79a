/**
 * `drc diff OLD NEW` (policy-language.md §12, docs/diff.md): compares effective values per service and
 * reports weakenings. OLD and NEW are files or `git:REF:path`. Exit 1 when a weakening finding at error
 * exists, 0 otherwise, 2 when an input cannot be read or is not a usable policy.
 */
import { resolve } from 'node:path';
import { lintText, type LintResult, type SeveritySetting } from '../checker/index.js';
import { resolveConfig } from '../config/index.js';
import { sortDiagnostics, summarize, type Diagnostic } from '../diagnostics.js';
import { DIFF_RULES, diffDiagnostics, diffPolicies, type DiffResult } from '../diff/index.js';
import { diffJson, diffMarkdown, diffText } from '../diff/format.js';
import { isGitSpec, parseGitSpec, readPolicyText, type PolicyText } from '../diff/source.js';
import type { Policy } from '../model/types.js';
import { EXIT, UsageError, type Io } from './io.js';
import { appendStepSummary, parseFormatSpec, printReports, withOutputFiles, type OutputTarget } from './lint.js';

export interface DiffOptions {
  format?: string[];
  outputFile?: string[];
  color?: boolean;
  config?: string;
}

const LINT_FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit', 'gitlab'];
/** `json` here is the diff report ({changes, diagnostics, summary}), not the lint json. */
export const DIFF_FORMATS = ['text', 'markdown', 'json', 'stylish', 'sarif', 'github', 'junit', 'gitlab'];

export function diffTargets(formats: string[] | undefined, files: string[] | undefined): OutputTarget[] {
  const requested = formats && formats.length > 0 ? formats : ['text'];
  const targets = requested.map((spec) => parseFormatSpec(spec, DIFF_FORMATS, 'diff'));
  // As for lint: the files go to the last formats without one (`--format text --format json --output-file d.json`).
  return withOutputFiles(targets, files ?? []);
}

/** Lints a policy text for comparison; a text that gives no Model (not YAML, not a mapping) is exit 2. */
export function policyOf(input: PolicyText, severities: Record<string, SeveritySetting>, role: string): { result: LintResult; policy: Policy } {
  const result = lintText(input.text, input.name, { severities });
  if (!result.policy) {
    const first = result.diagnostics.find((d) => d.severity === 'error') ?? result.diagnostics[0];
    const why = first ? `${first.file}:${first.line}:${first.column}: ${first.message}` : 'not a policy';
    throw new UsageError(`cannot compare: ${role} ${input.name} is not a usable policy (${why})`);
  }
  return { result, policy: result.policy };
}

/** The weakening findings of NEW against OLD (shared by `drc diff` and `drc lint --baseline`). */
export function weakenings(old: Policy, now: Policy, severities: Record<string, SeveritySetting>): { result: DiffResult; diagnostics: Diagnostic[] } {
  const result = diffPolicies(old, now);
  return { result, diagnostics: sortDiagnostics(diffDiagnostics(result, now, severities)) };
}

/**
 * OLD for `drc lint --baseline SPEC` of one linted file: SPEC itself (a file or git:REF:path), or for
 * `git:REF` without a path the same file at REF (`git show REF:./file`), which works for many files.
 */
export function baselineSpecFor(spec: string, file: string, fileCount: number): string {
  if (isGitSpec(spec) && parseGitSpec(spec).path === null) {
    const rel = file.startsWith('/') ? file : `./${file}`;
    return `${spec}:${rel}`;
  }
  if (fileCount > 1) throw new UsageError(`--baseline ${spec} names one policy but ${fileCount} files are linted; use --baseline git:REF to compare each file with its version at REF`);
  return spec;
}

export async function runDiff(io: Io, oldSpec: string, newSpec: string, opts: DiffOptions): Promise<number> {
  const targets = diffTargets(opts.format, opts.outputFile);
  const config = resolveConfig(io, opts.config, newSpec);
  const oldText = await readPolicyText(io, oldSpec);
  const newText = await readPolicyText(io, newSpec);
  const old = policyOf(oldText, config.rules, 'OLD');
  const now = policyOf(newText, config.rules, 'NEW');
  const { result, diagnostics } = weakenings(old.policy, now.policy, config.rules);
  const sources = new Map([[newText.name, newText.text]]);
  for (const target of targets) {
    if (LINT_FORMATS.includes(target.format) && target.format !== 'json') {
      await printReports(io, [target], diagnostics, [...DIFF_RULES], sources, opts.color !== false);
      continue;
    }
    const text =
      target.format === 'markdown' ? diffMarkdown(result.changes, diagnostics, oldText.name, newText.name)
        : target.format === 'json' ? diffJson(result.changes, diagnostics, oldText.name, newText.name)
          : diffText(result.changes) + (diagnostics.length ? await stylishText(io, diagnostics, sources, opts.color !== false) : '');
    if (target.file === null) io.stdout(text);
    else io.writeFile(resolve(io.cwd, target.file), text);
  }
  if (io.env.GITHUB_STEP_SUMMARY) appendStepSummary(io, diffMarkdown(result.changes, diagnostics, oldText.name, newText.name));
  return summarize(diagnostics).errors > 0 ? EXIT.findings : EXIT.ok;
}

async function stylishText(io: Io, diagnostics: Diagnostic[], sources: Map<string, string>, colorAllowed: boolean): Promise<string> {
  let out = '';
  const capture: Io = { ...io, stdout: (s) => void (out += s) };
  await printReports(capture, [{ format: 'stylish', file: null }], diagnostics, [...DIFF_RULES], sources, colorAllowed);
  return '\n' + out;
}
