/**
 * IANA time zone names (policy-language.md §2: `timezone:` on the policy, `defaults:` or a service), checked
 * against Node's ICU. A name reaches systemd timers, CRON_TZ= lines and CronJob specs, which look it up
 * case-sensitively in the tz database, so a name ICU only accepts in another case is not valid either.
 */
import { suggest } from './suggest.js';

/** Names longer than this get no "did you mean" (edit distance is quadratic in the length). */
const MAX_SUGGEST_LENGTH = 64;

const EXPECTED = 'expected an IANA time zone name such as UTC, Europe/Berlin or America/New_York';

/** Results by name: a policy names a handful of zones, thousands of services repeat them. */
const checked = new Map<string, string | null>();
let knownNames: string[] | null = null;

/** ICU's canonical names plus the UTC spellings it leaves out of that list. */
function zoneNames(): string[] {
  return (knownNames ??= [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
}

/** The zone ICU resolves `name` to (it matches names case-insensitively), or null when it knows none. */
function resolvedZone(name: string): string | null {
  if (name === '') return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The correct spelling of a name ICU accepts: itself when written as in the tz database, else the known
 * name it equals case-insensitively, else (an alias written in the wrong case, e.g. `asia/kolkata`) the
 * zone ICU resolves it to.
 */
function spelling(name: string, resolved: string): string {
  const lower = name.toLowerCase();
  if (lower === resolved.toLowerCase()) return resolved;
  const known = zoneNames().find((z) => z.toLowerCase() === lower);
  if (known !== undefined) return known;
  // Every tz database name's parts start with a capital letter (Etc/GMT+5, America/Port-au-Prince, EST5EDT).
  return name.split('/').every((part) => /^[A-Z]/.test(part)) ? name : resolved;
}

/** Why `name` is not a time zone drc can pass on (null: it is one). */
export function timeZoneProblem(name: string): string | null {
  let problem = checked.get(name);
  if (problem === undefined) {
    problem = findProblem(name);
    // Bounded: a long-lived process linting many policies keeps the common names, not every typo.
    if (checked.size < 1024) checked.set(name, problem);
  }
  return problem;
}

function findProblem(name: string): string | null {
  const resolved = resolvedZone(name);
  if (resolved === null) {
    const guess = name.length > 0 && name.length <= MAX_SUGGEST_LENGTH ? suggest(name, zoneNames()) : null;
    return `unknown time zone ${JSON.stringify(name)}${guess ? `; did you mean ${guess}?` : ''} (${EXPECTED})`;
  }
  const correct = spelling(name, resolved);
  return correct === name ? null : `time zone names are case-sensitive: did you mean ${correct}?`;
}
