/**
 * The value grammar of policy-language.md §2: durations, sizes, rates, frequencies and schedules.
 *
 * One chevrotain lexer and one parser serve every kind. The grammar is deliberately permissive
 * (units and names are any word, optional pieces are OPTIONs) so that the semantic actions, not
 * chevrotain's generic messages, say what was expected and where. Every entry point is pure and
 * never throws: failures come back as `{ ok: false, message, offset, length }` inside the text.
 */
import { SKIP_GRAMMAR_VALIDATIONS } from './chevrotain-options.js';
import { suggest } from '../model/suggest.js';
import { createToken, EmbeddedActionsParser, EOF, Lexer, type IRecognitionException, type IToken } from 'chevrotain';
import type { CronField, CronFields, Duration, Frequency, FrequencyWord, Rate, Schedule, Size, ValueResult } from './value-types.js';

// ---------------------------------------------------------------------------------------------
// Vocabulary

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

/** Duration units, largest first (formatDuration picks the largest that divides evenly). */
const DURATION_UNITS = new Map<string, number>([
  ['y', 365 * DAY],
  ['w', 7 * DAY],
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', 1],
]);
const UNIT_WORDS: Record<string, string> = { y: 'year', w: 'week', d: 'day', h: 'hour', m: 'minute', s: 'second' };

const SIZE_UNITS = new Map<string, number>([
  ['B', 1],
  ['KB', 1e3],
  ['MB', 1e6],
  ['GB', 1e9],
  ['TB', 1e12],
  ['KiB', 1024],
  ['MiB', 1024 ** 2],
  ['GiB', 1024 ** 3],
  ['TiB', 1024 ** 4],
]);

/** Longest gap of each frequency word: what rules compare. */
const FREQUENCY_MAX_GAP: Record<FrequencyWord, number> = {
  hourly: HOUR,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 31 * DAY,
  quarterly: 92 * DAY,
  yearly: 366 * DAY,
};
/** Shortest gap of each word's cron (Feb; Jan 1 → Apr 1 in a common year; a common year). */
const FREQUENCY_MIN_GAP: Record<FrequencyWord, number> = {
  hourly: HOUR,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 28 * DAY,
  quarterly: 90 * DAY,
  yearly: 365 * DAY,
};
const FREQUENCY_CRON: Record<FrequencyWord, string> = {
  hourly: '0 * * * *',
  daily: '0 0 * * *',
  weekly: '0 0 * * 0',
  monthly: '0 0 1 * *',
  quarterly: '0 0 1 1,4,7,10 *',
  yearly: '0 0 1 1 *',
};
const FREQUENCY_WORDS = Object.keys(FREQUENCY_MAX_GAP) as FrequencyWord[];
const isFrequencyWord = (w: string): w is FrequencyWord => Object.hasOwn(FREQUENCY_MAX_GAP, w);

/** cron day-of-week numbers, Sunday = 0. */
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// ---------------------------------------------------------------------------------------------
// Errors

class ValueError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length: number,
  ) {
    super(message);
  }
}

/** A token's position; the fast paths build these without the lexer. */
interface Tok {
  image: string;
  startOffset: number;
  tokenType?: unknown;
}
const end = (t: Tok): number => t.startOffset + t.image.length;
const isEnd = (t: Tok | undefined): boolean => !t || t.tokenType === EOF;

function fail(message: string, from: number, to: number): never {
  throw new ValueError(message, from, Math.max(0, to - from));
}
/** Fail at a token, or at `fallback` when the token is the end of input. */
function failAt(message: string, at: Tok | undefined, fallback: Tok): never {
  const t = isEnd(at) ? fallback : at!;
  return fail(message, t.startOffset, end(t));
}
const found = (t: Tok | undefined): string => (isEnd(t) ? 'the end' : `"${t!.image}"`);

function adjacent(a: Tok, b: Tok): void {
  if (b.startOffset !== end(a)) {
    fail(`unexpected space between "${a.image}" and "${b.image}": write ${a.image}${b.image}`, end(a), b.startOffset);
  }
}
function spaced(a: Tok, b: Tok): void {
  if (b.startOffset === end(a)) fail(`expected a space between "${a.image}" and "${b.image}"`, a.startOffset, end(b));
}

/** A near-miss word: within a third of its length (at least one edit). */
function closest(word: string, candidates: string[]): string | undefined {
  return suggest(word, candidates, Math.max(1, Math.floor(word.length / 3))) ?? undefined;
}

// ---------------------------------------------------------------------------------------------
// Semantic actions, shared by the grammar and the fast paths

const DURATION_ALIASES = new Map<string, string>(
  Object.entries({
    sec: 's', secs: 's', second: 's', seconds: 's',
    min: 'm', mins: 'm', minute: 'm', minutes: 'm',
    hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
    day: 'd', days: 'd', wk: 'w', wks: 'w', week: 'w', weeks: 'w',
    yr: 'y', yrs: 'y', year: 'y', years: 'y',
  }),
);

function durationUnitHint(unit: string): string {
  const lower = unit.toLowerCase();
  if (/^mo(n(th)?s?)?$/.test(lower)) return '; there is no month unit, use days (e.g. 30d)';
  const s = DURATION_ALIASES.get(lower) ?? (DURATION_UNITS.has(lower) ? lower : undefined);
  return s ? `; did you mean "${s}" (${UNIT_WORDS[s]}s)?` : '';
}

