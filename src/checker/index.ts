/**
 * The lint pipeline as one function: text → diagnostics (and the Model when it could be built).
 * parse → schema → resolve → rules → suppressions → severities. Pure: no process.*, no I/O.
 */
import { shippedDocsLink, sortDiagnostics, type Diagnostic, type Severity } from '../diagnostics.js';
import { loadYaml } from '../parser/load.js';
import type { SourceIndex, Span } from '../parser/source.js';
import { resolvePolicy } from '../model/resolve.js';
import { schemaFindings } from '../model/schema.js';
import type { Policy } from '../model/types.js';
import type { Finding, Rule, RuleMeta } from './rule.js';
import { BUILTIN_RULES, PIPELINE_RULES } from './rules/index.js';
import { applySuppressions } from './suppressions.js';
import { cascadeFilter } from './cascades.js';
import { compileCustomRules, invalidRuleMeta } from './custom-rules.js';

export type SeveritySetting = Severity | 'off';

export interface LintOptions {
  /** Per-rule severity overrides (from .drc.yaml). */
  severities?: Record<string, SeveritySetting>;
  /** Rules beyond the built-in ones and the policy's own `rules:` (e.g. from rule files named in .drc.yaml). */
  extraRules?: (policy: Policy) => Rule[];
}

export interface LintResult {
  diagnostics: Diagnostic[];
  /** The Model, when the text was usable YAML. */
  policy: Policy | null;
  /** Metadata of every rule that ran or can appear, for reporters. */
  rules: RuleMeta[];
}

export function lintText(text: string, file: string, options: LintOptions = {}): LintResult {
  const loaded = loadYaml(text, file);
  const toDiagnostic = diagnosticFactory(loaded.source, options.severities ?? {});
  const diagnostics: Diagnostic[] = [];
  const push = (rule: RuleMeta, finding: Finding & { span?: Span }) => {
    const d = toDiagnostic(rule, finding);
    if (d) diagnostics.push(d);
  };
  const meta = (id: string) => PIPELINE_RULES.find((r) => r.id === id)!;
  for (const finding of loaded.findings) push(meta(finding.rule), finding);
  let policy: Policy | null = null;
  let rules: RuleMeta[] = [...PIPELINE_RULES, ...BUILTIN_RULES.map((r) => r.meta), invalidRuleMeta];
  if (!loaded.fatal) {
    if (loaded.data === null || typeof loaded.data !== 'object' || Array.isArray(loaded.data)) {
      push(meta('schema'), {
        path: '',
        message: loaded.data === null ? 'the policy is empty: expected a mapping with version, name, tiers and services'
          : `the policy must be a mapping, not ${Array.isArray(loaded.data) ? 'a list' : `a ${typeof loaded.data}`}`,
      });
    } else {
      const schema = schemaFindings(loaded.data);
      policy = resolvePolicy(loaded.data, loaded.source, text).policy;
      // A bare number where a value belongs (`rpo: 15`) is an invalid value, reported by that rule with
      // the grammar's message; the schema's type error about the same node would say it twice.
      const invalidAt = new Set(policy.invalidValues.map((v) => v.path));
      const schemaProblems = schema.filter((finding) => !invalidAt.has(finding.path));
      for (const finding of schemaProblems) push(meta('schema'), finding);
      const loaderProblems = loaded.findings.filter((f) => f.rule === 'schema');
      const cascades = cascadeFilter([...loaderProblems, ...schemaProblems].map((f) => f.path), policy);
      // --- custom rules (policy-language.md §8, src/checker/custom-rules.ts): every expression is
      // compiled before any rule runs; compile errors are invalid-rule diagnostics. ---
      const compiled = compileCustomRules(policy);
      for (const finding of compiled.findings) push(invalidRuleMeta, finding);
      const extra: Rule[] = [...compiled.rules, ...(options.extraRules?.(policy) ?? [])];
      // --- end custom rules ---
      rules = [...rules, ...extra.map((r) => r.meta)];
      for (const rule of [...BUILTIN_RULES, ...extra]) {
        if ((options.severities ?? {})[rule.meta.id] === 'off') continue;
        rule.check(policy, (finding) => {
          if (!cascades?.(rule.meta.id, finding.path)) push(rule.meta, finding);
        });
      }
    }
  }
  const suppressed = applySuppressions(text, diagnostics, (rule, finding) => toDiagnostic(meta(rule), finding));
  return { diagnostics: sortDiagnostics(suppressed), policy, rules };
}

/** Turns a rule's finding into a diagnostic positioned through the file's source index (null when the rule is off). */
export function diagnosticFactory(source: SourceIndex, severities: Record<string, SeveritySetting>) {
  return (rule: RuleMeta, finding: Finding & { span?: Span }): Diagnostic | null => {
    const configured = severities[rule.id];
    if (configured === 'off') return null;
    const span = finding.span
      ?? (finding.inner ? source.innerSpan(finding.path, finding.inner.offset, finding.inner.length) : source.span(finding.path, finding.atKey));
    const position = source.position(span);
    const diagnostic: Diagnostic = {
      rule: rule.id,
      severity: configured ?? finding.severity ?? rule.severity,
      message: finding.message,
      file: source.file,
      line: position.line,
      column: position.column,
      endLine: position.endLine,
      endColumn: position.endColumn,
      path: finding.path,
    };
    if (finding.hint) diagnostic.hint = finding.hint;
    const docs = shippedDocsLink(rule.id);
    if (docs) diagnostic.docs = docs;
    return diagnostic;
  };
}
