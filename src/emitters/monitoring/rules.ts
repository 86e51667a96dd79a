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
 * One test group per alert: every other series healthy, the scenario's series broken (or removed), then
 * the alert checked just before and just after it must fire; a last group with every series healthy
 * checks that no alert fires.
 */
export function testsDocument(all: ServiceAlerts[], rulesFile = RULES_FILE): unknown {
  const baseline = all.flatMap((s) => s.baseline);
  const tests: unknown[] = [];
  for (const s of all) {
    for (const a of s.alerts) {
      const t = timing(a);
      const steps = Math.ceil(t.fire / 60) + 2;
      const scenarioName = `${a.alert} ${Object.values(a.scenario.series).join(' ')}`;
      const input = baseline
        .filter((b) => !sameSeries(b, a) || a.scenario.kind !== 'absent')
        .map((b) => ({ series: seriesText(b.metric, b.labels), values: sameSeries(b, a) ? t.values(steps) : healthyValues(b, steps) }));
      if (a.scenario.kind !== 'absent' && !baseline.some((b) => sameSeries(b, a))) {
        input.push({ series: seriesText(a.scenario.metric, a.scenario.series), values: t.values(steps) });
      }
      tests.push({
        name: scenarioName,
        interval: '1m',
        input_series: input,
        alert_rule_test: [
          { eval_time: promDuration(t.quiet), alertname: a.alert, exp_alerts: [] },
          { eval_time: promDuration(t.fire), alertname: a.alert, exp_alerts: [expected(a)] },
        ],
      });
    }
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