function sizeUnitHint(unit: string): string {
  const lower = unit.toLowerCase();
  const same = [...SIZE_UNITS.keys()].find((u) => u.toLowerCase() === lower);
  if (same) return `; did you mean "${same}"?`;
  if (/^bytes?$/.test(lower)) return '; did you mean "B"?';
  const m = /^([kmgt])i?$/.exec(lower);
  if (m) {
    const p = m[1]!.toUpperCase();
    return `; did you mean "${p}iB" or "${p}B"?`;
  }
  return '';
}

function duration(num: Tok, unit: Tok | undefined): Duration {
  const n = num.image;
  if (isEnd(unit)) {
    if (/^0+$/.test(n)) {
      fail(`"${n}" is not a duration: add a unit (s, m, h, d, w, y), e.g. 0s`, num.startOffset, end(num));
    }
    fail(`expected a unit (s, m, h, d, w, y) after "${n}"`, num.startOffset, end(num));
  }
  const u = unit!.image;
  const factor = DURATION_UNITS.get(u);
  if (factor === undefined) {
    fail(`unknown unit "${u}" (expected s, m, h, d, w, y)${durationUnitHint(u)}`, unit!.startOffset, end(unit!));
  }
  adjacent(num, unit!);
  const seconds = Number(n) * factor;
  if (n.includes('.')) {
    const hint = Number.isInteger(seconds) ? `: write ${formatDuration(seconds)}` : '';
    fail(`a duration needs a whole number${hint}`, num.startOffset, end(unit!));
  }
  if (!Number.isSafeInteger(seconds)) fail(`duration ${n}${u} is too large`, num.startOffset, end(unit!));
  return { seconds, text: n + u };
}

const SIZE_UNIT_LIST = 'B, KB, MB, GB, TB, KiB, MiB, GiB, TiB';

function size(num: Tok, unit: Tok | undefined): Size {
  const n = num.image;
  if (isEnd(unit)) fail(`expected a unit (${SIZE_UNIT_LIST}) after "${n}"`, num.startOffset, end(num));
  const u = unit!.image;
  const factor = SIZE_UNITS.get(u);
  if (factor === undefined) {
    fail(`unknown unit "${u}" (expected ${SIZE_UNIT_LIST})${sizeUnitHint(u)}`, unit!.startOffset, end(unit!));
  }
  adjacent(num, unit!);
  if (u === 'B' && n.includes('.')) fail(`a size in bytes needs a whole number`, num.startOffset, end(unit!));
  // Decimal sizes round to whole bytes (1.1KiB = 1126 B).
  const bytes = Math.round(Number(n) * factor);
  if (!Number.isSafeInteger(bytes)) fail(`size ${n}${u} is too large`, num.startOffset, end(unit!));
  return { bytes, text: n + u };
}

function rate(num: Tok, unit: Tok | undefined, slash: Tok | undefined, per: Tok | undefined, next: Tok): Rate {
  const s = size(num, unit);
  if (!slash) {
    const hint = isEnd(next) ? '' : `, found ${found(next)}`;
    fail(`expected "/s" after "${s.text}" (a rate is a size per second, e.g. 300MiB/s)${hint}`, num.startOffset, end(unit!));
  }
  adjacent(unit!, slash);
  if (isEnd(per) || per!.image !== 's') {
    const got = isEnd(per) ? '' : `, found "/${per!.image}"`;
    fail(`expected "/s" (rates are per second)${got}`, slash.startOffset, isEnd(per) ? end(slash) : end(per!));
  }
  adjacent(slash, per!);
  if (s.bytes <= 0) fail(`a rate must be greater than zero`, num.startOffset, end(per!));
  return { bytesPerSecond: s.bytes, text: `${s.text}/s` };
}

function wordFrequency(w: FrequencyWord): Frequency {
  return { text: w, maxGapSeconds: FREQUENCY_MAX_GAP[w], words: w };
}

interface Located<T> {
  value: T;
  first: Tok;
  last: Tok;
}

function everyFrequency(every: Tok, d: Located<Duration> | undefined, next: Tok): Frequency {
  if (!d) failAt(`expected a duration after "every", e.g. every 6h${isEnd(next) ? '' : `, found ${found(next)}`}`, next, every);
  spaced(every, d.first);
  const seconds = d.value.seconds;
  if (seconds <= 0) fail(`"every" needs a duration greater than zero`, d.first.startOffset, end(d.last));
  return { text: `every ${d.value.text}`, maxGapSeconds: seconds, words: everyWords(seconds) };
}

function everyWords(seconds: number): string {
  return `every ${durationWords(seconds).replace(/^1 /, '')}`;
}

const FREQUENCY_ALIASES = new Map<string, string>(
  Object.entries({ annually: 'yearly', annual: 'yearly', nightly: 'daily', biweekly: 'every 2w', fortnightly: 'every 2w' }),
);

function unknownWord(t: Tok, kind: 'frequency' | 'schedule'): never {
  const candidates = [...FREQUENCY_WORDS, 'every', ...(kind === 'schedule' ? ['cron'] : [])];
  const guess = FREQUENCY_ALIASES.get(t.image.toLowerCase()) ?? closest(t.image, candidates);
  const expected =
    kind === 'frequency'
      ? 'hourly, daily, weekly, monthly, quarterly, yearly or every <duration>'
      : 'a frequency, daily at HH:MM, weekly on <day> at HH:MM, monthly on <1..28> at HH:MM or cron(...)';
  fail(`unknown ${kind} "${t.image}"${guess ? `; did you mean ${guess}?` : ''} (expected ${expected})`, t.startOffset, end(t));
}

