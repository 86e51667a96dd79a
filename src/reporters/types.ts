import type { Diagnostic } from '../diagnostics.js';
import type { RuleMeta } from '../checker/rule.js';

export interface ReportInput {
  /** Already sorted by file, line, column (sortDiagnostics). */
  diagnostics: Diagnostic[];
  /** Metadata of every rule that can appear (built-in + custom). */
  rules: RuleMeta[];
  /** File path (as in Diagnostic.file, relative to cwd) -> its text, for code frames and the list of linted files. */
  sources: Map<string, string>;
  toolVersion: string;
  /** Stylish only. */
  color: boolean;
  /**
   * Absolute directory the relative paths are relative to (usually the repo root). Optional: SARIF
   * writes it as `originalUriBaseIds["%SRCROOT%"].uri` when given; left out, the output stays
   * machine-independent (GitHub resolves relative URIs against the checkout either way).
   */
  srcRoot?: string;
  // Accepted-by-baseline counts etc. may be added later; reporters ignore fields they do not know.
}

export type Reporter = (input: ReportInput) => string;
