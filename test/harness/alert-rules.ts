// Reading the generated Prometheus rules file back: which services a rule watches.

export interface WrittenRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const unescape = (text: string) => text.replace(/\\(.)/g, '$1');

/**
 * The services a rule watches: its `service` label when it names one, else the names of its
 * `absent()` replacement (`label_replace(vector(1), "service", "<name>", "", "")`) or of its matcher
 * (`service="a"` or `service=~"a|b"`).
 */
export function ruleServices(rule: Pick<WrittenRule, 'expr' | 'labels'>): string[] {
  if (rule.labels.service !== undefined) return [rule.labels.service];
  const present = [...rule.expr.matchAll(/label_replace\(vector\(1\), "service", "((?:[^"\\]|\\.)*)", "", ""\)/g)].map((m) => unescape(m[1]!).replace(/\$\$/g, '$'));
  if (present.length > 0) return present;
  const m = /service(=~?)"((?:[^"\\]|\\.)*)"/.exec(rule.expr);
  if (!m) throw new Error(`no service in ${rule.expr}`);
  return m[1] === '=' ? [unescape(m[2]!)] : m[2]!.split('|').map((n) => unescape(unescape(n)));
}

/** Every rule of a rules document, each with the services it watches. */
export function rulesByService(document: { groups: { rules: WrittenRule[] }[] }): { rule: WrittenRule; services: string[] }[] {
  return document.groups.flatMap((g) => g.rules).map((rule) => ({ rule, services: ruleServices(rule) }));
}