function everyCron(s: number): string | null {
  if (s <= 0 || s % MINUTE !== 0) return null;
  const m = s / MINUTE;
  if (m < 60) return 60 % m !== 0 ? null : m === 1 ? '* * * * *' : `*/${m} * * * *`;
  if (s % HOUR !== 0) return null;
  const h = s / HOUR;
  if (h < 24) return 24 % h !== 0 ? null : h === 1 ? '0 * * * *' : `0 */${h} * * *`;
  if (s === DAY) return '0 0 * * *';
  if (s === 7 * DAY) return '0 0 * * 0';
  return null;
}

function frequencySchedule(text: string, f: Frequency, word?: FrequencyWord): Schedule {
  return {
    text,
    kind: 'frequency',
    maxGapSeconds: f.maxGapSeconds,
    minGapSeconds: word ? FREQUENCY_MIN_GAP[word] : f.maxGapSeconds,
    cron: word ? FREQUENCY_CRON[word] : everyCron(f.maxGapSeconds),
    intervalSeconds: f.maxGapSeconds,
    words: f.words,
  };
}

interface TimeToks {
  h?: Tok;
  colon?: Tok;
  m?: Tok;
}
const TIME_EXPECTED = 'expected HH:MM (00:00–23:59)';

function time(at: Tok, t: TimeToks, next: Tok): { hour: number; minute: number; text: string } {
  const { h, colon, m } = t;
  if (!h) failAt(`${TIME_EXPECTED} after "at", found ${found(next)}`, next, at);
  const last = m ?? colon ?? h;
  const written = `"${h.image}${colon ? colon.image : ''}${m ? m.image : ''}"`;
  const bad = (hint = ''): never => fail(`${TIME_EXPECTED}, found ${written}${hint}`, h.startOffset, end(last));
  spaced(at, h);
  if (!colon || !m) bad();
  adjacent(h, colon!);
  adjacent(colon!, m!);
  const hour = Number(h.image);
  const minute = Number(m!.image);
  if (hour > 23 || minute > 59 || m!.image.length !== 2 || h.image.length > 2) bad();
  const hhmm = `${String(hour).padStart(2, '0')}:${m!.image}`;
  if (h.image.length !== 2) bad(`; write ${hhmm}`);
  return { hour, minute, text: hhmm };
}

function ordinal(n: number): string {
  const suffix = n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** `hourly`…`yearly`, `daily at`, `weekly on … at`, `monthly on … at`. */
function wordSchedule(
  text: string,
  w: Tok,
  on: Tok | undefined,
  arg: Tok | undefined,
  at: Tok | undefined,
  t: TimeToks,
  next: Tok,
): Schedule {
  const word = w.image as FrequencyWord;
  if (!on && !at) return frequencySchedule(text, wordFrequency(word), word);
  const needsOn = word === 'weekly' || word === 'monthly';
  if (word !== 'daily' && !needsOn) {
    const extra = (on ?? at)!;
    fail(`"${word}" takes no "${extra.image}"; use daily at HH:MM, weekly on <day> at HH:MM, monthly on <1..28> at HH:MM or cron(...)`, extra.startOffset, extra.startOffset + extra.image.length);
  }
  if (word === 'daily' && on) fail(`"daily" takes no "on"; write daily at HH:MM`, on.startOffset, end(on));
  if (needsOn && !on) {
    const what = word === 'weekly' ? '<mon..sun>' : '<1..28>';
    failAt(`expected "on ${what}" after "${word}", e.g. ${word} on ${word === 'weekly' ? 'mon' : '1'} at 02:00`, at, w);
  }
  let day = 0;
  let dayWords = '';
  if (on) {
    if (word === 'weekly') {
      const lower = arg?.image.toLowerCase() ?? '';
      day = WEEKDAYS.indexOf(arg?.image ?? '');
      if (!arg || !/^[a-z]+$/i.test(arg.image) || day < 0) {
        const guess = WEEKDAYS.includes(lower.slice(0, 3)) ? `; did you mean ${lower.slice(0, 3)}?` : '';
        failAt(`expected a day of the week (mon, tue, wed, thu, fri, sat, sun) after "on", found ${found(arg ?? next)}${guess}`, arg ?? next, on);
      }
      dayWords = ` on ${WEEKDAY_NAMES[day]}`;
    } else {
      if (!arg || !/^\d+$/.test(arg.image)) {
        failAt(`expected a day of the month (1–28) after "on", found ${found(arg ?? next)}`, arg ?? next, on);
      }
      day = Number(arg.image);
      if (day < 1) fail(`day of month must be 1–28 (days are counted from 1)`, arg.startOffset, end(arg));
      if (day > 28) fail(`day of month must be 1–28 (not every month has ${day} days; use cron(...) otherwise)`, arg.startOffset, end(arg));
      dayWords = ` on the ${ordinal(day)}`;
    }
    spaced(on, arg!);
  }
  if (!at) failAt(`expected "at HH:MM" after "${arg!.image}", found ${found(next)}`, next, arg!);
  const { hour, minute, text: hhmm } = time(at, t, next);
  const cronDays = word === 'daily' ? '* * *' : word === 'weekly' ? `* * ${day}` : `${day} * *`;
  return {
    text,
    kind: word as 'daily' | 'weekly' | 'monthly',
    maxGapSeconds: word === 'daily' ? DAY : word === 'weekly' ? 7 * DAY : 31 * DAY,
    minGapSeconds: word === 'daily' ? DAY : word === 'weekly' ? 7 * DAY : 28 * DAY,
    cron: `${minute} ${hour} ${cronDays}`,
    intervalSeconds: null,
    words: `${word}${dayWords} at ${hhmm}`,
  };
}

// --- cron

interface CronItem {
  comma?: Tok;
  first: Tok;
  dash?: Tok;
  last?: Tok;
  slash?: Tok;
  step?: Tok;
}
interface CronFieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Value of names[0]. */
  base?: number;
}
const CRON_FIELDS: CronFieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, base: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, base: 0 },
];

