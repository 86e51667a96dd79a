import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  durationWords,
  formatBytes,
  formatDuration,
  parseDuration,
  parseFrequency,
  parseRate,
  parseSchedule,
  parseSize,
  parseWithFastPath,
  parseWithGrammar,
} from '../../src/parser/values.js';
import type { ValueResult } from '../../src/parser/value-types.js';

const M = 60;
const H = 3600;
const D = 86400;

function ok<T>(r: ValueResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got: ${r.message} @${r.offset}+${r.length}`);
  return r.value;
}

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['15m', 15 * M],
    ['1h', H],
    ['30d', 30 * D],
    ['2w', 14 * D],
    ['7y', 7 * 365 * D],
    ['0s', 0],
    [' 4h ', 4 * H],
  ])('%s = %i seconds', (text, seconds) => {
    expect(ok(parseDuration(text))).toEqual({ seconds, text: text.trim() });
  });
});

describe('sizes and rates', () => {
  it.each([
    ['1B', 1],
    ['10KB', 10_000],
    ['5MB', 5e6],
    ['2GB', 2e9],
    ['1.5TB', 1.5e12],
    ['1KiB', 1024],
    ['300MiB', 300 * 1024 ** 2],
    ['200GiB', 200 * 1024 ** 3],
    ['2TiB', 2 * 1024 ** 4],
    ['0.5GiB', 512 * 1024 ** 2],
    ['1.1KiB', 1126],
  ])('size %s = %i bytes', (text, bytes) => {
    expect(ok(parseSize(text))).toEqual({ bytes, text });
  });

  it.each([
    ['300MiB/s', 300 * 1024 ** 2],
    ['1.5GB/s', 1.5e9],
    ['100KB/s', 1e5],
  ])('rate %s = %i B/s', (text, bytesPerSecond) => {
    expect(ok(parseRate(text))).toEqual({ bytesPerSecond, text });
  });
});

describe('frequencies', () => {
  it.each([
    ['hourly', H, 'hourly'],
    ['daily', D, 'daily'],
    ['weekly', 7 * D, 'weekly'],
    ['monthly', 31 * D, 'monthly'],
    ['quarterly', 92 * D, 'quarterly'],
    ['yearly', 366 * D, 'yearly'],
    ['every 6h', 6 * H, 'every 6 hours'],
    ['every 1h', H, 'every hour'],
    ['every 90m', 90 * M, 'every 90 minutes'],
    ['every 2w', 14 * D, 'every 2 weeks'],
  ])('%s: max gap %i', (text, maxGapSeconds, words) => {
    expect(ok(parseFrequency(text))).toEqual({ text, maxGapSeconds, words });
  });
});

describe('schedules', () => {
  it.each([
    // text, kind, max gap, min gap, cron, interval, words
    ['hourly', 'frequency', H, H, '0 * * * *', H, 'hourly'],
    ['daily', 'frequency', D, D, '0 0 * * *', D, 'daily'],
    ['weekly', 'frequency', 7 * D, 7 * D, '0 0 * * 0', 7 * D, 'weekly'],
    ['monthly', 'frequency', 31 * D, 28 * D, '0 0 1 * *', 31 * D, 'monthly'],
    ['quarterly', 'frequency', 92 * D, 90 * D, '0 0 1 1,4,7,10 *', 92 * D, 'quarterly'],
    ['yearly', 'frequency', 366 * D, 365 * D, '0 0 1 1 *', 366 * D, 'yearly'],
    ['every 15m', 'frequency', 15 * M, 15 * M, '*/15 * * * *', 15 * M, 'every 15 minutes'],
    ['every 1m', 'frequency', M, M, '* * * * *', M, 'every minute'],
    ['every 6h', 'frequency', 6 * H, 6 * H, '0 */6 * * *', 6 * H, 'every 6 hours'],
    ['every 60m', 'frequency', H, H, '0 * * * *', H, 'every hour'],
    ['every 1d', 'frequency', D, D, '0 0 * * *', D, 'every day'],
    ['every 7d', 'frequency', 7 * D, 7 * D, '0 0 * * 0', 7 * D, 'every week'],
    ['every 1w', 'frequency', 7 * D, 7 * D, '0 0 * * 0', 7 * D, 'every week'],
    ['every 90m', 'frequency', 90 * M, 90 * M, null, 90 * M, 'every 90 minutes'],
    ['every 7m', 'frequency', 7 * M, 7 * M, null, 7 * M, 'every 7 minutes'],
    ['every 5h', 'frequency', 5 * H, 5 * H, null, 5 * H, 'every 5 hours'],
    ['every 2d', 'frequency', 2 * D, 2 * D, null, 2 * D, 'every 2 days'],
    ['every 30s', 'frequency', 30, 30, null, 30, 'every 30 seconds'],
    ['daily at 02:30', 'daily', D, D, '30 2 * * *', null, 'daily at 02:30'],
    ['daily at 00:00', 'daily', D, D, '0 0 * * *', null, 'daily at 00:00'],
    ['daily at 23:59', 'daily', D, D, '59 23 * * *', null, 'daily at 23:59'],
    ['weekly on mon at 03:00', 'weekly', 7 * D, 7 * D, '0 3 * * 1', null, 'weekly on Monday at 03:00'],
    ['weekly on sun at 00:15', 'weekly', 7 * D, 7 * D, '15 0 * * 0', null, 'weekly on Sunday at 00:15'],
    ['monthly on 5 at 01:00', 'monthly', 31 * D, 28 * D, '0 1 5 * *', null, 'monthly on the 5th at 01:00'],
    ['monthly on 28 at 23:00', 'monthly', 31 * D, 28 * D, '0 23 28 * *', null, 'monthly on the 28th at 23:00'],
  ])('%s', (text, kind, maxGapSeconds, minGapSeconds, cron, intervalSeconds, words) => {
    expect(ok(parseSchedule(text))).toEqual({ text, kind, maxGapSeconds, minGapSeconds, cron, intervalSeconds, words });
  });

  it.each([
    // cron body, max gap, min gap
    ['0 1,2,23 * * *', 21 * H, H],
    ['*/15 * * * *', 15 * M, 15 * M],
    ['* * * * *', M, M],
    ['0 */6 * * *', 6 * H, 6 * H],
    ['0 2 * * 1-5', 72 * H, 24 * H],
    ['0 2 * * MON-FRI', 72 * H, 24 * H],
    ['0 0 1 * *', 31 * D, 28 * D],
    ['0 0 1 1,4,7,10 *', 92 * D, 90 * D],
    ['0 0 1 JAN,apr,Jul,OCT *', 92 * D, 90 * D],
    ['0 3 * * SUN', 7 * D, 7 * D],
    ['0 3 * * 0', 7 * D, 7 * D],
    ['0 3 * * 7', 7 * D, 7 * D],
    ['0 0 31 * *', 61 * D, 31 * D], // Aug 31 → Oct 31
    ['0 0 29 2 *', 1461 * D, 1461 * D], // leap days only
    ['30 4 1-31/2 * *', 2 * D, D], // 31st → 1st
    ['0 0 1 * 1', 7 * D, D], // day-of-month OR day-of-week: the 1st or any Monday
    ['0 0 13 * 5', 7 * D, D], // the 13th or any Friday, not Friday the 13th
    ['0 0 */2 * 1', 21 * D, 7 * D], // "*"-prefixed day-of-month: both must match (Vixie cron); Mar 19 → Apr 9
    ['0 0 1-7 * *', 25 * D, D],
  ])('cron(%s): max gap %i, min gap %i', (body, max, min) => {
    const s = ok(parseSchedule(`cron(${body})`));
    expect(s).toMatchObject({ kind: 'cron', cron: body, maxGapSeconds: max, minGapSeconds: min, intervalSeconds: null });
    expect(s.words).toBe(`cron ${body}`);
  });

  it('normalizes the cron fields to single spaces', () => {
    expect(ok(parseSchedule('cron(  0   2 * *  * )')).cron).toBe('0 2 * * *');
  });

  it('gives frequency words the gaps of their canonical crons', () => {
    for (const word of ['hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly']) {
      const f = ok(parseSchedule(word));
      const c = ok(parseSchedule(`cron(${f.cron})`));
      expect([word, c.maxGapSeconds, c.minGapSeconds]).toEqual([word, f.maxGapSeconds, f.minGapSeconds]);
    }
  });

  it('gives every <duration> crons that run at exactly that interval', () => {
    for (const text of ['every 1m', 'every 5m', 'every 20m', 'every 30m', 'every 2h', 'every 8h', 'every 12h', 'every 24h']) {
      const s = ok(parseSchedule(text));
      const c = ok(parseSchedule(`cron(${s.cron})`));
      expect([text, c.maxGapSeconds, c.minGapSeconds]).toEqual([text, s.intervalSeconds, s.intervalSeconds]);
    }
  });
});

describe('invalid values', () => {
  type Parse = (t: string) => ValueResult<unknown>;
  const d: Parse = parseDuration;
  const sz: Parse = parseSize;
  const r: Parse = parseRate;
  const f: Parse = parseFrequency;
  const s: Parse = parseSchedule;
  const cases: [string, Parse, string, string, number, number][] = [
    // name, parser, text, message fragment, offset, length
    ['duration', d, '15', 'expected a unit (s, m, h, d, w, y) after "15"', 0, 2],
    ['duration', d, '0', '"0" is not a duration', 0, 1],
    ['duration', d, '15mins', 'unknown unit "mins" (expected s, m, h, d, w, y); did you mean "m"', 2, 4],
    ['duration', d, '3M', 'did you mean "m"', 1, 1],
    ['duration', d, '1mo', 'no month unit', 1, 2],
    ['duration', d, '15 m', 'unexpected space', 2, 1],
    ['duration', d, '1.5h', 'whole number: write 90m', 0, 4],
    ['duration', d, '-5m', 'cannot be negative', 0, 3],
    ['duration', d, '15m 30s', 'unexpected "30s" after "15m"', 4, 3],
    ['duration', d, '', 'empty value', 0, 0],
    ['duration', d, 'm', 'expected a duration', 0, 1],
    ['duration', d, '15m!', 'unexpected character "!"', 3, 1],
    ['duration', d, '99999999999999999y', 'too large', 0, 18],
    ['size', sz, '200', 'expected a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB) after "200"', 0, 3],
    ['size', sz, '200gib', 'did you mean "GiB"', 3, 3],
    ['size', sz, '200G', 'did you mean "GiB" or "GB"', 3, 1],
    ['size', sz, '1.5B', 'whole number', 0, 4],
    ['size', sz, '1.TB', 'unexpected character "."', 1, 1],
    ['rate', r, '300MiB', 'expected "/s" after "300MiB"', 0, 6],
    ['rate', r, '300MiB/h', 'expected "/s"', 6, 2],
    ['rate', r, '0MiB/s', 'greater than zero', 0, 6],
    ['rate', r, '300MiB /s', 'unexpected space', 6, 1],
    ['frequency', f, 'montly', 'did you mean monthly?', 0, 6],
    ['frequency', f, 'Weekly', 'did you mean weekly?', 0, 6],
    ['frequency', f, 'annually', 'did you mean yearly?', 0, 8],
    ['frequency', f, 'every', 'expected a duration after "every"', 0, 5],
    ['frequency', f, 'every month', 'expected a duration after "every", e.g. every 6h, found "month"', 6, 5],
    ['frequency', f, 'every 0s', 'greater than zero', 6, 2],
    ['frequency', f, 'every 0', '"0" is not a duration', 6, 1],
    ['frequency', f, 'every6h', 'expected a space between "every" and "6"', 0, 6],
    ['frequency', f, '6h', 'write every 6h', 0, 2],
    ['frequency', f, 'daily at 02:30', 'unexpected "at 02:30" after "daily"', 6, 8],
    ['schedule', s, 'dialy', 'did you mean daily?', 0, 5],
    ['schedule', s, 'daily at 2:30', 'expected HH:MM (00:00–23:59), found "2:30"; write 02:30', 9, 4],
    ['schedule', s, 'daily at 24:00', 'expected HH:MM (00:00–23:59)', 9, 5],
    ['schedule', s, 'daily at 12:60', 'expected HH:MM (00:00–23:59)', 9, 5],
    ['schedule', s, 'daily at noon', 'expected HH:MM (00:00–23:59) after "at", found "noon"', 9, 4],
    ['schedule', s, 'daily at', 'expected HH:MM', 6, 2],
    ['schedule', s, 'daily at 02:30 UTC', 'unexpected "UTC"', 15, 3],
    ['schedule', s, 'daily on mon at 02:00', '"daily" takes no "on"', 6, 2],
    ['schedule', s, 'hourly at 00:15', '"hourly" takes no "at"', 7, 2],
    ['schedule', s, 'weekly at 03:00', 'expected "on <mon..sun>"', 7, 2],
    ['schedule', s, 'weekly on Monday at 03:00', 'did you mean mon?', 10, 6],
    ['schedule', s, 'weekly on 1 at 03:00', 'expected a day of the week', 10, 1],
    ['schedule', s, 'weekly on mon', 'expected "at HH:MM" after "mon"', 10, 3],
    ['schedule', s, 'monthly on 31 at 01:00', 'day of month must be 1–28 (not every month has 31 days', 11, 2],
    ['schedule', s, 'monthly on 0 at 01:00', 'day of month must be 1–28 (days are counted from 1)', 11, 1],
    ['schedule', s, 'monthly on mon at 01:00', 'expected a day of the month (1–28)', 11, 3],
    ['schedule', s, 'cron(0 0 1 * * *)', 'cron needs 5 fields (minute hour day-of-month month day-of-week), got 6', 15, 1],
    ['schedule', s, 'cron(0 0 1 *)', 'got 4', 4, 9],
    ['schedule', s, 'cron(61 0 1 * *)', 'minute 61 is out of range 0–59', 5, 2],
    ['schedule', s, 'cron(0 24 * * *)', 'hour 24 is out of range 0–23', 7, 2],
    ['schedule', s, 'cron(0 0 32 * *)', 'day-of-month 32 is out of range 1–31', 9, 2],
    ['schedule', s, 'cron(0 0 1 13 *)', 'month 13 is out of range 1–12', 11, 2],
    ['schedule', s, 'cron(0 0 * * 8)', 'day-of-week 8 is out of range 0–7', 13, 1],
    ['schedule', s, 'cron(0 0 * FOO *)', 'month must be a number 1–12 or a name', 11, 3],
    ['schedule', s, 'cron(MON 0 * * *)', 'minute must be a number 0–59', 5, 3],
    ['schedule', s, 'cron(*/0 * * * *)', 'step must be at least 1', 7, 1],
    ['schedule', s, 'cron(5-1 * * * *)', 'range 5-1 is backwards', 5, 3],
    ['schedule', s, 'cron(5/15 * * * *)', 'a step needs a range', 5, 4],
    ['schedule', s, 'cron(1, 2 * * * *)', 'unexpected space inside the minute field', 7, 1],
    ['schedule', s, 'cron(0 0 ? * MON)', 'unexpected character "?"', 9, 1],
    ['schedule', s, 'cron(0 0 30 2 *)', 'never runs', 0, 16],
    ['schedule', s, 'cron(0 2 * * *', 'expected ")" to close "cron("', 0, 14],
    ['schedule', s, 'cron 0 2 * * *', 'expected "(" after "cron"', 0, 4],
    ['schedule', s, '0 2 * * *', 'a cron schedule is written cron(0 2 * * *)', 0, 9],
    ['schedule', s, '6h', 'write every 6h', 0, 2],
    ['schedule', s, '(', 'expected a schedule', 0, 1],
  ];
  it.each(cases.map((c) => ({ name: `${c[0]} ${JSON.stringify(c[2])}`, c })))('$name', ({ c: [, parse, text, fragment, offset, length] }) => {
    const res = parse(text);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.message).toContain(fragment);
    expect([res.offset, res.length]).toEqual([offset, length]);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0s', '0 seconds'],
    [1, '1s', '1 second'],
    [90, '90s', '90 seconds'],
    [900, '15m', '15 minutes'],
    [3600, '1h', '1 hour'],
    [5400, '90m', '90 minutes'],
    [21600, '6h', '6 hours'],
    [86400, '1d', '1 day'],
    [604800, '1w', '1 week'],
    [2592000, '30d', '30 days'],
    [31536000, '1y', '1 year'],
    [366 * D, '366d', '366 days'],
  ])('%i seconds: %s, %s', (seconds, short, words) => {
    expect(formatDuration(seconds)).toBe(short);
    expect(durationWords(seconds)).toBe(words);
    if (seconds > 0) expect(ok(parseDuration(short)).seconds).toBe(seconds);
  });

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [200 * 1024 ** 3, '200 GiB'],
    [300 * 1024 ** 2, '300 MiB'],
    [1.5e12, '1.5 TB'],
    [1e9, '1 GB'],
    [12345678, '11.77 MiB'],
  ])('%i bytes: %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('properties', () => {
  const parsers = [parseDuration, parseSize, parseRate, parseFrequency, parseSchedule];
  const inBounds = (text: string, r: ValueResult<unknown>) =>
    r.ok ||
    (Number.isInteger(r.offset) && Number.isInteger(r.length) && r.offset >= 0 && r.length >= 0 && r.offset + r.length <= text.length);
  // Strings built from the grammar's own alphabet reach deep into it; arbitrary strings cover the rest.
  const alphabet = fc.constantFrom(...'0123456789 smhdwyBKMGTi/:,-*()every daily at on monthly cron mon jan .?'.split(''));
  const pieces = fc.constantFrom('every ', 'daily', ' at ', '02:30', 'weekly on ', 'mon', 'cron(', ')', '*/15', ' * ', '1-5', 'MiB', '/s', '15', 'm', '1.5', ' ');
  const inputs = fc.oneof(fc.string(), fc.string({ unit: alphabet }), fc.array(pieces, { maxLength: 8 }).map((a) => a.join('')));

  it('never throws, and errors point inside the text', () => {
    fc.assert(
      fc.property(inputs, (text) => {
        for (const parse of parsers) {
          const r = parse(text);
          expect(inBounds(text, r)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips durations through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 10 }), (seconds) => {
        expect(ok(parseDuration(formatDuration(seconds))).seconds).toBe(seconds);
      }),
    );
  });

  it('never throws on non-string input', () => {
    for (const parse of parsers) expect(parse(undefined as unknown as string).ok).toBe(false);
  });
});

describe('cronFields', () => {
  it('expands each field with the grammar, 7 counting as Sunday, and marks a bare *', async () => {
    const { cronFields } = await import('../../src/parser/values.js');
    const fields = cronFields('*/15 1,2,23 * JAN-MAR 5-7')!;
    expect(fields.minute).toEqual({ values: [0, 15, 30, 45], any: false });
    expect(fields.hour.values).toEqual([1, 2, 23]);
    expect(fields.dayOfMonth).toEqual({ values: Array.from({ length: 31 }, (_, i) => i + 1), any: true });
    expect(fields.month.values).toEqual([1, 2, 3]);
    expect(fields.dayOfWeek.values).toEqual([0, 5, 6]);
    expect(cronFields('61 * * * *')).toBeNull();
    expect(cronFields('0 2 * *')).toBeNull();
  });
});

describe('fast paths for daily at and cron(...) agree with the grammar', () => {
  it('every daily at HH:MM, valid or not', () => {
    let taken = 0;
    for (let h = 0; h < 100; h++) {
      for (let m = 0; m < 100; m++) {
        const text = `daily at ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
        const fast = parseWithFastPath('schedule', text);
        expect(fast, text).not.toBeNull();
        expect(fast, text).toEqual(parseWithGrammar('schedule', text));
        if (fast!.ok) taken++;
      }
    }
    expect(taken).toBe(24 * 60);
  });

  it('any cron(...) of digits, *, -, / and , (valid or not), and the grammar alone for anything else', () => {
    const part = fc.oneof(
      {
        arbitrary: fc.constantFrom('*', '0', '5', '07', '23', '59', '60', '99', '1-5', '5-1', '*/6', '*/0', '0-59/15', '1-31/2', '*-5', '5/2', '7', '0,30', '1-5,10-15'),
        weight: 9,
      },
      { arbitrary: fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '*', '-', '/', ','), minLength: 1, maxLength: 6 }), weight: 1 },
    );
    const spacing = fc.oneof({ arbitrary: fc.constant(' '), weight: 8 }, { arbitrary: fc.constantFrom('  ', ''), weight: 1 });
    const count = fc.oneof({ arbitrary: fc.constant(5), weight: 8 }, { arbitrary: fc.constantFrom(4, 6), weight: 1 });
    const cron = fc
      .tuple(count.chain((n) => fc.array(part, { minLength: n, maxLength: n })), spacing)
      .map(([fields, space]) => `cron(${fields.join(space)})`);
    let taken = 0;
    fc.assert(
      fc.property(cron, (text) => {
        const fast = parseWithFastPath('schedule', text);
        if (fast === null) return; // not the plain form: the grammar alone parses it
        taken++;
        expect(fast).toEqual(parseWithGrammar('schedule', text));
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(1000);
    // The common forms do take the fast path, with the grammar's value.
    for (const text of ['cron(0 */6 * * *)', 'cron(15 2 * * 1-5)', 'cron(0,30 9-17 * * *)', 'cron(0 3 1,15 * 0)']) {
      const fast = parseWithFastPath('schedule', text);
      expect(fast?.ok, text).toBe(true);
      expect(fast).toEqual(parseWithGrammar('schedule', text));
    }
    expect(parseWithFastPath('schedule', 'cron(0 3 * * MON)')).toBeNull();
  });
});
