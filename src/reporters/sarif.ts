/**
 * SARIF 2.1.0 for GitHub code scanning (lint-ux-anchors.md §3.2): relative URIs under %SRCROOT%,
 * full regions, rules with short/full descriptions and help, a line-independent fingerprint,
 * suppressed findings kept with `suppressions` rather than dropped.
 */
import { pathToFileURL } from 'node:url';
import type { RuleMeta } from '../checker/rule.js';
import type { Diagnostic, Severity } from '../diagnostics.js';
import { REPO_URL, allFiles, fingerprints, ruleDocsUrl, toPosixPath } from './common.js';
import type { ReportInput } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Our own fingerprint key; GitHub computes primaryLocationLineHash itself when it is absent. */
export const FINGERPRINT_KEY = 'drcPath/v1';
const SRCROOT = '%SRCROOT%';
/** GitHub truncates/refuses descriptions longer than this. */
const MAX_DESCRIPTION = 1024;

type Level = 'error' | 'warning' | 'note';
export const LEVEL: Record<Severity, Level> = { error: 'error', warning: 'warning', info: 'note' };
const PROBLEM_SEVERITY: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'recommendation' };

export function sarif(input: ReportInput): string {
  const rules = ruleList(input.rules, input.diagnostics);
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const files = allFiles(input.diagnostics, input.sources);
  const fileIndex = new Map(files.map((f, i) => [f, i]));
  const prints = fingerprints(input.diagnostics);
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'drc',
            version: input.toolVersion,
            ...(isSemver(input.toolVersion) ? { semanticVersion: input.toolVersion } : {}),
            informationUri: REPO_URL,
            rules: rules.map(ruleDescriptor),
          },
        },
        originalUriBaseIds: { [SRCROOT]: srcRoot(input.srcRoot) },
        artifacts: files.map((f) => ({ location: artifactLocation(f), sourceLanguage: 'yaml' })),
        results: input.diagnostics.map((d, i) => result(d, ruleIndex.get(d.rule)!, fileIndex.get(d.file)!, prints[i]!)),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function isSemver(v: string): boolean {
  return /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(v);
}

/** Known rules in the given order, then a minimal entry for any id only seen in diagnostics (parse errors, unknown custom rules). */
function ruleList(rules: readonly RuleMeta[], diagnostics: readonly Diagnostic[]): RuleMeta[] {
  const out = [...rules];
  const known = new Set(rules.map((r) => r.id));
  for (const d of diagnostics) {
    if (known.has(d.rule)) continue;
    known.add(d.rule);
    out.push({ id: d.rule, severity: d.severity, description: d.rule, rationale: '', sources: [], examples: { failing: '', passing: '' } });
  }
  return out;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** GitHub rejects empty required strings, so every text falls back to the rule id. */
export function ruleDescriptor(rule: RuleMeta): Record<string, unknown> {
  const short = rule.description.trim() || rule.id;
  const firstParagraph = rule.rationale.trim().split(/\n\s*\n/)[0]?.trim() ?? '';
  const full = firstParagraph ? `${short} ${firstParagraph}` : short;
  const url = ruleDocsUrl(rule.id);
  return {
    id: rule.id,
    name: rule.id,
    shortDescription: { text: truncate(short, MAX_DESCRIPTION) },
    fullDescription: { text: truncate(full, MAX_DESCRIPTION) },
    help: { text: helpText(rule, short, url), markdown: helpMarkdown(rule, short, url) },
    // GitHub does not show helpUri (§3.2), so the link is also in help.markdown. Custom rules have none.
    ...(url ? { helpUri: url } : {}),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['dr-policy'], 'problem.severity': PROBLEM_SEVERITY[rule.severity] },
  };
}

function helpText(rule: RuleMeta, short: string, url: string | undefined): string {
  const parts = [short];
  if (rule.rationale.trim()) parts.push(rule.rationale.trim());
  if (rule.sources.length) parts.push('Sources:\n' + rule.sources.map((s) => `- ${s.title}: ${s.url}`).join('\n'));
  if (url) parts.push(`Docs: ${url}`);
  return parts.join('\n\n');
}

function helpMarkdown(rule: RuleMeta, short: string, url: string | undefined): string {
  const parts = [`**${short}**`];
  if (rule.rationale.trim()) parts.push(rule.rationale.trim());
  if (rule.sources.length) parts.push('Sources:\n\n' + rule.sources.map((s) => `- [${s.title}](${s.url})`).join('\n'));
  if (rule.examples.failing.trim()) parts.push('Fails:\n\n```yaml\n' + rule.examples.failing.trimEnd() + '\n```');
  if (rule.examples.passing.trim()) parts.push('Passes:\n\n```yaml\n' + rule.examples.passing.trimEnd() + '\n```');
  if (url) parts.push(`[Rule documentation](${url})`);
  return parts.join('\n\n');
}

/** Without a known root the base is described, not given; consumers resolve it to the checkout. */
function srcRoot(root: string | undefined): Record<string, unknown> {
  if (root === undefined) return { description: { text: 'The directory drc was run from (the repository root in CI).' } };
  const uri = pathToFileURL(root).href;
  return { uri: uri.endsWith('/') ? uri : uri + '/' };
}

const ABSOLUTE = /^(?:\/|[A-Za-z]:\/)/;

/** Built by hand rather than pathToFileURL so a Windows path gives the same URI on any host. */
function fileUri(posix: string): string {
  const drive = /^[A-Za-z]:(?=\/)/.exec(posix)?.[0];
  return drive ? `file:///${drive}${encodePath(posix.slice(2))}` : `file://${encodePath(posix)}`;
}

/** Relative paths become percent-encoded relative URIs under %SRCROOT%; absolute ones file:// URIs. */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const posix = toPosixPath(file);
  if (ABSOLUTE.test(posix)) return { uri: fileUri(posix) };
  return { uri: encodePath(posix), uriBaseId: SRCROOT };
}

/** Per segment, so `/` stays a separator; `:` is encoded too so a first segment never looks like a scheme. */
export function encodePath(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s)).join('/');
}

function result(d: Diagnostic, ruleIndex: number, fileIndex: number, fingerprint: string): Record<string, unknown> {
  return {
    ruleId: d.rule,
    ruleIndex,
    level: LEVEL[d.severity],
    message: { text: d.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { ...artifactLocation(d.file), index: fileIndex },
          region: { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
        },
        logicalLocations: [{ fullyQualifiedName: d.path, kind: 'member' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
    ...(d.suppressed ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: d.suppressed.reason }] } : {}),
    properties: { path: d.path, ...(d.hint ? { hint: d.hint } : {}), ...(d.docs ? { docs: d.docs } : {}) },
  };
}
