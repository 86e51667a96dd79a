/** The drill report: markdown for people, JSON for machines (docs/drill.md). */
import { DRC_VERSION } from '../generated/version.js';
import { formatDuration } from '../parser/values.js';
import type { DrillReport } from './index.js';

/** Measured seconds for people: `4.2 s`, `3 min 12 s`, `2 h 05 min`. */
export function formatSeconds(s: number | null): string {
  if (s === null) return 'not measured';
  if (s < 60) return `${(Math.round(s * 10) / 10).toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return 'not measured';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]} (${n} bytes)`;
}

/** Every objective declared was met and every step succeeded. */
export function drillPassed(r: DrillReport): boolean {
  return r.ok && r.rto_met !== false && r.rpo_met !== false;
}

function verdict(met: boolean | null, measured: number | null): string {
  if (met === null) return 'no objective';
  if (measured === null) return '**not measured**';
  return met ? 'met' : '**MISSED**';
}

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

export function drillMarkdown(r: DrillReport): string {
  const passed = drillPassed(r);
  const out: string[] = [];
  out.push(`# DR drill: ${r.service} (${r.kind})`, '');
  const summary = passed
    ? 'PASS: the recovery succeeded and met its objectives'
    : r.failed_step
      ? `FAIL: step ${r.failed_step} failed`
      : 'FAIL: an objective was missed';
  out.push(`**${summary}.** Policy ${code(r.policy)}, drill ran ${r.started_at} – ${r.finished_at}.`, '');
  out.push('| measure | measured | objective | result |', '|---|---|---|---|');
  out.push(`| recovery time (restore + validation) | ${formatSeconds(r.recovery_time_seconds)} | ${r.rto_seconds === null ? '–' : `RTO ${formatDuration(r.rto_seconds)}`} | ${verdict(r.rto_met, r.recovery_time_seconds)} |`);
  out.push(`| recovery point (age of the restored backup when the restore began) | ${formatSeconds(r.recovery_point_seconds)} | ${r.rpo_seconds === null ? '–' : `RPO ${formatDuration(r.rpo_seconds)}`} | ${verdict(r.rpo_met, r.recovery_point_seconds)} |`);
  out.push(`| backup duration | ${formatSeconds(r.backup.seconds)} | | |`);
  out.push(`| backup size (stored, encrypted) | ${formatBytes(r.backup.bytes)} | | |`);
  out.push('');
  if (r.backup.key) out.push(`- Backup restored: ${code(r.backup.key)} (started ${r.backup.started_at ?? '?'}, finished ${r.backup.finished_at ?? '?'})`);
  if (r.restore.target) {
    const cleaned = r.steps.find((s) => s.name === 'cleanup');
    const what = r.kind === 'postgresql' ? 'database' : 'directory';
    out.push(`- Scratch target: ${what} ${code(r.restore.target)}, ${cleaned?.ok ? 'removed' : '**NOT removed: remove it by hand**'}; the source was not touched`);
  }
  if (r.kept_dir) out.push(`- Scripts and step logs kept in ${code(r.kept_dir)}`);
  out.push('', '## Steps', '', '| # | step | time | result |', '|---|---|---|---|');
  r.steps.forEach((s, i) => out.push(`| ${i + 1} | ${code(s.command)} | ${formatSeconds(s.seconds)} | ${s.ok ? 'ok' : '**failed**'} |`));
  const failed = r.steps.find((s) => !s.ok);
  if (failed) {
    out.push('', `## ${failed.name} failed`, '', '```', failed.output_tail.replace(/```/g, "'''"), '```');
  }
  out.push('');
  return out.join('\n');
}

/** `--format json`: the documented fields first, in the documented order. */
export function drillJson(r: DrillReport): string {
  return (
    JSON.stringify(
      {
        service: r.service,
        kind: r.kind,
        rto_seconds: r.rto_seconds,
        rpo_seconds: r.rpo_seconds,
        backup: r.backup,
        restore: r.restore,
        validate: r.validate,
        recovery_time_seconds: r.recovery_time_seconds,
        recovery_point_seconds: r.recovery_point_seconds,
        rto_met: r.rto_met,
        rpo_met: r.rpo_met,
        passed: drillPassed(r),
        steps: r.steps.map((s) => ({ name: s.name, seconds: s.seconds, ok: s.ok, output_tail: s.output_tail, command: s.command })),
        failed_step: r.failed_step,
        policy: r.policy,
        started_at: r.started_at,
        finished_at: r.finished_at,
        kept_dir: r.kept_dir,
        drc_version: DRC_VERSION,
      },
      null,
      2,
    ) + '\n'
  );
}
