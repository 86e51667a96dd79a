/**
 * Grandfather-father-son retention on S3: the backup scripts tag every object of a backup with
 * `drc-retention=<period>` (layout.RETENTION_TAG), and one tag-filtered lifecycle rule per period
 * expires it. The exact tagging rule is in docs/gfs-retention.md; `gfsTagFor` is its reference
 * implementation (the scripts must agree with it byte for byte).
 */
import type { GfsPeriod, Retention } from '../../model/types.js';
import { GFS_PERIODS } from '../../model/types.js';

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the ISO week containing `d`, in ms. */
function isoWeekStart(d: Date): number {
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (d.getUTCDay() + 6) % 7; // Monday = 0 … Sunday = 6
  return day - weekday * DAY_MS;
}

/**
 * The retention tag of a backup taken at `timestampUtc`, given the start time of the previous
 * complete backup of the same service (null when there is none):
 * - `yearly`  when there is no previous backup or it is in an earlier UTC calendar year;
 * - else `monthly` when it is in an earlier UTC calendar month;
 * - else `weekly`  when it is in an earlier ISO week (weeks start Monday 00:00 UTC);
 * - else `daily`   when it is on an earlier UTC calendar day;
 * - else `hourly`.
 * "Earlier" means "different": a previous backup that is not before `timestampUtc` (clock skew)
 * is compared the same way, so the result only depends on the two calendar positions.
 */
export function gfsTagFor(timestampUtc: Date, previousBackupUtc: Date | null): GfsPeriod {
  if (Number.isNaN(timestampUtc.getTime())) throw new RangeError('gfsTagFor: invalid timestamp');
  const prev = previousBackupUtc;
  if (prev === null || Number.isNaN(prev.getTime())) return 'yearly';
  const t = timestampUtc;
  if (prev.getUTCFullYear() !== t.getUTCFullYear()) return 'yearly';
  if (prev.getUTCMonth() !== t.getUTCMonth()) return 'monthly';
  if (isoWeekStart(prev) !== isoWeekStart(t)) return 'weekly';
  if (prev.getUTCDate() !== t.getUTCDate()) return 'daily';
  return 'hourly';
}

/** Days one count of a period covers: hourly n → ceil(n/24) (min 1), daily n, weekly 7n, monthly 30n, yearly 365n. */
export function gfsSpanDays(period: GfsPeriod, count: number): number {
  switch (period) {
    case 'hourly':
      return Math.max(1, Math.ceil(count / 24));
    case 'daily':
      return Math.max(1, count);
    case 'weekly':
      return Math.max(1, 7 * count);
    case 'monthly':
      return Math.max(1, 30 * count);
    case 'yearly':
      return Math.max(1, 365 * count);
  }
}

/**
 * Expiry in days of objects tagged with each period, for a retention with `keep:` counts.
 *
 * A backup carries only its most significant tag, but it also serves every finer period (the
 * first backup of a month is also that day's daily), so a tag's expiry is the longest span among
 * the counted periods at its level or finer. Tags finer than every counted period (e.g. `hourly`
 * when only `daily` is counted) expire after 1 day, the shortest S3 allows. Every value is capped
 * at `capDays` (the effective retention, and the storage's `expire_after`).
 * Returns the periods from `hourly` to `yearly` (all five: a tag without a rule would fall back to
 * the prefix rule and be kept for the whole retention).
 */
export function gfsExpirationDays(keep: NonNullable<Retention['keep']>, capDays: number): { period: GfsPeriod; days: number }[] {
  let longest = 0;
  return GFS_PERIODS.map((period) => {
    const count = keep[period];
    if (count !== undefined && count > 0) longest = Math.max(longest, gfsSpanDays(period, count));
    return { period, days: Math.max(1, Math.min(longest || 1, capDays)) };
  });
}