function cronValue(spec: CronFieldSpec, t: Tok): number {
  if (/^\d+$/.test(t.image)) {
    const n = Number(t.image);
    if (n < spec.min || n > spec.max) fail(`${spec.name} ${t.image} is out of range ${spec.min}–${spec.max}`, t.startOffset, end(t));
    return n;
  }
  const i = spec.names?.indexOf(t.image.toLowerCase()) ?? -1;
  if (i < 0) {
    const names = spec.names ? ` or a name (${spec.names.map((n) => n.toUpperCase()).join(', ')})` : '';
    fail(`${spec.name} must be a number ${spec.min}–${spec.max}${names}, found "${t.image}"`, t.startOffset, end(t));
  }
  return i + spec.base!;
}

/** The set of values one field selects (indexable by value), and whether it starts with `*` (Vixie's DOM_STAR/DOW_STAR). */
function cronField(spec: CronFieldSpec, items: CronItem[]): FieldSet {
  const set: boolean[] = [];
  let prev: Tok | undefined;
  for (const item of items) {
    for (const t of [item.comma, item.first, item.dash, item.last, item.slash, item.step]) {
      if (!t) continue;
      if (prev && t.startOffset !== end(prev)) fail(`unexpected space inside the ${spec.name} field`, end(prev), t.startOffset);
      prev = t;
    }
    let lo = spec.min;
    let hi = spec.max === 7 ? 6 : spec.max; // `*` in day-of-week: 7 only repeats Sunday
    if (item.first.image === '*') {
      if (item.dash) fail(`a range cannot start with "*" in the ${spec.name} field`, item.first.startOffset, end(item.dash));
    } else {
      lo = hi = cronValue(spec, item.first);
      if (item.dash) {
        if (!item.last) fail(`expected a value after "-" in the ${spec.name} field`, item.dash.startOffset, end(item.dash));
        hi = cronValue(spec, item.last);
        if (hi < lo) fail(`range ${item.first.image}-${item.last.image} is backwards in the ${spec.name} field`, item.first.startOffset, end(item.last));
      } else if (item.slash) {
        fail(`a step needs a range in the ${spec.name} field: write ${item.first.image}-${spec.max}/… or */…`, item.first.startOffset, end(item.step ?? item.slash));
      }
    }
    let step = 1;
    if (item.slash) {
      if (!item.step) fail(`expected a number after "/" in the ${spec.name} field`, item.slash.startOffset, end(item.slash));
      step = Number(item.step.image);
      if (step < 1) fail(`a step must be at least 1`, item.step.startOffset, end(item.step));
    }
    for (let v = lo; v <= hi; v += step) set[spec.max === 7 && v === 7 ? 0 : v] = true;
  }
  return { set, star: items[0]!.first.image === '*' };
}

/** Fields of every cron the grammar has expanded, by normalised text (bounded like the value memo). */
const expandedCrons = new Map<string, CronFields>();

/**
 * The fields of a 5-field cron (as in `Schedule.cron`), expanded by the same grammar that checks it, or
 * null when it is not a valid cron. Emitters use this instead of parsing cron text again.
 */
export function cronFields(cron: string): CronFields | null {
  const known = expandedCrons.get(cron);
  if (known) return known;
  let schedule: Schedule;
  try {
    // The grammar itself, not the memoised parse: a memo hit would not expand the fields again.
    schedule = grammar('schedule', `cron(${cron})`) as Schedule;
  } catch {
    return null;
  }
  return schedule.cron === null ? null : (expandedCrons.get(schedule.cron) ?? null);
}

/** 2001-01-01 is a Monday. */
const CYCLE_START_YEAR = 2001;
/**
 * Two 28-year cycles: within 1901–2099 the calendar (leap years × weekdays) repeats every 28 years,
 * so the runs are periodic with that period and every gap, up to a whole cycle long, shows up.
 */
const CYCLE_YEARS = 56;

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
}

type FieldSet = { set: boolean[]; star: boolean };

/**
 * Longest and shortest distance, in days, between consecutive days on which a cron runs, or null
 * when no day matches. Depends only on the three day fields, so it is cached by their text.
 */
const dayGapCache = new Map<string, { max: number; min: number } | null>();
function dayGaps(key: string, dom: FieldSet, month: FieldSet, dow: FieldSet): { max: number; min: number } | null {
  const cached = dayGapCache.get(key);
  if (cached !== undefined) return cached;
  // Standard cron: with both day fields restricted a day matches either; otherwise both must match.
  const either = !dom.star && !dow.star;
  let day = 0;
  let weekday = 1;
  let last = -1;
  let max = 0;
  let min = Infinity;
  for (let y = CYCLE_START_YEAR; y < CYCLE_START_YEAR + CYCLE_YEARS; y++) {
    for (let mo = 1; mo <= 12; mo++) {
      const len = daysInMonth(y, mo);
      for (let d = 1; d <= len; d++, day++, weekday = (weekday + 1) % 7) {
        if (!month.set[mo]) continue;
        const a = dom.set[d] === true;
        const b = dow.set[weekday] === true;
        if (!(either ? a || b : a && b)) continue;
        if (last >= 0) {
          max = Math.max(max, day - last);
          min = Math.min(min, day - last);
        }
        last = day;
      }
    }
  }
  const result = min === Infinity ? null : { max, min };
  if (dayGapCache.size >= 1000) dayGapCache.clear();
  dayGapCache.set(key, result);
  return result;
}

