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

/** The names a matcher of `label` selects: `label="a"` or `label=~"a|b"` (the first such matcher). */
export function matcherNames(expr: string, label: string): string[] | null {
  const m = new RegExp(`${label}(=~?)"((?:[^"\\\\]|\\\\.)*)"`).exec(expr);
  if (!m) return null;
  return m[1] === '=' ? [unescape(m[2]!)] : m[2]!.split('|').map((n) => unescape(unescape(n)));
}

/**
 * The services a rule watches: its `service` label when it names one; else its `service` matcher; else
 * (Velero's rules that several services share) the services its schedules map to in the
 * `drc:velero_schedule:info` recording rules.
 */
export function ruleServices(rule: Pick<WrittenRule, 'expr' | 'labels'>, serviceOfSchedule: ReadonlyMap<string, string> = new Map()): string[] {
  if (rule.labels.service !== undefined) return [rule.labels.service];
  const services = matcherNames(rule.expr, 'service');
  if (services) return services;
  const schedules = matcherNames(rule.expr, 'schedule');
  if (!schedules) throw new Error(`no service in ${rule.expr}`);
  return [...new Set(schedules.map((s) => serviceOfSchedule.get(s) ?? `(no service for schedule ${s})`))];
}

/** The alert rules of a rules document, each with the services it watches. */
export function rulesByService(document: RulesDocument): { rule: WrittenRule; services: string[] }[] {
  const all = document.groups.flatMap((g) => g.rules);
  const serviceOfSchedule = new Map<string, string>();
  for (const r of all) if ('record' in r && r.record === 'drc:velero_schedule:info') serviceOfSchedule.set(r.labels.schedule!, r.labels.service!);
  return all.filter((r): r is WrittenRule => 'alert' in r).map((rule) => ({ rule, services: ruleServices(rule, serviceOfSchedule) }));
}

/** The recording rules of a rules document. */
export function recordingRules(document: RulesDocument): { record: string; expr: string; labels: Record<string, string> }[] {
  return document.groups.flatMap((g) => g.rules).filter((r): r is { record: string; expr: string; labels: Record<string, string> } => 'record' in r);
}
