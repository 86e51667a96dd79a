import type { Diagnostic, Severity } from '../diagnostics.js';
import type { Policy } from '../model/types.js';

/** A source for a threshold a rule cites (shown by `drc explain` and in SARIF help). */
export interface RuleSource {
  title: string;
  url: string;
}

export interface RuleMeta {
  id: string;
  severity: Severity;
  /** One sentence: what fails. */
  description: string;
  /** Why the rule exists, the thresholds it applies (with figures). Markdown. */
  rationale: string;
  sources: RuleSource[];
  /** A policy fragment that fails and one that passes (YAML), for `drc explain` and the docs page. */
  examples: { failing: string; passing: string };
}

/** What a rule reports; the runner fills in file, positions, severity and docs from the pointer. */
export interface Finding {
  /** JSON pointer of the value that is wrong; its source range becomes line/column. */
  path: string;
  message: string;
  hint?: string;
  /** Override the rule's default severity for this finding (e.g. info when data is unknown). */
  severity?: Severity;
  /** Point at a character range inside the string value at `path` (0-based offset into the value). */
  inner?: { offset: number; length: number };
  /** Point at the key of `path` instead of its value (unknown keys, duplicate keys). */
  atKey?: boolean;
}

export type Report = (finding: Finding) => void;

export interface Rule {
  meta: RuleMeta;
  check(policy: Policy, report: Report): void;
}

export type { Diagnostic };
