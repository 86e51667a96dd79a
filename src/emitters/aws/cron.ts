/**
 * 5-field cron (minute hour day-of-month month day-of-week, as in `Schedule.cron`) → the 6-field
 * EventBridge form AWS Backup takes: `cron(Min Hour DoM Month DoW Year)`.
 *
 * Differences handled (aws-facts §3.1):
 * - exactly one of day-of-month / day-of-week must be `?`;
 * - day-of-week is 1-7 = SUN-SAT in AWS, 0-7 (0 and 7 = Sunday) in standard cron; AWS does not
 *   take `/` steps in day-of-week, so the field is expanded and written as a list/ranges;
 * - standard cron ORs a restricted day-of-month with a restricted day-of-week; AWS cannot, so such
 *   a cron becomes two expressions (`awsCronExpressions`), or an error (`toAwsCron`);
 * - AWS Backup cannot run more often than hourly: `backupScheduleExpressions` clamps.
 */
import type { Schedule } from '../../model/types.js';
import { cronFields } from '../../parser/values.js';

export class CronConversionError extends Error {
  constructor(cron: string, why: string) {
    super(`cannot convert cron "${cron}" to an AWS schedule expression: ${why}`);
    this.name = 'CronConversionError';
  }
}

/** Days 0..6 → AWS 1..7 list with consecutive runs as ranges (`2-6`, `1,7`). */
function formatAwsDays(days: Set<number>): string {
  const aws = [...days].map((d) => d + 1).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < aws.length; ) {
    let j = i;
    while (j + 1 < aws.length && aws[j + 1] === aws[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${aws[i]}-${aws[j]}` : aws.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

const FIELD = /^[0-9A-Za-z*,\-/]+$/;

/**
 * Every AWS expression needed to run exactly when the 5-field cron runs: one, or two when both
 * day-of-month and day-of-week are restricted (standard cron runs when either matches).
 */
export function awsCronExpressions(cron: string): string[] {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new CronConversionError(cron, `expected 5 fields, found ${fields.length}`);
  for (const f of fields) if (!FIELD.test(f)) throw new CronConversionError(cron, `unsupported characters in "${f}"`);
  const [minute, hour, dom, month] = fields as [string, string, string, string, string];
  // The value grammar expands day-of-week (names, ranges, steps, 7 = Sunday); AWS takes no steps there.
  const expanded = cronFields(fields.join(' '));
  if (!expanded) throw new CronConversionError(cron, 'not a valid 5-field cron');
  const dowSet = new Set(expanded.dayOfWeek.values);
  const dowAll = expanded.dayOfWeek.any || dowSet.size === 7;
  const domAll = dom === '*';
  const monthAws = month.toUpperCase();
  const make = (d: string, w: string) => `cron(${minute} ${hour} ${d} ${monthAws} ${w} *)`;
  if (dowAll) return [domAll ? make('?', '*') : make(dom, '?')];
  const dow = formatAwsDays(dowSet);
  if (domAll) return [make('?', dow)];
  return [make(dom, '?'), make('?', dow)];
}

/** A single AWS expression; throws when the cron needs two (restricted day-of-month AND day-of-week). */
export function toAwsCron(cron: string): string {
  const all = awsCronExpressions(cron);
  if (all.length !== 1) throw new CronConversionError(cron, 'day-of-month and day-of-week are both restricted (AWS allows only one)');
  return all[0]!;
}

export const HOUR_SECONDS = 3600;
const HOURLY_STEPS = [1, 2, 3, 4, 6, 8, 12];

/**
 * The AWS Backup schedule expressions for a service schedule. Never runs less often than asked:
 * - a cron whose shortest gap is ≥ 1 hour is converted as is;
 * - anything more frequent than hourly (AWS Backup's minimum) becomes hourly at minute 0;
 * - an interval no 5-field cron expresses (`every 90m`, `every 36h`) becomes the largest
 *   "every N hours" (N dividing 24) or daily that is not longer than the interval.
 */
export function backupScheduleExpressions(schedule: Pick<Schedule, 'cron' | 'minGapSeconds' | 'intervalSeconds' | 'maxGapSeconds'>): string[] {
  if (schedule.minGapSeconds < HOUR_SECONDS) return ['cron(0 * ? * * *)'];
  if (schedule.cron) return awsCronExpressions(schedule.cron);
  const interval = schedule.intervalSeconds ?? schedule.maxGapSeconds;
  const hours = Math.floor(interval / HOUR_SECONDS);
  if (hours >= 24) return ['cron(0 0 ? * * *)'];
  const step = [...HOURLY_STEPS].reverse().find((s) => s <= hours) ?? 1;
  return [step === 1 ? 'cron(0 * ? * * *)' : `cron(0 */${step} ? * * *)`];
}