/** Exact longest and shortest gap (seconds) between consecutive runs, or null when it never runs. */
function cronGaps(fields: string[], f: FieldSet[]): { max: number; min: number } | null {
  const [minute, hour, dom, month, dow] = f as [FieldSet, FieldSet, FieldSet, FieldSet, FieldSet];
  const days = dayGaps(fields.slice(2).join(' '), dom, month, dow);
  const times: number[] = []; // minutes of the day, ascending
  for (let h = 0; h < 24; h++) {
    if (hour.set[h]) for (let m = 0; m < 60; m++) if (minute.set[m]) times.push(h * 60 + m);
  }
  if (!days || times.length === 0) return null;
  // Consecutive runs are either within one day or from the last run of a day to the first of the next run day.
  const wrap = times[0]! - times[times.length - 1]!;
  let max = days.max * 1440 + wrap;
  let min = days.min * 1440 + wrap;
  for (let i = 1; i < times.length; i++) {
    max = Math.max(max, times[i]! - times[i - 1]!);
    min = Math.min(min, times[i]! - times[i - 1]!);
  }
  return { max: max * 60, min: min * 60 };
}

function cronSchedule(text: string, source: string, kw: Tok, lp: Tok | undefined, fields: CronItem[][], rp: Tok | undefined, next: Tok): Schedule {
  if (!lp) failAt(`expected "(" after "cron": write cron(0 2 * * *)`, next, kw);
  if (!rp) {
    if (isEnd(next)) fail(`expected ")" to close "cron("`, kw.startOffset, source.trimEnd().length);
    fail(`unexpected ${found(next)} in cron(...)`, next.startOffset, end(next));
  }
  const spans = fields.map((items) => {
    const last = items[items.length - 1]!;
    return [items[0]!.first.startOffset, end(last.step ?? last.slash ?? last.last ?? last.dash ?? last.first)] as const;
  });
  if (fields.length !== 5) {
    const [from, to] = fields.length > 5 ? [spans[5]![0], spans[spans.length - 1]![1]] : [lp.startOffset, end(rp)];
    fail(`cron needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`, from, to);
  }
  for (let i = 1; i < 5; i++) {
    if (spans[i]![0] === spans[i - 1]![1]) fail(`expected a space between cron fields`, spans[i - 1]![0], spans[i]![1]);
  }
  const sets = fields.map((items, i) => cronField(CRON_FIELDS[i]!, items));
  const texts = spans.map(([a, b]) => source.slice(a, b));
  const cron = texts.join(' ');
  const field = (i: number): CronField => ({
    values: sets[i]!.set.flatMap((on, v) => (on ? [v] : [])),
    any: texts[i] === '*',
  });
  if (expandedCrons.size >= 10_000) expandedCrons.clear();
  expandedCrons.set(cron, { minute: field(0), hour: field(1), dayOfMonth: field(2), month: field(3), dayOfWeek: field(4) });
  const gaps = cronGaps(texts, sets);
  if (!gaps) fail(`cron(${cron}) never runs: no date matches its day-of-month and month`, kw.startOffset, end(rp));
  return {
    text,
    kind: 'cron',
    maxGapSeconds: gaps.max,
    minGapSeconds: gaps.min,
    cron,
    intervalSeconds: null,
    words: `cron ${cron}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Lexer and grammar

const Word = createToken({ name: 'Word', pattern: Lexer.NA });
const FreqWordTok = createToken({ name: 'FreqWord', pattern: Lexer.NA });
const Num = createToken({ name: 'Num', pattern: Lexer.NA });
const Ident = createToken({ name: 'Ident', pattern: /[A-Za-z]+/, categories: [Word] });
const keyword = (word: string, extra: (typeof Word)[] = []) =>
  createToken({ name: `Kw_${word}`, pattern: new RegExp(word), longer_alt: Ident, categories: [Word, ...extra] });
const Every = keyword('every');
const At = keyword('at');
const On = keyword('on');
const Cron = keyword('cron');
const FREQ_TOKENS = FREQUENCY_WORDS.map((w) => keyword(w, [FreqWordTok]));
const Decimal = createToken({ name: 'Decimal', pattern: /\d+\.\d+/, categories: [Num] });
const Int = createToken({ name: 'Int', pattern: /\d+/, categories: [Num] });
const punct = (name: string, ch: string) => createToken({ name, pattern: ch });
const Colon = punct('Colon', ':');
const Slash = punct('Slash', '/');
const Comma = punct('Comma', ',');
const Dash = punct('Dash', '-');
const Star = punct('Star', '*');
const LParen = punct('LParen', '(');
const RParen = punct('RParen', ')');
const Space = createToken({ name: 'Space', pattern: /\s+/, group: Lexer.SKIPPED });

const TOKENS = [
  Space, Word, FreqWordTok, Num, Every, At, On, Cron, ...FREQ_TOKENS, Ident,
  Decimal, Int, Colon, Slash, Comma, Dash, Star, LParen, RParen,
];

class ValueParser extends EmbeddedActionsParser {
  /** The text being parsed, for slicing and the frequency/schedule `text` field. */
  source = '';

  constructor() {
    super(TOKENS, { recoveryEnabled: false, skipValidations: SKIP_GRAMMAR_VALIDATIONS });
    this.performSelfAnalysis();
  }

  private trimmed = (): string => this.source.trim();

  located = this.RULE('located', (): Located<Duration> => {
    const first = this.CONSUME(Num);
    const unit = this.OPTION(() => this.CONSUME(Word));
    return this.ACTION(() => ({ value: duration(first, unit), first, last: unit ?? first }));
  });

  duration = this.RULE('duration', (): Duration => this.SUBRULE(this.located)?.value);

  size = this.RULE('size', (): Size => {
    const num = this.CONSUME(Num);
    const unit = this.OPTION(() => this.CONSUME(Word));
    return this.ACTION(() => size(num, unit));
  });

  rate = this.RULE('rate', (): Rate => {
    const num = this.CONSUME(Num);
    const unit = this.OPTION(() => this.CONSUME(Word));
    let slash: IToken | undefined;
    let per: IToken | undefined;
    this.OPTION2(() => {
      slash = this.CONSUME(Slash);
      per = this.OPTION3(() => this.CONSUME2(Word));
    });
    return this.ACTION(() => rate(num, unit, slash, per, this.LA(1)));
  });

  every = this.RULE('every', (): Frequency => {
    const every = this.CONSUME(Every);
    const d = this.OPTION(() => this.SUBRULE(this.located));
    return this.ACTION(() => everyFrequency(every, d, this.LA(1)));
  });

  /** A bare duration where a frequency was expected: suggest `every`. */
  private bareDuration = this.RULE('bareDuration', (): never => {
    const d = this.SUBRULE(this.located);
    return this.ACTION(() => fail(`a frequency is a word or "every <duration>": write every ${d.value.text}`, d.first.startOffset, end(d.last)));
  });

  frequency = this.RULE('frequency', (): Frequency =>
    this.OR([
      { ALT: () => {
        const w = this.CONSUME(FreqWordTok);
        return this.ACTION(() => wordFrequency(w.image as FrequencyWord));
      } },
      { ALT: () => this.SUBRULE(this.every) },
      { ALT: () => {
        const t = this.CONSUME(Ident);
        return this.ACTION(() => unknownWord(t, 'frequency'));
      } },
      { ALT: () => this.SUBRULE(this.bareDuration) },
    ]),
  );

  private time = this.RULE('time', (): TimeToks => {
    const h = this.OPTION(() => this.CONSUME(Int));
    const colon = this.OPTION2(() => this.CONSUME(Colon));
    const m = this.OPTION3(() => this.CONSUME2(Int));
    return { h, colon, m };
  });

  private cronItem = this.RULE('cronItem', (): CronItem => {
    const first = this.OR([
      { ALT: () => this.CONSUME(Star) },
      { ALT: () => this.CONSUME(Int) },
      { ALT: () => this.CONSUME(Word) },
    ]);
    const item: CronItem = { first };
    this.OPTION(() => {
      item.dash = this.CONSUME(Dash);
      item.last = this.OPTION2(() =>
        this.OR2([{ ALT: () => this.CONSUME2(Int) }, { ALT: () => this.CONSUME2(Word) }]),
      );
    });
    this.OPTION3(() => {
      item.slash = this.CONSUME(Slash);
      item.step = this.OPTION4(() => this.CONSUME3(Int));
    });
    return item;
  });

  private cronField = this.RULE('cronField', (): CronItem[] => {
    const items = [this.SUBRULE(this.cronItem)];
    this.MANY(() => {
      const comma = this.CONSUME(Comma);
      const item = this.SUBRULE2(this.cronItem);
      items.push(item && { ...item, comma });
    });
    return items;
  });

  private cron = this.RULE('cron', (): Schedule => {
    const kw = this.CONSUME(Cron);
    const lp = this.OPTION(() => this.CONSUME(LParen));
    const fields: CronItem[][] = [];
    this.MANY(() => fields.push(this.SUBRULE(this.cronField)));
    const rp = this.OPTION2(() => this.CONSUME(RParen));
    return this.ACTION(() => cronSchedule(this.trimmed(), this.source, kw, lp, fields, rp, this.LA(1)));
  });

  schedule = this.RULE('schedule', (): Schedule =>
    this.OR([
      { ALT: () => {
        const w = this.CONSUME(FreqWordTok);
        let on: IToken | undefined;
        let arg: IToken | undefined;
        let at: IToken | undefined;
        let t: TimeToks = {};
        this.OPTION(() => {
          on = this.CONSUME(On);
          arg = this.OPTION2(() => this.OR2([{ ALT: () => this.CONSUME(Int) }, { ALT: () => this.CONSUME(Ident) }]));
        });
        this.OPTION3(() => {
          at = this.CONSUME(At);
          t = this.SUBRULE(this.time);
        });
        return this.ACTION(() => wordSchedule(this.trimmed(), w, on, arg, at, t, this.LA(1)));
      } },
      { ALT: () => {
        const f = this.SUBRULE(this.every);
        return this.ACTION(() => frequencySchedule(f.text, f));
      } },
      { ALT: () => this.SUBRULE(this.cron) },
      { ALT: () => {
        const t = this.CONSUME2(Ident);
        return this.ACTION(() => unknownWord(t, 'schedule'));
      } },
      { ALT: () => {
        // A bare cron string or duration: say how to write it.
        const t = this.OR3([{ ALT: () => this.CONSUME(Num) }, { ALT: () => this.CONSUME(Star) }]);
        return this.ACTION(() => bareSchedule(this.source, t));
      } },
    ]),
  );
}

function bareSchedule(source: string, t: Tok): never {
  const text = source.trim();
  const to = source.trimEnd().length;
  if (text.split(/\s+/).length === 5) fail(`a cron schedule is written cron(${text})`, t.startOffset, to);
  if (/^\d+[a-z]+$/.test(text)) fail(`a schedule is a frequency: write every ${text}`, t.startOffset, to);
  fail(`expected ${EXPECTED.schedule}, found "${text}"`, t.startOffset, to);
}

type Kind = 'duration' | 'size' | 'rate' | 'frequency' | 'schedule';

const EXPECTED: Record<Kind, string> = {
  duration: 'a duration: a whole number and a unit s, m, h, d, w or y (e.g. 15m)',
  size: `a size: a number and a unit ${SIZE_UNIT_LIST} (e.g. 200GiB)`,
  rate: 'a rate: a size per second (e.g. 300MiB/s)',
  frequency: 'a frequency: hourly, daily, weekly, monthly, quarterly, yearly or every <duration>',
  schedule: 'a schedule: a frequency, daily at HH:MM, weekly on <mon..sun> at HH:MM, monthly on <1..28> at HH:MM or cron(<5 fields>)',
};

let lexer: Lexer | undefined;
let parser: ValueParser | undefined;

function recognitionError(e: IRecognitionException, source: string, kind: Kind): ValueError {
  const t = e.token;
  const stop = source.trimEnd().length;
  if (isEnd(t) || Number.isNaN(t.startOffset)) {
    const before = source.trim();
    return new ValueError(`expected ${EXPECTED[kind]}${before ? ` after "${before}"` : ''}`, stop, 0);
  }
  if (t.image === '-' && (kind === 'duration' || kind === 'size' || kind === 'rate')) {
    return new ValueError(`a ${kind} cannot be negative`, t.startOffset, stop - t.startOffset);
  }
  if (e.name === 'NotAllInputParsedException') {
    const before = source.slice(0, t.startOffset).trim();
    return new ValueError(`unexpected "${source.slice(t.startOffset, stop)}" after "${before}"`, t.startOffset, stop - t.startOffset);
  }
  return new ValueError(`expected ${EXPECTED[kind]}, found "${t.image}"`, t.startOffset, t.image.length);
}

function grammar(kind: Kind, source: string): unknown {
  lexer ??= new Lexer(TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: false });
  parser ??= new ValueParser();
  const lexed = lexer.tokenize(source);
  const bad = lexed.errors[0];
  if (bad) {
    const what = source.slice(bad.offset, bad.offset + bad.length);
    fail(`unexpected character${bad.length > 1 ? 's' : ''} "${what}"`, bad.offset, bad.offset + bad.length);
  }
  parser.source = source;
  parser.input = lexed.tokens;
  const value = parser[kind]();
  const err = parser.errors[0];
  if (err) throw recognitionError(err, source, kind);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Fast paths and memo: lint calls these ~5 times per service.

const FAST_DURATION = /^(\d{1,12})([smhdwy])$/;
const FAST_SIZE = /^(\d{1,12}(?:\.\d{1,6})?)(B|[KMGT]i?B)(\/s)?$/;
const FAST_EVERY = /^every (\d{1,12})([smhdwy])$/;
const FAST_DAILY_AT = /^daily at (\d\d):(\d\d)$/;
/** cron( five fields of digits, `*`, `-`, `/` and `,` ) with single spaces: tokenized here as the lexer would. */
const FAST_CRON = /^cron\(([\d*,/-]+) ([\d*,/-]+) ([\d*,/-]+) ([\d*,/-]+) ([\d*,/-]+)\)$/;
const CRON_ITEM = /^(\*|\d+)(?:(-)(\d+))?(?:(\/)(\d+))?$/;

const tok = (image: string, startOffset: number): Tok => ({ image, startOffset });

/**
 * `daily at HH:MM` without the lexer: the tokens the grammar would pass to wordSchedule, which checks
 * the time itself (test/parser/values.test.ts compares every HH:MM with the grammar).
 */
function fastDailyAt(s: string): Schedule | null {
  const m = FAST_DAILY_AT.exec(s);
  if (!m) return null;
  const t = { h: tok(m[1]!, 9), colon: tok(':', 11), m: tok(m[2]!, 12) };
  return wordSchedule(s, tok('daily', 0), undefined, undefined, tok('at', 6), t, tok('', s.length));
}

/**
 * A cron of plain fields (`0`, `*`, a step of `*`, `1-5`, `0,30`, `10-50/20`) without the lexer: the items the
 * grammar would build, handed to the same cronSchedule, which does every check. Anything else (names,
 * odd spacing, a lone `-`) is left to the grammar (test/parser/values.test.ts compares the two).
 */
function fastCron(s: string): Schedule | null {
  const m = FAST_CRON.exec(s);
  if (!m) return null;
  const fields: CronItem[][] = [];
  let offset = 5; // after "cron("
  for (let f = 1; f <= 5; f++) {
    const items: CronItem[] = [];
    for (const [i, part] of m[f]!.split(',').entries()) {
      const p = CRON_ITEM.exec(part);
      if (!p) return null;
      const item: CronItem = { first: tok(p[1]!, offset) };
      if (i > 0) item.comma = tok(',', offset - 1);
      let at = offset + p[1]!.length;
      if (p[2]) {
        item.dash = tok('-', at);
        item.last = tok(p[3]!, at + 1);
        at += 1 + p[3]!.length;
      }
      if (p[4]) {
        item.slash = tok('/', at);
        item.step = tok(p[5]!, at + 1);
        at += 1 + p[5]!.length;
      }
      items.push(item);
      offset = at + 1; // past the comma (or the space after the field)
    }
    fields.push(items);
  }
  return cronSchedule(s, s, tok('cron', 0), tok('(', 4), fields, tok(')', s.length - 1), tok('', s.length));
}

function fast(kind: Kind, s: string): unknown {
  switch (kind) {
    case 'duration': {
      const m = FAST_DURATION.exec(s);
      return m && duration(tok(m[1]!, 0), tok(m[2]!, m[1]!.length));
    }
    case 'size':
    case 'rate': {
      const m = FAST_SIZE.exec(s);
      if (!m || (kind === 'rate') !== (m[3] !== undefined)) return null;
      const num = tok(m[1]!, 0);
      const unit = tok(m[2]!, m[1]!.length);
      if (kind === 'size') return size(num, unit);
      return rate(num, unit, tok('/', end(unit)), tok('s', end(unit) + 1), tok('', s.length));
    }
    case 'frequency':
    case 'schedule': {
      if (kind === 'schedule') {
        const schedule = s.startsWith('daily at ') ? fastDailyAt(s) : s.startsWith('cron(') ? fastCron(s) : null;
        if (schedule) return schedule;
      }
      let f: Frequency | null = null;
      if (isFrequencyWord(s)) f = wordFrequency(s);
      const m = f ? null : FAST_EVERY.exec(s);
      if (m) f = everyFrequency(tok('every', 0), locate(duration(tok(m[1]!, 6), tok(m[2]!, 6 + m[1]!.length))), tok('', s.length));
      if (!f || kind === 'frequency') return f;
      return frequencySchedule(f.text, f, isFrequencyWord(s) ? s : undefined);
    }
  }
}
const locate = (d: Duration): Located<Duration> => ({ value: d, first: tok(d.text, 6), last: tok('', 6 + d.text.length) });

const MEMO_LIMIT = 10_000;
const memo = new Map<string, ValueResult<unknown>>();

function parse<T>(kind: Kind, text: string): ValueResult<T> {
  if (typeof text !== 'string') return { ok: false, message: `expected ${EXPECTED[kind]}`, offset: 0, length: 0 };
  const key = `${kind}:${text}`;
  const hit = memo.get(key);
  if (hit) return hit as ValueResult<T>;
  const result = attempt(kind, text, () => fast(kind, text) ?? grammar(kind, text));
  if (memo.size >= MEMO_LIMIT) memo.clear(); // bounded; a policy rarely has this many distinct values
  memo.set(key, Object.freeze(result));
  return result as ValueResult<T>;
}

/** A parse's result: the value, or the error with its position. */
function attempt(kind: Kind, text: string, value: () => unknown): ValueResult<unknown> {
  try {
    if (text.trim() === '') fail(`empty value: expected ${EXPECTED[kind]}`, 0, text.length);
    return { ok: true, value: Object.freeze(value()) };
  } catch (e) {
    return e instanceof ValueError
      ? { ok: false, message: e.message, offset: e.offset, length: e.length }
      : { ok: false, message: `could not parse ${kind}: ${String(e)}`, offset: 0, length: text.length };
  }
}

/** The grammar alone, without the fast paths or the memo: the tests check that the fast paths agree with it. */
export function parseWithGrammar(kind: Kind, text: string): ValueResult<unknown> {
  return attempt(kind, text, () => grammar(kind, text));
}

/** The fast paths alone (null when none takes the text), for the same tests. */
export function parseWithFastPath(kind: Kind, text: string): ValueResult<unknown> | null {
  let taken = true;
  const result = attempt(kind, text, () => fast(kind, text) ?? ((taken = false), null));
  return taken ? result : null;
}

// ---------------------------------------------------------------------------------------------
// API

export function parseDuration(text: string): ValueResult<Duration> {
  return parse('duration', text);
}
export function parseSize(text: string): ValueResult<Size> {
  return parse('size', text);
}
export function parseRate(text: string): ValueResult<Rate> {
  return parse('rate', text);
}
export function parseFrequency(text: string): ValueResult<Frequency> {
  return parse('frequency', text);
}
export function parseSchedule(text: string): ValueResult<Schedule> {
  return parse('schedule', text);
}

function durationUnit(seconds: number): [string, number] {
  for (const [unit, factor] of DURATION_UNITS) if (seconds % factor === 0) return [unit, seconds / factor];
  return ['s', seconds];
}

/** Canonical short text: the largest unit that divides evenly (3600 → 1h, 5400 → 90m, 604800 → 1w). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (!Number.isInteger(seconds)) return `${Math.round(seconds * 1000) / 1000}s`;
  if (seconds === 0) return '0s';
  const [unit, n] = durationUnit(seconds);
  return `${n}${unit}`;
}

/** Words for messages: "15 minutes", "1 hour", "30 days". */
export function durationWords(seconds: number): string {
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds) || seconds < 0) return formatDuration(seconds);
  const [unit, n] = seconds === 0 ? ['s', 0] : durationUnit(seconds);
  return `${n} ${UNIT_WORDS[unit]}${n === 1 ? '' : 's'}`;
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
const DECIMAL = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Human size: binary units when exact to two decimals (200 GiB), else decimal when exact (1.5 TB), else ≈ binary. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  const scaled = (base: number, units: string[]): [number, string] => {
    let k = 0;
    while (k < units.length - 1 && bytes >= base ** (k + 1)) k++;
    return [bytes / base ** k, units[k]!];
  };
  const exact = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9;
  const show = ([v, u]: [number, string]) => `${Math.round(v * 100) / 100} ${u}`;
  const binary = scaled(1024, BINARY);
  if (exact(binary[0])) return show(binary);
  const decimal = scaled(1000, DECIMAL);
  if (exact(decimal[0])) return show(decimal);
  return show(binary);
}
