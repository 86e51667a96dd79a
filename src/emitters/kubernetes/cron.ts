/**
 * Cron and duration helpers shared by the kubernetes (Velero), pgbackrest and monitoring families:
 * the cron a schedule really runs with, grandfather-father-son crons and Go durations.
 */
import type { GfsPeriod, Schedule } from '../../model/types.js';
import { durationWords } from '../../parser/values.js';

export interface EffectiveCron {
  /** A plain 5-field cron (minute hour day-of-month month day-of-week). */
  cron: string;
  /** The longest gap between two runs of `cron`. */
  gapSeconds: number;
  /** Set when the schedule has no 5-field cron and a more frequent one was chosen. */
  note: string | null;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

function largestDivisorAtMost(of: number, limit: number): number {
  for (let d = Math.max(1, Math.min(of, Math.floor(limit))); d > 1; d--) if (of % d === 0) return d;
  return 1;
}

/**
 * The schedule's own cron, or — when none exists (`every 90m`) — the nearest cron that runs at least
 * as often: every m minutes (m divides 60), every h hours (h divides 24), else daily at 00:00.
 */
export function effectiveCron(schedule: Schedule): EffectiveCron {
  if (schedule.cron !== null) {
    assertFiveFieldCron(schedule.cron);
    return { cron: schedule.cron, gapSeconds: schedule.maxGapSeconds, note: null };
  }
  const gap = schedule.maxGapSeconds;
  let cron: string;
  let gapSeconds: number;
  if (gap < HOUR) {
    const m = largestDivisorAtMost(60, gap / MINUTE);
    cron = m === 1 ? '* * * * *' : `*/${m} * * * *`;
    gapSeconds = m * MINUTE;
  } else if (gap < DAY) {
    const h = largestDivisorAtMost(24, gap / HOUR);
    cron = h === 1 ? '0 * * * *' : `0 */${h} * * *`;
    gapSeconds = h * HOUR;
  } else {
    cron = '0 0 * * *';
    gapSeconds = DAY;
  }
  const note =
    `schedule "${schedule.text}" has no 5-field cron; "${cron}" (every ${durationWords(gapSeconds)}) ` +
    `runs at least as often`;
  return { cron, gapSeconds, note };
}

const CRON_FIELD = /^[0-9A-Za-z*,/?-]+$/;

/** Throws unless `cron` is exactly five cron fields of the usual characters. */
export function assertFiveFieldCron(cron: string): void {
  const fields = cron.split(' ');
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
    throw new Error(`drc: "${cron}" is not a 5-field cron`);
  }
}

/** Minute and hour at which the daily-or-rarer jobs derived from a cron run (0 when not a fixed number). */
export function anchorTime(cron: string): { minute: number; hour: number } {
  const [m, h] = cron.split(' ');
  const minute = /^\d+$/.test(m ?? '') ? Number(m) : 0;
  const hour = /^\d+$/.test(h ?? '') ? Number(h) : 0;
  return { minute: minute < 60 ? minute : 0, hour: hour < 24 ? hour : 0 };
}

export interface GfsSchedule {
  period: GfsPeriod;
  count: number;
  cron: string;
  gapSeconds: number;
  /** How long each backup of this period is kept: count periods (at least one gap of the period's cron). */
  ttlSeconds: number;
}

const PERIOD_SECONDS: Record<GfsPeriod, number> = {
  hourly: HOUR,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 30 * DAY,
  yearly: 365 * DAY,
};
/** Longest gap of each period's cron (a month has up to 31 days, a year 366). */
const PERIOD_GAP: Record<GfsPeriod, number> = {
  hourly: HOUR,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 31 * DAY,
  yearly: 366 * DAY,
};

/** The cron for one grandfather-father-son period, anchored at the main schedule's minute/hour. */
export function gfsCron(period: GfsPeriod, anchor: { minute: number; hour: number }): string {
  const { minute: m, hour: h } = anchor;
  switch (period) {
    case 'hourly':
      return `${m} * * * *`;
    case 'daily':
      return `${m} ${h} * * *`;
    case 'weekly':
      return `${m} ${h} * * 0`;
    case 'monthly':
      return `${m} ${h} 1 * *`;
    case 'yearly':
      return `${m} ${h} 1 1 *`;
  }
}

export function gfsSchedules(keep: Partial<Record<GfsPeriod, number>> | null, anchor: { minute: number; hour: number }): GfsSchedule[] {
  if (!keep) return [];
  const out: GfsSchedule[] = [];
  for (const period of ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
    const count = keep[period];
    if (count === undefined || count <= 0) continue;
    out.push({ period, count, cron: gfsCron(period, anchor), gapSeconds: PERIOD_GAP[period], ttlSeconds: Math.max(count * PERIOD_SECONDS[period], PERIOD_GAP[period]) });
  }
  return out;
}

/** Go `time.ParseDuration` text in hours, minutes and seconds: 2592000 → `720h0m0s`. */
export function goDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const text = `${Math.floor(s / HOUR)}h${Math.floor((s % HOUR) / MINUTE)}m${s % MINUTE}s`;
  assertGoDuration(text);
  return text;
}

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

export function assertGoDuration(text: string): void {
  if (!GO_DURATION.test(text)) throw new Error(`drc: "${text}" is not a Go duration`);
}

export function isGoDuration(text: string): boolean {
  return GO_DURATION.test(text);
}

/** IANA zone names as they may appear after CRON_TZ= (letters, digits, `_ + - /`). */
export function checkedTimezone(zone: string | null): string | null {
  if (zone === null || zone === 'UTC' || zone === 'Etc/UTC') return null;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) throw new Error(`drc: "${zone}" is not an IANA time zone name`);
  return zone;
}
