/** Parsed forms of the policy's value kinds (policy-language.md §2). */

export interface Duration {
  seconds: number;
  /** The text as written, e.g. "15m". */
  text: string;
}

export interface Size {
  bytes: number;
  text: string;
}

export interface Rate {
  bytesPerSecond: number;
  text: string;
}

export type FrequencyWord = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';

export interface Frequency {
  text: string;
  /** The longest gap between two runs; what rules compare (monthly = 31d, quarterly = 92d, yearly = 366d). */
  maxGapSeconds: number;
  /** Human words, e.g. "every 6 hours", "monthly". */
  words: string;
}

export interface Schedule {
  text: string;
  kind: 'frequency' | 'daily' | 'weekly' | 'monthly' | 'cron';
  /** Longest gap between two consecutive runs, cron included (`0 1,2,23 * * *` → 21h). */
  maxGapSeconds: number;
  /** Shortest gap between two consecutive runs. */
  minGapSeconds: number;
  /**
   * A 5-field cron (minute hour day-of-month month day-of-week) that runs at exactly these times,
   * in the schedule's time zone; null when no 5-field cron can express it (e.g. `every 90m`).
   */
  cron: string | null;
  /** For `every <duration>` and the frequency words: the fixed interval in seconds. */
  intervalSeconds: number | null;
  /** Human words for the matrix, e.g. "every 6 hours", "daily at 02:30 UTC". */
  words: string;
}

/** Result of parsing one value; on failure `offset`/`length` point inside the string (0-based). */
export type ValueResult<T> =
  | { ok: true; value: T }
  | { ok: false; message: string; offset: number; length: number };

/** One field of a 5-field cron: the values it selects, and whether it is exactly `*`. */
export interface CronField {
  /** Sorted; day-of-week uses 0-6 (Sunday = 0, a written 7 counts as 0). */
  values: number[];
  any: boolean;
}

/** A 5-field cron expanded by the value grammar, for emitters that rewrite it (AWS, systemd). */
export interface CronFields {
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  dayOfWeek: CronField;
}
