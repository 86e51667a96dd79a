// Reading the generated Prometheus rules file back: which services a rule watches.

export interface WrittenRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface RulesDocument {
  groups: { rules: (WrittenRule | { record: string; expr: string; labels: Record<string, string> })[] }[];
}

const unescape = (text: string) => text.replace(/\\(.)/g, '$1');

/**
 * The names the matchers of `label` select (`label="a"` or `label=~"a|b"`): the first matcher's, and unless
 * `firstOnly` every matcher of that label in the expression must select the same names.
 */
export function matcherNames(expr: string, label: string, firstOnly = false): string[] | null {
  const all = [...expr.matchAll(new RegExp(`\\b${label}(=~?)"((?:[^"\\\\]|\\\\.)*)"`, 'g'))].map((m) =>
    m[1] === '=' ? [unescape(m[2]!)] : m[2]!.split('|').map((n) => unescape(unescape(n))),
  );
  if (all.length === 0) return null;
  if (!firstOnly) for (const names of all) if (JSON.stringify(names) !== JSON.stringify(all[0])) throw new Error(`matchers of ${label} differ in ${expr}`);
  return all[0]!;
}

/** A Velero schedule's service: `<service>` or `<service>.<period>` (the rules' own label_replace does the same). */
export function serviceOfSchedule(schedule: string): string {
  return schedule.split('.')[0]!;
}

/** The services a rule watches: its `service` matcher, else (Velero's rules) its schedules' services. */
export function ruleServices(rule: Pick<WrittenRule, 'expr'>): string[] {
  const services = matcherNames(rule.expr, 'service');
  if (services) return services;
  const schedules = matcherNames(rule.expr, 'schedule');
  if (!schedules) throw new Error(`no service in ${rule.expr}`);
  return [...new Set(schedules.map(serviceOfSchedule))];
}

/** The alert rules of a rules document, each with the services it watches. */
export function rulesByService(document: RulesDocument): { rule: WrittenRule; services: string[] }[] {
  return document.groups.flatMap((g) => g.rules).filter((r): r is WrittenRule => 'alert' in r).map((rule) => ({ rule, services: ruleServices(rule) }));
}

/** The recording rules of a rules document. */
export function recordingRules(document: RulesDocument): { record: string; expr: string; labels: Record<string, string> }[] {
  return document.groups.flatMap((g) => g.rules).filter((r): r is { record: string; expr: string; labels: Record<string, string> } => 'record' in r);
}
