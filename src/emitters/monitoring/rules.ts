/** The Prometheus rule file and its `promtool test rules` files, both built from the policy's alerts and rules (alerts.ts). */
import { LazyList, YamlItem, yamlScalarMap, yamlValue } from '../serialize.js';
import { type AlertMember, type AlertRule, type BaselineSeries, type Labels, type PolicyAlerts, type Scenario, labelsText, promDuration, renderTemplate } from './alerts.js';

export const RULES_FILE = 'backup-alerts.yml';
export const TESTS_FILE = 'backup-alerts.test.yml';
/**
 * The `absent()` scenarios that run for hours of simulated time (a daily Velero schedule's missing-metrics
 * alert waits 30 hours), in a file of their own evaluated every LONG_EVALUATION_INTERVAL: promtool
 * evaluates every rule at every evaluation step of a group, and at one minute these groups were most of
 * the time `promtool test rules` took.
 */
export const LONG_TESTS_FILE = 'backup-alerts.long.test.yml';
/** An `absent()` scenario that checks its alert later than this goes to the long file. */
export const LONG_SCENARIO_AFTER = 2 * 3600;
export const LONG_EVALUATION_INTERVAL = 15 * 60;
const MINUTE = 60;

/** A rule of the rules file. */
class RuleItem extends YamlItem {
  constructor(private readonly a: AlertRule) {
    super();
  }

  value() {
    const a = this.a;
    return { alert: a.alert, expr: a.expr, for: promDuration(a.forSeconds), labels: a.labels, annotations: a.annotations };
  }

  text(indent: string): string {
    const a = this.a;
    return (
      `alert: ${yamlValue(a.alert)}\n${indent}expr: ${yamlValue(a.expr)}\n${indent}for: ${yamlValue(promDuration(a.forSeconds))}` +
      `\n${indent}${yamlScalarMap('labels', a.labels, indent)}\n${indent}${yamlScalarMap('annotations', a.annotations, indent)}`
    );
  }
}

/** The name of the rules file's one group. */
export const RULE_GROUP = 'drc';

/**
 * The rules file: one group, the recording rules first (a group evaluates its rules in order, so the
 * alerts read this evaluation's values), then the alert rules. One group: Prometheus keeps a rule's
 * pending and firing alerts across a reload only within its group.
 */
export function rulesDocument(alerts: Pick<PolicyAlerts, 'rules' | 'records'>): unknown {
  if (alerts.rules.length === 0) return { groups: [] };
  const records = alerts.records.map((r) => ({ record: r.record, expr: r.expr, labels: r.labels }));
  const rules = new LazyList(records.length + alerts.rules.length, function* () {
    yield* records;
    for (const r of alerts.rules) yield new RuleItem(r);
  });
  return { groups: [{ name: RULE_GROUP, rules }] };
}

/** An input series of a promtool test. */
class SeriesItem extends YamlItem {
  constructor(
    private readonly series: string,
    private readonly values: string,
  ) {
    super();
  }

  value() {
    return { series: this.series, values: this.values };
  }

  text(indent: string): string {
    return `series: ${yamlValue(this.series)}\n${indent}values: ${yamlValue(this.values)}`;
  }
}

