/**
 * `.drc.yaml` (docs/config.md): found upward from the first policy file's directory, stopping at the
 * repository root (the directory that contains `.git`) or the filesystem root; `--config FILE` overrides.
 *
 *   rules: { <id>: off | info | warning | error }   severities; unknown ids are a warning with a suggestion
 *   custom_rules: [paths]                            rule files (a `rules:` list in the §8 format), relative to the config
 *   format: stylish | [json, sarif:out.sarif]        default output formats when --format is not given
 *   baseline: path                                   accepted-findings file (default .drc-baseline.json next to the config)
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { diagnosticFactory, type SeveritySetting } from '../checker/index.js';
import type { Rule } from '../checker/rule.js';
import { compileRuleList, invalidRuleMeta } from '../checker/custom-rules.js';
import { displayPath, UsageError, type Io } from '../cli/io.js';
import { pointer, type Diagnostic } from '../diagnostics.js';
import validateConfig from '../generated/config-validator.js';
import { didYouMean } from '../model/suggest.js';
import type { Policy } from '../model/types.js';
import type { Position } from '../parser/source.js';
import { ConfigError, parseWithPositions, validationProblems } from './validate.js';

export { ConfigError } from './validate.js';

export const CONFIG_NAMES = ['.drc.yaml', '.drc.yml'];
export const DEFAULT_BASELINE_NAME = '.drc-baseline.json';

export interface DrcConfig {
  /** Absolute path of the config file, or null when none was found. */
  file: string | null;
  /** As shown in messages. */
  shown: string | null;
  /** The config's directory, else the working directory: relative paths in the config start here. */
  dir: string;
  rules: Record<string, SeveritySetting>;
  /** Where each `rules:` key is, for the unknown-rule warning. */
  rulePositions: Map<string, Position>;
  /** Absolute paths. */
  customRules: string[];
  format: string[] | null;
  /** Absolute path of the accepted-findings baseline named by `baseline:`, or null. */
  baseline: string | null;
}

export function emptyConfig(cwd: string): DrcConfig {
  return { file: null, shown: null, dir: cwd, rules: {}, rulePositions: new Map(), customRules: [], format: null, baseline: null };
}

function tryRead(io: Io, path: string): string | null {
  try {
    return io.readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The nearest `.drc.yaml` at or above `startDir`, not above the repository root; null when none. */
export function findConfig(io: Io, startDir: string): string | null {
  let dir = resolve(startDir);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(dir, name);
      if (tryRead(io, candidate) !== null) return candidate;
    }
    if (existsSync(join(dir, '.git'))) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Reads and validates a config file; problems are a ConfigError (exit 2) with file:line:column. */
export function loadConfig(io: Io, path: string): DrcConfig {
  const absolute = resolve(io.cwd, path);
  const shown = displayPath(io.cwd, absolute);
  const text = tryRead(io, absolute);
  if (text === null) throw new UsageError(`cannot read config ${path}: no such file`);
  const { data, source } = parseWithPositions(text, shown);
  const config = emptyConfig(dirname(absolute));
  config.file = absolute;
  config.shown = shown;
  if (data === null) return config; // an empty file is an empty config
  const problems = validationProblems(validateConfig, data, source, shown);
  if (problems.length > 0) throw new ConfigError(problems);
  const raw = data as { rules?: Record<string, SeveritySetting>; custom_rules?: string[]; format?: string | string[]; baseline?: string };
  for (const [id, severity] of Object.entries(raw.rules ?? {})) {
    config.rules[id] = severity;
    config.rulePositions.set(id, source.locate(pointer('rules', id), true));
  }
  config.customRules = (raw.custom_rules ?? []).map((p) => resolve(config.dir, p));
  config.format = raw.format === undefined ? null : Array.isArray(raw.format) ? raw.format : [raw.format];
  config.baseline = raw.baseline === undefined ? null : resolve(config.dir, raw.baseline);
  return config;
}

/** `--config FILE`, else the nearest `.drc.yaml` above the first policy file, else no config. */
export function resolveConfig(io: Io, explicit: string | undefined, firstFile: string | undefined): DrcConfig {
  if (explicit !== undefined) return loadConfig(io, explicit);
  const start = firstFile !== undefined && !firstFile.startsWith('git:') ? dirname(resolve(io.cwd, firstFile)) : io.cwd;
  const found = findConfig(io, start);
  return found ? loadConfig(io, found) : emptyConfig(io.cwd);
}

/** One warning line per `rules:` key that names no known rule, with a suggestion. */
export function unknownRuleWarnings(config: DrcConfig, known: Iterable<string>): string[] {
  const ids = new Set(known);
  const out: string[] = [];
  for (const id of Object.keys(config.rules)) {
    if (ids.has(id)) continue;
    const at = config.rulePositions.get(id);
    const where = at ? `${config.shown}:${at.line}:${at.column}` : String(config.shown);
    out.push(`${where}: warning: unknown rule "${id}" in rules:${didYouMean(id, ids)}`);
  }
  return out;
}

/** Custom rules from the config's `custom_rules:` files, compiled once for the whole run. */
export interface CustomRuleFiles {
  rules: Rule[];
  /** invalid-rule diagnostics in the rule files. */
  diagnostics: Diagnostic[];
  /** Rule-file texts by shown path, for code frames. */
  sources: Map<string, string>;
}

export function loadCustomRuleFiles(io: Io, config: DrcConfig): CustomRuleFiles {
  const out: CustomRuleFiles = { rules: [], diagnostics: [], sources: new Map() };
  const taken = new Set<string>();
  for (const path of config.customRules) {
    const shown = displayPath(io.cwd, path);
    const text = tryRead(io, path);
    if (text === null) throw new UsageError(`cannot read custom rules ${shown} (named in ${config.shown}): no such file`);
    out.sources.set(shown, text);
    const { data, source } = parseWithPositions(text, shown);
    const list = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).rules : undefined;
    if (!Array.isArray(list)) {
      throw new ConfigError([`${shown}:1:1: a custom rules file must be a mapping with a "rules:" list (policy-language.md §8)`]);
    }
    const compiled = compileRuleList(list, shown, source, { basePointer: '/rules', validateShape: true, takenIds: taken });
    for (const rule of compiled.rules) taken.add(rule.meta.id);
    out.rules.push(...compiled.rules);
    const toDiagnostic = diagnosticFactory(source, config.rules);
    for (const finding of compiled.findings) {
      const diagnostic = toDiagnostic(invalidRuleMeta, finding);
      if (diagnostic) out.diagnostics.push(diagnostic);
    }
  }
  return out;
}

/**
 * lintText options for a config: severities, and the rules from `custom_rules:` files (lintText compiles
 * the policy's own `rules:` itself). `pending` holds diagnostics the caller adds (none today; kept so
 * callers need not change when config-level findings are added).
 */
export function lintOptionsFor(config: DrcConfig, files: CustomRuleFiles): {
  options: { severities: Record<string, SeveritySetting>; extraRules?: (policy: Policy) => Rule[] };
  pending: Diagnostic[];
} {
  if (files.rules.length === 0) return { options: { severities: config.rules }, pending: [] };
  return { options: { severities: config.rules, extraRules: () => files.rules }, pending: [] };
}

