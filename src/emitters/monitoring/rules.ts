/** The Prometheus rule file and its `promtool test rules` file, both built from the AlertSpec list. */
import { LazyList, YamlItem, yamlKey, yamlScalarMap, yamlValue } from '../serialize.js';
import { type AlertMember, type AlertRule, type BaselineSeries, type Labels, type PolicyAlerts, type Scenario, labelsText, promDuration, renderTemplate, renderTemplateWith } from './alerts.js';

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

/** The rules file: the rules in their order, a group for each run of rules with the same group name. */
export function rulesDocument(rules: readonly AlertRule[]): unknown {
  const groups: { name: string; rules: AlertRule[] }[] = [];
  for (const rule of rules) {
    const last = groups[groups.length - 1];
    if (last?.name === rule.group) last.rules.push(rule);
    else groups.push({ name: rule.group, rules: [rule] });
  }
  // Each group's items are made as it is written, and dropped once written.
  return { groups: new LazyList(groups.length, function* () {
    for (const g of groups) yield { name: g.name, rules: g.rules.map((r) => new RuleItem(r)) };
  }) };
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

/** An alert a promtool test expects: its labels and annotations as promtool renders them. */
class ExpectedAlertItem extends YamlItem {
  constructor(
    private readonly a: AlertRule,
    private readonly scenario: Scenario,
  ) {
    super();
  }

  value() {
    return expected(this.a, this.scenario);
  }

  /** What value() gives, written without making it. */
  text(indent: string): string {
    const a = this.a;
    const series = this.scenario.series;
    const labelOf = (name: string): string | undefined => {
      if (Object.prototype.hasOwnProperty.call(a.labels, name)) return renderTemplate(a.labels[name]!, series);
      return Object.prototype.hasOwnProperty.call(series, name) ? series[name] : undefined;
    };
    const item = `\n${indent}  `;
    let labels = '';
    // The scenario's labels, then the rule's (a rule label of the same name in the series' place).
    for (const k in series) labels += `${item}${yamlKey(k)}: ${yamlValue(labelOf(k))}`;
    for (const k in a.labels) if (!Object.prototype.hasOwnProperty.call(series, k)) labels += `${item}${yamlKey(k)}: ${yamlValue(labelOf(k))}`;
    let annotations = '';
    for (const k in a.annotations) annotations += `${item}${yamlKey(k)}: ${yamlValue(renderTemplateWith(a.annotations[k]!, labelOf))}`;
    return `exp_labels:${labels || ' {}'}\n${indent}exp_annotations:${annotations || ' {}'}`;
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

/** When the scenario's alert is checked, for rules evaluated every `interval` seconds (one minute unless long). */
function timing(a: AlertRule, s: Scenario, interval = MINUTE): Timing {
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
  constructor(private readonly baseline: BaselineSeries[]) {
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

  /** The baseline series a scenario's selector matches (sameSeries), in baseline order. */
  matching(s: Scenario): BaselineSeries[] {
    for (const label of INDEX_LABELS) {
      const value = s.series[label];
      if (value === undefined) continue;
      return (this.byLabel.get(label)!.get(s.metric)?.get(value) ?? []).filter((b) => sameSeries(b, s));
    }
    return this.baseline.filter((b) => sameSeries(b, s));
  }
}

/** Rules of one name and timing, tested together. */
interface ScenarioGroup {
  alert: AlertRule;
  scenario: Scenario;
  timing: Timing;
  members: { alert: AlertRule; member: AlertMember; matches: BaselineSeries[] }[];
}

/** A promtool test file. */
export interface TestFile {
  file: string;
  document: unknown;
}

/** Does the group belong in the long file (LONG_TESTS_FILE)? */
function isLong(group: ScenarioGroup): boolean {
  return group.scenario.kind === 'absent' && group.timing.fire > LONG_SCENARIO_AFTER;
}

function expected(a: AlertRule, scenario: Scenario): { exp_labels: Labels; exp_annotations: Labels } {
  const series = scenario.series;
  // The scenario's labels, then the rule's (a rule label of the same name wins, in the series' place).
  const exp_labels: Labels = { ...series };
  for (const k in a.labels) exp_labels[k] = renderTemplate(a.labels[k]!, series);
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

/**
 * Test groups that prove every rule fires when it should and stays quiet when it should not. Rules
 * with the same alert name and the same timing share one group: their tested services' series break
 * together and the group expects all of them (one group per scenario with every series once made a
 * multi-gigabyte file for 1,000 services). A group holds the
 * series its scenario breaks; an `absent()` group also holds every other service's series of that metric,
 * or their own absent alerts would fire too (only alerts of the group's name are checked, and those read
 * only that metric). A last group with every series healthy checks that no alert fires. The long
 * `absent()` groups go to a second file (LONG_TESTS_FILE, written only when there are some), whose rules
 * are evaluated every 15 minutes; their input series keep one sample a minute.
 */
export function testDocuments(alerts: PolicyAlerts, rulesFile = RULES_FILE): TestFile[] {
  const baseline = alerts.services.flatMap((s) => s.baseline);
  const index = new BaselineIndex(baseline);
  const byMetric = new Map<string, BaselineSeries[]>();
  for (const b of baseline) {
    const list = byMetric.get(b.metric);
    if (list) list.push(b);
    else byMetric.set(b.metric, [b]);
  }
  const position = new Map<BaselineSeries, number>();
  for (let i = 0; i < baseline.length; i++) position.set(baseline[i]!, i);
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
  const groups = new Map<string, ScenarioGroup>();
  for (const rule of alerts.rules) {
    // The rule's services share its expression and `for`, so they share its timing.
    const scenario = rule.members[0]!.scenario;
    const t = timing(rule, scenario);
    const key = `${rule.alert}|${scenario.kind}|${t.quiet}|${t.fire}|${t.values(1000)}`;
    const group = groups.get(key) ?? { alert: rule, scenario, timing: t, members: [] };
    for (const member of tested(rule.members)) group.members.push({ alert: rule, member, matches: index.matching(member.scenario) });
    groups.set(key, group);
  }
  const minuteGroups = [...groups.values()].filter((g) => !isLong(g));
  const longGroups = [...groups.values()].filter(isLong).map((g) => ({ ...g, timing: timing(g.alert, g.scenario, LONG_EVALUATION_INTERVAL) }));
  const scenarioTest = ({ alert, scenario, timing: t, members }: ScenarioGroup) => {
    const steps = Math.ceil(t.fire / 60) + 2;
    const brokenSeries = new Set<BaselineSeries>();
    for (const m of members) for (const b of m.matches) brokenSeries.add(b);
    const absent = scenario.kind === 'absent';
    let relevant: BaselineSeries[];
    if (absent) {
      // Every rule of this alert name is absent() of this one metric: the group needs the metric's other
      // series (so no other service's alert of this name fires), and nothing else.
      relevant = (byMetric.get(scenario.metric) ?? []).filter((b) => !brokenSeries.has(b));
    } else {
      // No generated expression joins two series, so an alert that is not absent() reads only the series
      // its scenario breaks: the group needs nothing else (other services' alerts are not checked here).
      relevant = [...brokenSeries].sort((x, y) => position.get(x)! - position.get(y)!);
    }
    const brokenValues = t.values(steps);
    const unmatched = absent ? [] : members.filter((m) => m.matches.length === 0);
    return {
      name: members.length === 1 ? `${alert.alert} ${Object.values(members[0]!.member.scenario.series).join(' ')}` : `${alert.alert} (${members.length} series)`,
      interval: '1m',
      input_series: new LazyList(relevant.length + unmatched.length, function* () {
        for (const b of relevant) yield new SeriesItem(textOf(b), brokenSeries.has(b) ? brokenValues : healthy(b, steps));
        for (const m of unmatched) yield new SeriesItem(seriesText(m.member.scenario.metric, m.member.scenario.series), brokenValues);
      }),
      alert_rule_test: [
        { eval_time: promDuration(t.quiet), alertname: alert.alert, exp_alerts: [] },
        { eval_time: promDuration(t.fire), alertname: alert.alert, exp_alerts: new LazyList(members.length, function* () {
          for (const m of members) yield new ExpectedAlertItem(m.alert, m.member.scenario);
        }) },
      ],
    };
  };
  const rules = alerts.rules;
  // Everything healthy, up to the latest time a scenario above checks, absent() ones aside: an absent()
  // alert is never even pending while its series exist, so checking it past their own firing times adds
  // nothing, and their long `for` (a Velero schedule's gap, 30h for a daily one) made this group most of
  // the time promtool takes (it evaluates every rule at every minute up to the last eval_time).
  const healthyTest = () => {
    let end = ONSET + 60;
    for (const r of rules) if (r.members[0]!.scenario.kind !== 'absent') end = Math.max(end, timing(r, r.members[0]!.scenario).fire);
    const steps = Math.ceil(end / 60) + 2;
    return {
      name: 'all healthy',
      interval: '1m',
      input_series: new LazyList(baseline.length, function* () {
        for (const b of baseline) yield new SeriesItem(textOf(b), healthy(b, steps));
      }),
      alert_rule_test: [...new Set(rules.map((r) => r.alert))].sort().flatMap((alertname) => [
        { eval_time: promDuration(ONSET), alertname, exp_alerts: [] },
        { eval_time: promDuration(end), alertname, exp_alerts: [] },
      ]),
    };
  };
  // Each test is made as it is written, and dropped once written.
  const tests = new LazyList(minuteGroups.length + (rules.length > 0 ? 1 : 0), function* () {
    for (const group of minuteGroups) yield scenarioTest(group);
    if (rules.length > 0) yield healthyTest();
  });
  const files: TestFile[] = [{ file: TESTS_FILE, document: { rule_files: [rulesFile], evaluation_interval: promDuration(MINUTE), tests } }];
  if (longGroups.length > 0) {
    const long = new LazyList(longGroups.length, function* () {
      for (const group of longGroups) yield scenarioTest(group);
    });
    files.push({ file: LONG_TESTS_FILE, document: { rule_files: [rulesFile], evaluation_interval: promDuration(LONG_EVALUATION_INTERVAL), tests: long } });
  }
  return files;
}