function seriesText(metric: string, labels: Labels): string {
  return `${metric}{${labelsText(labels)}}`;
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

/**
 * When the scenario's alert is checked, for rules evaluated every `interval` seconds (one minute unless
 * long), and the values of its series: the condition becomes true just after `onset` (whole minutes).
 */
function timing(a: AlertRule, s: Scenario, interval = MINUTE, onset = ONSET): Timing {
  const f = a.forSeconds;
  const before = onset / 60;
  switch (s.kind) {
    case 'age': // a constant timestamp: age = t - onset + threshold, so age > threshold once t > onset
      return { quiet: onset + f, fire: onset + 60 + f, values: (n) => `${onset - s.threshold}x${n}` };
    case 'zero':
      return { quiet: onset + f, fire: onset + 60 + f, values: (n) => `1x${before} 0x${n - before - 1}` };
    case 'above':
      return { quiet: onset + f, fire: onset + 60 + f, values: (n) => `0x${before} ${s.threshold + 60}x${n - before - 1}` };
    case 'increase':
      return { quiet: onset + f, fire: onset + 60 + f, values: (n) => `0x${before} 1+1x${n - before - 1}` };
    case 'absent': {
      // Absent from the start: active at the evaluation at t=0, firing at the first evaluation once `for`
      // has passed, pending at the one before.
      const fire = Math.ceil(f / interval) * interval;
      return { quiet: fire - interval, fire, values: () => '' };
    }
  }
}

function sameSeries(b: BaselineSeries, s: Scenario): boolean {
  if (b.metric !== s.metric) return false;
  for (const k in s.series) if (b.labels[k] !== s.series[k]) return false;
  return true;
}

/** Labels every scenario series carries one of; the baseline is indexed by metric and the first one present. */
const INDEX_LABELS = ['service', 'schedule'] as const;

/**
 * Baseline series by metric and service (or schedule), so finding the series an alert's scenario selects
 * costs the few series of one service, not the whole baseline.
 */
class BaselineIndex {
  /** label -> metric -> label value -> series. */
  private readonly byLabel = new Map<string, Map<string, Map<string, BaselineSeries[]>>>(INDEX_LABELS.map((label) => [label, new Map()]));
  constructor(baseline: BaselineSeries[]) {
    for (const b of baseline) {
      for (const label of INDEX_LABELS) {
        const value = b.labels[label];
        if (value === undefined) continue;
        const byMetric = this.byLabel.get(label)!;
        let byValue = byMetric.get(b.metric);
        if (!byValue) byMetric.set(b.metric, (byValue = new Map()));
        const list = byValue.get(value);
        if (list) list.push(b);
        else byValue.set(value, [b]);
      }
    }
  }

  /**
   * The baseline series a scenario's selector matches (sameSeries), in baseline order. Every scenario
   * drives series of the system (alerts.ts puts them in the baseline), so there is at least one.
   */
  matching(s: Scenario): BaselineSeries[] {
    const label = INDEX_LABELS.find((l) => s.series[l] !== undefined);
    const found = label === undefined ? [] : (this.byLabel.get(label)!.get(s.metric)?.get(s.series[label]!) ?? []).filter((b) => sameSeries(b, s));
    if (found.length === 0) throw new Error(`drc: no baseline series for the scenario of ${s.metric}{${labelsText(s.series)}}`);
    return found;
  }
}

/** A promtool test file. */
export interface TestFile {
  file: string;
  document: unknown;
}

/** Items by key, in the order of their first item. */
function groupBy<K, T>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function expected(a: AlertRule, member: AlertMember): { exp_labels: Labels; exp_annotations: Labels } {
  const series = member.scenario.series;
  // The scenario's labels, then the rule's (a rule label of the same name wins, in the series' place).
  const exp_labels: Labels = { ...series };
  for (const k in a.labels) exp_labels[k] = renderTemplate(a.labels[k]!, series);
  // The series' own `service`, or (Velero's, labelled by schedule) the one the rule takes from the schedule.
  exp_labels.service = member.service.name;
  const exp_annotations: Labels = {};
  for (const k in a.annotations) exp_annotations[k] = renderTemplate(a.annotations[k]!, exp_labels);
  return { exp_labels, exp_annotations };
}

/**
 * The services a rule's test drives: all of a rule's one or two, else its first and last. The rule's
 * matcher names them all in one list (`service=~"a|…|z"`), so its two ends prove the list is read whole;
 * test/emitters/monitoring.test.ts checks that every service is in the list of each of its alerts.
 */
function tested(members: readonly AlertMember[]): readonly AlertMember[] {
  return members.length <= 2 ? members : [members[0]!, members[members.length - 1]!];
}

/** A rule's tested services, each with the baseline series its scenario selects. */
interface Driven {
  rule: AlertRule;
  timing: Timing;
  members: { member: AlertMember; matches: BaselineSeries[] }[];
}

/** An alert_rule_test check: the alerts of one name expected to fire at one time. */
function check(at: number, alertname: string, firing: Driven[]) {
  return { eval_time: promDuration(at), alertname, exp_alerts: firing.flatMap((d) => d.members.map((m) => expected(d.rule, m.member))) };
}

/**
 * Checks at each time a rule is quiet or fires: at each, every tested service of the rules of that name
 * that fire by then, and nothing else (so a rule that fires early, late or for another service fails).
 */
function checks(driven: Driven[]) {
  return [...groupBy(driven, (d) => d.rule.alert)].flatMap(([alertname, rules]) => {
    const times = [...new Set(rules.flatMap((d) => [d.timing.quiet, d.timing.fire]))].sort((a, b) => a - b);
    return times.map((at) => check(at, alertname, rules.filter((d) => d.timing.fire <= at)));
  });
}

/**
 * The promtool test files: they prove every rule fires when it should, for the services it is tested
 * with (tested), and that nothing fires otherwise. promtool evaluates every rule at every step of every test group, and an alert
 * whose series are missing is pending at each of them, so there are few groups and each holds the
 * series that keep the other rules quiet:
 * - **scenarios**: every baseline series, healthy, except those of the tested services, broken so that
 *   each rule's condition becomes true `for` before one common time. Each alert name is checked just
 *   before it (nothing fires) and at it (exactly the tested services fire).
 * - **absent() of a metric**, one group per metric: that metric's series without the tested services'
 *   ones (absent from the start), checked when each rule is pending and when it fires. Those that fire
 *   after LONG_SCENARIO_AFTER go to a second file (LONG_TESTS_FILE, written only when there are some),
 *   evaluated every 15 minutes; their input series keep one sample a minute.
 */
export function testDocuments(alerts: PolicyAlerts, rulesFile = RULES_FILE): TestFile[] {
  const baseline = alerts.services.flatMap((s) => s.baseline);
  const index = new BaselineIndex(baseline);
  const drive = (rule: AlertRule, t: Timing): Driven => ({ rule, timing: t, members: tested(rule.members).map((member) => ({ member, matches: index.matching(member.scenario) })) });
  const steady = alerts.rules.filter((r) => r.members[0]!.scenario.kind !== 'absent');
  const absent = alerts.rules.filter((r) => r.members[0]!.scenario.kind === 'absent');
  // Each series is written in several groups: one string per series (and per healthy/broken values).
  const texts = new Map<BaselineSeries, string>();
  const textOf = (b: BaselineSeries) => {
    let text = texts.get(b);
    if (text === undefined) texts.set(b, (text = seriesText(b.metric, b.labels)));
    return text;
  };
  const valueTexts = new Map<string, string>();
  const healthy = (b: BaselineSeries, steps: number) => {
    const key = `${b.healthy} ${steps}`;
    let text = valueTexts.get(key);
    if (text === undefined) valueTexts.set(key, (text = healthyValues(b, steps)));
    return text;
  };

  const tests: unknown[] = [];
  if (steady.length > 0) {
    // Each rule's condition starts `for` before the common firing time.
    const longestFor = Math.max(...steady.map((r) => r.forSeconds));
    const driven = steady.map((r) => drive(r, timing(r, r.members[0]!.scenario, MINUTE, ONSET + longestFor - r.forSeconds)));
    const steps = Math.ceil((ONSET + 60 + longestFor) / 60) + 2;
    const broken = new Map<BaselineSeries, string>();
    for (const d of driven) {
      const values = d.timing.values(steps);
      for (const { matches } of d.members) {
        for (const b of matches) {
          if (broken.has(b)) throw new Error(`drc: two alert scenarios break ${textOf(b)}`);
          broken.set(b, values);
        }
      }
    }
    tests.push({
      name: `scenarios (${broken.size} of ${baseline.length} series broken)`,
      interval: '1m',
      input_series: new LazyList(baseline.length, function* () {
        for (const b of baseline) yield new SeriesItem(textOf(b), broken.get(b) ?? healthy(b, steps));
      }),
      alert_rule_test: checks(driven),
    });
  }

  // absent() groups: by metric, on the minute grid or the long one.
  const isLong = (r: AlertRule) => timing(r, r.members[0]!.scenario).fire > LONG_SCENARIO_AFTER;
  const absentGroups = [...groupBy(absent, (r) => `${isLong(r)} ${r.members[0]!.scenario.metric}`).values()].map((rules) => ({
    metric: rules[0]!.members[0]!.scenario.metric,
    long: isLong(rules[0]!),
    rules,
  }));
  const byMetric = groupBy(baseline, (b) => b.metric);
  const absentTest = ({ metric, long, rules }: { metric: string; long: boolean; rules: AlertRule[] }) => {
    const driven = rules.map((r) => drive(r, timing(r, r.members[0]!.scenario, long ? LONG_EVALUATION_INTERVAL : MINUTE)));
    const removed = new Set(driven.flatMap((d) => d.members.flatMap((m) => m.matches)));
    const present = (byMetric.get(metric) ?? []).filter((b) => !removed.has(b));
    const steps = Math.ceil(Math.max(...driven.map((d) => d.timing.fire)) / 60) + 2;
    return {
      name: `absent() of ${metric} (${driven.reduce((n, d) => n + d.members.length, 0)} series)`,
      interval: '1m',
      input_series: new LazyList(present.length, function* () {
        for (const b of present) yield new SeriesItem(textOf(b), healthy(b, steps));
      }),
      alert_rule_test: checks(driven),
    };
  };
  const minuteAbsent = absentGroups.filter((g) => !g.long);
  const longAbsent = absentGroups.filter((g) => g.long);
  const minute = new LazyList(tests.length + minuteAbsent.length, function* () {
    yield* tests;
    for (const g of minuteAbsent) yield absentTest(g);
  });
  const files: TestFile[] = [{ file: TESTS_FILE, document: { rule_files: [rulesFile], evaluation_interval: promDuration(MINUTE), tests: minute } }];
  if (longAbsent.length > 0) {
    const long = new LazyList(longAbsent.length, function* () {
      for (const g of longAbsent) yield absentTest(g);
    });
    files.push({ file: LONG_TESTS_FILE, document: { rule_files: [rulesFile], evaluation_interval: promDuration(LONG_EVALUATION_INTERVAL), tests: long } });
  }
  return files;
}
