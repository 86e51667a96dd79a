/** Output of `drc diff`: the change table as Markdown (PR comment), plain text, or JSON. */
import { summarize, type Diagnostic } from '../diagnostics.js';
import { mdCell } from '../reporters/github.js';
import { orderKeys } from '../reporters/json.js';
import type { Change } from './index.js';

const MARK: Record<Change['kind'], string> = {
  weakened: '🔻 weakened',
  removed: '🔻 removed',
  strengthened: '🔺 strengthened',
  added: '🔺 added',
  changed: '↔ changed',
};

const FIELD_LABEL: Record<string, string> = {
  rto: 'RTO',
  rpo: 'RPO',
  retention: 'retention',
  restore_test: 'restore test',
  dr_drill: 'DR drill',
  min_regions: 'min regions',
  immutable: 'immutable',
  'encryption.at_rest': 'encryption at rest',
  'encryption.client_side': 'client-side encryption',
  regions: 'regions',
  service: 'service',
};

function label(field: string): string {
  return FIELD_LABEL[field] ?? field;
}

function value(v: string | null): string {
  return v ?? '—';
}

/** A Markdown report fit for a PR comment: the changes, then the weakening findings. */
export function diffMarkdown(changes: Change[], diagnostics: Diagnostic[], oldName: string, newName: string): string {
  const out = ['## drc diff', '', `Comparing \`${oldName.replace(/`/g, "'")}\` → \`${newName.replace(/`/g, "'")}\` (effective values per service).`, ''];
  if (changes.length === 0) {
    out.push('No recovery objective changed.');
  } else {
    const weakened = changes.filter((c) => c.rule !== null).length;
    out.push(weakened > 0 ? `**${weakened} weakening change${weakened === 1 ? '' : 's'}** out of ${changes.length}.` : `${changes.length} change${changes.length === 1 ? '' : 's'}, none weakening.`, '');
    out.push('| Service | Objective | Old | New | Change | Via |', '|---|---|---|---|---|---|');
    for (const c of changes) {
      out.push(`| ${mdCell(c.service)} | ${mdCell(label(c.field))} | ${mdCell(value(c.old))} | ${mdCell(value(c.new))} | ${MARK[c.kind]} | ${mdCell(c.via ?? '')} |`);
    }
  }
  const shown = diagnostics.filter((d) => !d.suppressed);
  if (shown.length > 0) {
    out.push('', '### Findings', '', '| Severity | Location | Rule | Message |', '|---|---|---|---|');
    for (const d of shown) out.push(`| ${d.severity} | ${mdCell(`${d.file}:${d.line}:${d.column}`)} | ${mdCell(d.rule)} | ${mdCell(d.message)} |`);
  }
  return out.join('\n') + '\n';
}

/** Plain text table for a terminal. */
export function diffText(changes: Change[]): string {
  if (changes.length === 0) return 'No recovery objective changed.\n';
  const rows = [['SERVICE', 'OBJECTIVE', 'OLD', 'NEW', 'CHANGE', 'VIA'], ...changes.map((c) => [c.service, label(c.field), value(c.old), value(c.new), c.kind, c.via ?? ''])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function diffJson(changes: Change[], diagnostics: Diagnostic[], oldName: string, newName: string): string {
  const report = {
    old: oldName,
    new: newName,
    changes,
    diagnostics: diagnostics.map(orderKeys),
    summary: { ...summarize(diagnostics), changes: changes.length, weakened: changes.filter((c) => c.rule !== null).length },
  };
  return JSON.stringify(report, null, 2) + '\n';
}
