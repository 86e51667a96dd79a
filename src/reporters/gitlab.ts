/**
 * GitLab Code Quality report (a Code Climate subset): a JSON array of issues with 1-based lines and a
 * line-independent fingerprint, so merge-request widgets match findings across commits.
 */
import type { Severity } from '../diagnostics.js';
import { fingerprints, toPosixPath } from './common.js';
import type { ReportInput } from './types.js';

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';
/** `blocker` is left for nothing: a lint error fails the build already; `critical` ranks it above warnings. */
export const GITLAB_SEVERITY: Record<Severity, CodeQualitySeverity> = { error: 'critical', warning: 'major', info: 'info' };

export function gitlab(input: ReportInput): string {
  const prints = fingerprints(input.diagnostics);
  const issues = input.diagnostics.flatMap((d, i) =>
    d.suppressed
      ? [] // GitLab has no suppression state; a suppressed finding is not an issue.
      : [
          {
            description: d.hint ? `${d.message} (hint: ${d.hint})` : d.message,
            check_name: d.rule,
            fingerprint: prints[i]!,
            severity: GITLAB_SEVERITY[d.severity],
            location: { path: toPosixPath(d.file), lines: { begin: d.line, end: d.endLine } },
          },
        ],
  );
  return JSON.stringify(issues, null, 2) + '\n';
}
