/** `# drc-ignore` directives apply to verify findings as they do to lint's, `all` included. */
import { describe, expect, it } from 'vitest';
import { applyVerifySuppressions } from '../../src/cli/verify.js';
import type { Diagnostic } from '../../src/diagnostics.js';

const finding = (rule: string, line: number): Diagnostic => ({
  rule, severity: 'error', message: 'm', file: 'drc.yaml', line, column: 3, endLine: line, endColumn: 9, path: '/services/db',
});

describe('applyVerifySuppressions', () => {
  const text = 'services:\n  # drc-ignore all -- migrating this bucket\n  db:\n    kind: postgresql\n  # drc-ignore backup-stale -- paused\n  files:\n    kind: files\n';

  it('`all` suppresses every verify rule on its line, a named rule only itself', () => {
    const out = applyVerifySuppressions(text, [finding('drift-versioning', 3), finding('backup-missing', 6), finding('backup-stale', 6), finding('backup-stale', 7)]);
    expect(out.map((d) => [d.rule, d.line, d.suppressed?.reason ?? null])).toEqual([
      ['drift-versioning', 3, 'migrating this bucket'],
      ['backup-missing', 6, null],
      ['backup-stale', 6, 'paused'],
      ['backup-stale', 7, null],
    ]);
  });
});
