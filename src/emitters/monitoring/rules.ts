/** The Prometheus rule file and its `promtool test rules` file, both built from the AlertSpec list. */
import { type AlertSpec, type BaselineSeries, type Labels, type ServiceAlerts, promDuration, renderTemplate } from './alerts.js';

export const RULES_FILE = 'backup-alerts.yml';
export const TESTS_FILE = 'backup-alerts.test.yml';

export function rulesDocument(all: ServiceAlerts[]): unknown {
  const groups = all
    .filter((s) => s.alerts.length > 0)
    .map((s) => ({
      name: s.alerts[0]!.group,
      rules: s.alerts.map((a) => ({
        alert: a.alert,
        expr: a.expr,
        for: promDuration(a.forSeconds),
        labels: a.labels,
        annotations: a.annotations,
      })),
    }));
  return { groups };
}

function seriesText(metric: string, labels: Labels): string {
  return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

function healthyValues(b: BaselineSeries, steps: number): string {
  return b.healthy === 'ts' ? `0+60x${steps}` : b.healthy === 'one' ? `1x${steps}` : `0x${steps}`;
}

const ONSET = 600; // the scenario's condition becomes true just after 10 minutes

interface Timing {
  quiet: number;
  fire: number;
  values: (steps: number) => string;
}

function timing(a: AlertSpec): Timing {
  const s = a.scenario;
  const f = a.forSeconds;
  switch (s.kind) {
    case 'age': // a constant timestamp: age = t - ONSET + threshold, so age > threshold once t > ONSET
      return { quiet: ONSET + f, fire: ONSET + 60 + f, values: (n) => `${ONSET - s.threshold}x${n}` };
    case 'zero':
      return { quiet: ONSET + f, fire: ONSET + 60 + f, values: (n) => `1x${ONSET / 60} 0x${n - ONSET / 60 - 1}` };
    case 'above':
      return { quiet: ONSET + f, fire: ONSET + 60 + f, values: (n) => `0x${ONSET / 60} ${s.threshold + 60}x${n - ONSET / 60 - 1}` };
    case 'increase':
      return { quiet: ONSET + f, fire: ONSET + 60 + f, values: (n) => `0x${ONSET / 60} 1+1x${n - ONSET / 60 - 1}` };
    case 'absent': // absent from the start: active at t=0, firing once `for` has passed
      return { quiet: f - 60, fire: f, values: () => '' };
  }
}

const owners = new WeakMap<BaselineSeries, ServiceAlerts>();
function ownerOf(all: ServiceAlerts[], b: BaselineSeries): ServiceAlerts | undefined {
  let owner = owners.get(b);
  if (!owner) {
    for (const s of all) for (const series of s.baseline) owners.set(series, s);
    owner = owners.get(b);
  }
  return owner;
}

function sameSeries(b: BaselineSeries, a: AlertSpec): boolean {
  const s = a.scenario;
  if (b.metric !== s.metric) return false;
  return Object.entries(s.series).every(([k, v]) => b.labels[k] === v);
}

function expected(a: AlertSpec): { exp_labels: Labels; exp_annotations: Labels } {
  const series = a.scenario.series;
  const labels: Labels = {};
  for (const [k, v] of Object.entries(a.labels)) labels[k] = renderTemplate(v, series);
  const exp_labels = { ...series, ...labels };
  const exp_annotations: Labels = {};
  for (const [k, v] of Object.entries(a.annotations)) exp_annotations[k] = renderTemplate(v, exp_labels);
  return { exp_labels, exp_annotations };
}

/**
 * Test groups that prove every alert fires when it should and stays quiet when it should not. Services
 * whose alert has the same name and the same timing share one group: their series break together and
 * the group expects all of them, so the file grows with the number of distinct timings, not with the
 * square of the number of services (1,000 services once made a multi-gigabyte file). A group holds the
 * broken services' own series; an `absent()` alert also needs every other service's series of that
 * metric present, or their own absent alerts would fire too. A last group with every series healthy
 * checks that no alert fires.
 */
export function testsDocument(all: ServiceAlerts[], rulesFile = RULES_FILE): unknown {
  const baseline = all.flatMap((s) => s.baseline);
  const groups = new Map<string, { alert: AlertSpec; timing: Timing; members: { alert: AlertSpec; owner: ServiceAlerts }[] }>();
  for (const owner of all) {
    for (const a of owner.alerts) {
      const t = timing(a);
      const key = [a.alert, a.scenario.kind, t.quiet, t.fire, t.values(1000)].join('|');
      const group = groups.get(key) ?? { alert: a, timing: t, members: [] };
      group.members.push({ alert: a, owner });
      groups.set(key, group);
    }
  }
  const tests: unknown[] = [];
  for (const { alert, timing: t, members } of groups.values()) {
    const steps = Math.ceil(t.fire / 60) + 2;
    const broken = (b: BaselineSeries) => members.some((m) => sameSeries(b, m.alert));
    const absent = alert.scenario.kind === 'absent';
    const owners = new Set(members.map((m) => m.owner));
    const relevant = baseline.filter((b) =>
      broken(b) ? !absent : owners.has(ownerOf(all, b)!) || (absent && b.metric === alert.scenario.metric));
    const input = relevant.map((b) => ({ series: seriesText(b.metric, b.labels), values: broken(b) ? t.values(steps) : healthyValues(b, steps) }));
    for (const m of members) {
      if (!absent && !baseline.some((b) => sameSeries(b, m.alert))) {
        input.push({ series: seriesText(m.alert.scenario.metric, m.alert.scenario.series), values: t.values(steps) });
      }
    }
    tests.push({
      name: members.length === 1 ? `${alert.alert} ${Object.values(alert.scenario.series).join(' ')}` : `${alert.alert} (${members.length} series)`,
      interval: '1m',
      input_series: input,
      alert_rule_test: [
        { eval_time: promDuration(t.quiet), alertname: alert.alert, exp_alerts: [] },
        { eval_time: promDuration(t.fire), alertname: alert.alert, exp_alerts: members.map((m) => expected(m.alert)) },
      ],
    });
  }
  // Everything healthy: no alert of any name fires, up to the latest time any scenario above checks.
  const alerts = all.flatMap((s) => s.alerts);
  if (alerts.length > 0) {
    const end = Math.max(...alerts.map((a) => timing(a).fire));
    const steps = Math.ceil(end / 60) + 2;
    tests.push({
      name: 'all healthy',
      interval: '1m',
      input_series: baseline.map((b) => ({ series: seriesText(b.metric, b.labels), values: healthyValues(b, steps) })),
      alert_rule_test: [...new Set(alerts.map((a) => a.alert))].sort().flatMap((alertname) => [
        { eval_time: promDuration(ONSET), alertname, exp_alerts: [] },
        { eval_time: promDuration(end), alertname, exp_alerts: [] },
      ]),
    });
  }
  return { rule_files: [rulesFile], evaluation_interval: '1m', tests };
}
