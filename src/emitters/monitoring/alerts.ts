/**
 * The alerts of every service, each with the promtool scenario that proves it fires when it should and
 * stays quiet when it should not, and the rules that watch them: services whose rule would be the same
 * but for their name share one (mergeRules). The rules file and the test files are both built from
 * these, so they cannot drift apart. Metric names come from layout.METRICS plus the documented
 * EXTERNAL_METRICS.
 */
import { hasContinuousMechanism } from '../../model/continuous.js';
import type { Policy, Service } from '../../model/types.js';
import { durationWords } from '../../parser/values.js';
import { byName, METRICS, tierName } from '../layout.js';
import { planVelero, type VeleroPlan } from '../kubernetes/plan.js';
import { oneOf, stringLiteral } from './promql.js';
import { sha256Hex } from '../../hash.js';

/** Metrics from other exporters that the rules use (docs/artifacts/monitoring.md). */
export const EXTERNAL_METRICS = {
  /** Velero server (:8085/metrics), label `schedule`. */
  veleroLastSuccess: 'velero_backup_last_successful_timestamp',
  veleroFailures: 'velero_backup_failure_total',
  veleroPartialFailures: 'velero_backup_partial_failure_total',
  /** postgres_exporter's pg_stat_archiver collector; the scrape must add a `service` label. */
  pgArchiveAge: 'pg_stat_archiver_last_archive_age',
  pgArchiveFailed: 'pg_stat_archiver_failed_count',
} as const;

export type Labels = Record<string, string>;

/** How the generated promtool test drives one alert. Times are seconds. */
export type Scenario =
  /** `time() - metric > threshold`: the series holds a constant timestamp. */
  | { kind: 'age'; metric: string; series: Labels; threshold: number }
  /** `metric == 0`. */
  | { kind: 'zero'; metric: string; series: Labels }
  /** gauge `metric > threshold`. */
  | { kind: 'above'; metric: string; series: Labels; threshold: number }
  /** `increase(counter[w]) > 0`, the counter rising every minute. */
  | { kind: 'increase'; metric: string; series: Labels }
  /** `absent(metric{selector})`: the labels absent() yields are `series`. */
  | { kind: 'absent'; metric: string; series: Labels };

/** One alert of one service: its name, and how the generated promtool test drives it for that service. */
export interface ServiceAlert {
  alert: string;
  scenario: Scenario;
}

/** A service that a rule watches, with the scenario that drives the rule for it in the promtool test. */
export interface AlertMember {
  service: Service;
  scenario: Scenario;
  /** The Velero schedules the rule selects for this service (Velero's alerts only). */
  schedules?: readonly string[];
}

/** A recording rule of the rules file. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels: Labels;
}

/**
 * The series that list the services an `absent()` rule of several services expects (value 1, label
 * `service`; a recording rule `vector(1)` per service): absent() of a regex matcher fires only when every
 * service is missing, so such a rule is `drc:service:info{service=~"…"} unless on (service) <metric>`.
 * One recording rule per name is linear: a single expression `or`-ing a labelled vector per name cost
 * Prometheus 2.42 110 ms per evaluation at 1,000 names, 1,000 rules 14 ms.
 */
export const SERVICES = 'drc:service:info';

/**
 * A rule of the rules file: the alert of every service whose rule would be the same but for its name
 * (`members`, in service order; one or more). The alerts take `service` from the series.
 */
export interface AlertRule {
  alert: string;
  expr: string;
  forSeconds: number;
  /** Static rule labels (escaped for Go templates). */
  labels: Readonly<Labels>;
  /** Annotation templates; may use `{{ $labels.service }}`, `{{ $labels.region }}`, `{{ $labels.schedule }}`. */
  annotations: Labels;
  members: readonly AlertMember[];
}

/** One series every healthy system exposes, and its healthy values (`ts` = rising timestamp). */
export interface BaselineSeries {
  metric: string;
  labels: Labels;
  healthy: 'ts' | 'one' | 'zero';
}

const MIN = 60;
const HOUR = 3600;
/** How long a service may have no restore-test metrics at all before it alerts. */
export const RESTORE_TEST_ABSENT_FOR = 6 * HOUR;

/** Prometheus duration text in the largest whole unit: 86400 → 1d, 5400 → 90m. */
export function promDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s === 0) return '0s';
  for (const [unit, f] of [['d', 86_400], ['h', HOUR], ['m', MIN]] as const) if (s % f === 0) return `${s / f}${unit}`;
  return `${s}s`;
}

/** `for:` of a staleness alert: a tenth of its threshold, whole minutes, between 1 and 30 minutes. */
export function holdFor(thresholdSeconds: number): number {
  return Math.min(30 * MIN, Math.max(MIN, Math.floor(thresholdSeconds / 10 / MIN) * MIN));
}

/** Slack over a schedule gap before a missed run alerts: a quarter gap, between 15 minutes and 6 hours. */
export function gapSlack(gapSeconds: number): number {
  return Math.min(6 * HOUR, Math.max(15 * MIN, Math.floor(gapSeconds / 4 / MIN) * MIN));
}

/** The age past which a Velero schedule's newest backup is too old (DrcVeleroBackupTooOld, and the dashboard's line). */
export function veleroAgeThreshold(schedule: { gapSeconds: number }): number {
  return schedule.gapSeconds + gapSlack(schedule.gapSeconds);
}

/** Literal text inside a Prometheus template (labels and annotations are templates). */
export function templateLiteral(text: string): string {
  return text.includes('{{') ? text.replace(/\{\{/g, '{{ "{{" }}') : text;
}

/** What promtool prints for a template: `{{ $labels.x }}` filled, escaped braces restored. */
export function renderTemplate(template: string, labels: Labels): string {
  if (!template.includes('{{')) return template; // most label values
  return template
    .replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, name: string) => labels[name] ?? '<no value>')
    .replace(/\{\{ "\{\{" \}\}/g, '{{');
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function severity(service: Service): 'critical' | 'warning' {
  return (service.minRegions?.value ?? 0) >= 2 || service.immutable?.value === true ? 'critical' : 'warning';
}

/** Stands for the matcher that selects a rule's series until the rule knows which services it watches. */
const SELECTOR = '\u0001';

/** The runbook URL of the alerts, a template naming `{{ $labels.service }}`. */
function runbookTemplate(policy: Policy): string {
  const url = policy.monitoring.runbookUrl;
  return url ? templateLiteral(url).split('{service}').join(SERVICE) : `docs/runbooks/${SERVICE}.md`;
}

/** An alert's service and Velero schedule, in its texts. */
const SERVICE = '{{ $labels.service }}';
const SCHEDULE = '{{ $labels.schedule }}';

/**
 * The static labels of a rule: alert_labels, then severity and tier. Not `service`: the alerts take it
 * from the series, so a rule's labels (its identity for Prometheus, with its name and group) stay the
 * same when services join or leave it.
 */
function ruleLabels(policy: Policy, service: Service): Labels {
  const labels: Labels = {};
  for (const [k, v] of Object.entries(policy.monitoring.alertLabels).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`drc: monitoring.alert_labels: "${k}" is not a valid Prometheus label name`);
    if (/[\0]/.test(v)) throw new Error(`drc: monitoring.alert_labels.${k} contains a NUL byte`);
    if (k !== 'service') labels[k] = templateLiteral(v);
  }
  // The computed labels win over alert_labels of the same name.
  labels.severity = severity(service);
  labels.tier = tierName(service);
  return labels;
}

/** The labels of a service's restore-test series (what restore-test.sh writes, and what its alerts expect). */
export function restoreTestLabels(policy: Policy, service: Service): Labels {
  return { service: service.name, tier: tierName(service), region: service.regions[0] ?? policy.regions.primary };
}

/** Labels as the Prometheus text format and promtool series write them: `a="b",c="d"`, values escaped. */
export function labelsText(labels: Labels): string {
  let text = '';
  let separator = '';
  for (const k of Object.keys(labels)) {
    text += `${separator}${k}="${stringLiteral(labels[k]!)}"`;
    separator = ',';
  }
  return text;
}

export interface ServiceAlerts {
  service: Service;
  alerts: ServiceAlert[];
  baseline: BaselineSeries[];
}

/** Thresholds of one service, for the alerts and the dashboard. */
export interface ServiceThresholds {
  /** Age of the newest scheduled copy that alerts (RPO, or schedule gap + slack for continuous services). */
  backupAge: number | null;
  restoreTestAge: number | null;
  rto: number | null;
  rpo: number | null;
}

export function thresholds(service: Service): ServiceThresholds {
  const rpo = service.rpo?.value.seconds ?? null;
  const gap = service.schedule?.value.maxGapSeconds ?? null;
  const continuous = hasContinuousMechanism(service);
  let backupAge: number | null;
  if (continuous || rpo === null) backupAge = gap === null ? rpo : gap + gapSlack(gap);
  else backupAge = rpo;
  return { backupAge, restoreTestAge: service.restoreTest?.value.maxGapSeconds ?? null, rto: service.rto?.value.seconds ?? null, rpo };
}

/** Velero service plans by service name, built once per plan (serviceDrafts runs once per service). */
const veleroByName = new WeakMap<VeleroPlan, Map<string, VeleroPlan['services'][number]>>();
function veleroPlanOf(velero: VeleroPlan, name: string): VeleroPlan['services'][number] | undefined {
  let byName = veleroByName.get(velero);
  if (!byName) {
    byName = new Map();
    for (const v of velero.services) if (!byName.has(v.service.name)) byName.set(v.service.name, v);
    veleroByName.set(velero, byName);
  }
  return byName.get(name);
}

/**
 * One service's alert as a rule, with SELECTOR for the matcher of its series. Services whose drafts have
 * the same `key` get one rule (mergeRules).
 */
interface AlertDraft extends ServiceAlert {
  expr: string;
  /** The Velero schedules it selects (Velero's alerts only). */
  schedules?: readonly string[];
  forSeconds: number;
  labels: Readonly<Labels>;
  annotations: Labels;
  /** The rule's text with the placeholders: drafts with the same key are the same rule. */
  key: string;
}

/** Labels that every draft of a policy with this severity and tier shares (one object, one key). */
interface SharedLabels {
  labels: Readonly<Labels>;
  key: string;
}

/** A service's alert drafts and the series a healthy system shows for it. */
function serviceDrafts(
  policy: Policy,
  service: Service,
  velero: VeleroPlan,
  shared: SharedLabels,
  runbook: string,
): { drafts: AlertDraft[]; baseline: BaselineSeries[] } {
  const tier = tierName(service);
  const region = service.regions[0] ?? policy.regions.primary;
  const seriesLabels: Labels = { service: service.name, tier, region };
  const drafts: AlertDraft[] = [];
  const baseline: BaselineSeries[] = [];
  const add = (
    alert: string,
    expr: string,
    forSeconds: number,
    summary: string,
    description: string,
    scenario: Scenario,
    schedules?: readonly string[],
  ) => {
    const annotations = { summary, description, runbook_url: runbook };
    const key = `${alert}\n${expr}\n${forSeconds}\n${shared.key}\n${summary}\n${description}`;
    drafts.push({ alert, expr, schedules, forSeconds, labels: shared.labels, annotations, scenario, key });
  };
  const t = thresholds(service);
  const name = service.name;

  const veleroService = veleroPlanOf(velero, name);
  if (veleroService) {
    // The rules derive the service from the schedule (VELERO_SERVICE): the main one is the service's name.
    if (veleroService.schedules[0] && veleroService.schedules[0].name !== name) throw new Error(`drc: ${name}: Velero's main schedule is not named for the service`);
    for (const s of veleroService.schedules) {
      const threshold = veleroAgeThreshold(s);
      add(
        'DrcVeleroBackupTooOld',
        `time() - ${EXTERNAL_METRICS.veleroLastSuccess}${SELECTOR} > ${threshold}`,
        holdFor(threshold),
        `${SERVICE}: Velero schedule ${SCHEDULE} missed its backups`,
        `The newest successful backup of Velero schedule ${SCHEDULE} is older than ${durationWords(threshold)} (schedule gap ${durationWords(s.gapSeconds)} plus slack).`,
        { kind: 'age', metric: EXTERNAL_METRICS.veleroLastSuccess, series: { schedule: s.name }, threshold },
        [s.name],
      );
      baseline.push(
        { metric: EXTERNAL_METRICS.veleroLastSuccess, labels: { schedule: s.name }, healthy: 'ts' },
        { metric: EXTERNAL_METRICS.veleroFailures, labels: { schedule: s.name }, healthy: 'zero' },
        { metric: EXTERNAL_METRICS.veleroPartialFailures, labels: { schedule: s.name }, healthy: 'zero' },
      );
    }
    const main = veleroService.schedules[0];
    if (main) {
      const forAbsent = veleroAgeThreshold(main);
      add(
        'DrcVeleroMetricsMissing',
        `absent(${EXTERNAL_METRICS.veleroLastSuccess}${SELECTOR})`,
        forAbsent,
        `${SERVICE}: no Velero backup success recorded for schedule ${SCHEDULE}`,
        `Velero reports no successful backup of schedule ${SCHEDULE} for ${durationWords(forAbsent)}: Velero is not scraped, was restarted and has not completed a backup since, or the schedule does not exist.`,
        { kind: 'absent', metric: EXTERNAL_METRICS.veleroLastSuccess, series: { schedule: main.name } },
        [main.name],
      );
      const names = veleroService.schedules.map((s) => s.name);
      add(
        'DrcVeleroBackupFailed',
        `increase(${EXTERNAL_METRICS.veleroFailures}${SELECTOR}[1h]) > 0 or increase(${EXTERNAL_METRICS.veleroPartialFailures}${SELECTOR}[1h]) > 0`,
        MIN,
        `${SERVICE}: a Velero backup failed`,
        `A backup of Velero schedule ${SCHEDULE} failed or partially failed in the last hour.`,
        { kind: 'increase', metric: EXTERNAL_METRICS.veleroFailures, series: { schedule: main.name } },
        names,
      );
    }
  } else if (service.kind !== 'aws-backup') {
    // AWS Backup runs its own jobs and no drc script writes drc_backup_* for it: its jobs are watched by
    // the CloudWatch alarms of the CloudFormation stack (docs/artifacts/aws.md).
    if (t.backupAge !== null) {
      const why = hasContinuousMechanism(service)
        ? `the schedule's longest gap for full copies plus slack (the RPO is met by the continuous mechanism)`
        : `RPO ${durationWords(t.backupAge)}`;
      add(
        'DrcBackupTooOld',
        `time() - ${METRICS.backupLastSuccess}${SELECTOR} > ${t.backupAge}`,
        holdFor(t.backupAge),
        `${SERVICE}: newest backup older than ${durationWords(t.backupAge)}`,
        `The newest successful backup of ${SERVICE} in {{ $labels.region }} is older than ${durationWords(t.backupAge)} (${why}).`,
        { kind: 'age', metric: METRICS.backupLastSuccess, series: seriesLabels, threshold: t.backupAge },
      );
      const forAbsent = Math.min(t.backupAge, HOUR);
      add(
        'DrcBackupMetricsMissing',
        `absent(${METRICS.backupLastSuccess}${SELECTOR})`,
        Math.max(5 * MIN, forAbsent),
        `${SERVICE}: no backup metrics`,
        `No ${METRICS.backupLastSuccess} series for ${SERVICE}: the backup has never succeeded, or its textfile is not collected.`,
        { kind: 'absent', metric: METRICS.backupLastSuccess, series: { service: name } },
      );
    }
    add(
      'DrcBackupFailed',
      `${METRICS.backupLastStatus}${SELECTOR} == 0`,
      MIN,
      `${SERVICE}: the last backup failed`,
      `The last backup run of ${SERVICE} to {{ $labels.region }} failed.`,
      { kind: 'zero', metric: METRICS.backupLastStatus, series: seriesLabels },
    );
    for (const r of service.regions.length > 0 ? service.regions : [region]) {
      const l = { service: name, tier, region: r };
      baseline.push({ metric: METRICS.backupLastSuccess, labels: l, healthy: 'ts' }, { metric: METRICS.backupLastStatus, labels: l, healthy: 'one' });
    }
  }

  if (service.postgresql?.pitr && t.rpo !== null) {
    add(
      'DrcWalArchiveStale',
      `${EXTERNAL_METRICS.pgArchiveAge}${SELECTOR} > ${t.rpo}`,
      holdFor(t.rpo),
      `${SERVICE}: WAL archiving is behind the RPO`,
      `PostgreSQL archived its last WAL segment more than ${durationWords(t.rpo)} ago (RPO): point-in-time recovery would lose more than the RPO.`,
      { kind: 'above', metric: EXTERNAL_METRICS.pgArchiveAge, series: { service: name }, threshold: t.rpo },
    );
    add(
      'DrcWalArchiveFailing',
      `increase(${EXTERNAL_METRICS.pgArchiveFailed}${SELECTOR}[5m]) > 0`,
      10 * MIN,
      `${SERVICE}: WAL archiving keeps failing`,
      `archive_command (pgbackrest archive-push) of ${SERVICE} has failed for 10 minutes; pg_wal grows until it succeeds.`,
      { kind: 'increase', metric: EXTERNAL_METRICS.pgArchiveFailed, series: { service: name } },
    );
    baseline.push(
      { metric: EXTERNAL_METRICS.pgArchiveAge, labels: { service: name }, healthy: 'zero' },
      { metric: EXTERNAL_METRICS.pgArchiveFailed, labels: { service: name }, healthy: 'zero' },
    );
  }

  const restoreLabels = restoreTestLabels(policy, service);
  if (t.restoreTestAge !== null) {
    add(
      'DrcRestoreTestOverdue',
      `time() - ${METRICS.restoreTestLastSuccess}${SELECTOR} > ${t.restoreTestAge}`,
      holdFor(t.restoreTestAge),
      `${SERVICE}: restore test overdue`,
      `The last successful restore test of ${SERVICE} is older than ${durationWords(t.restoreTestAge)} (restore_test ${service.restoreTest!.value.text}).`,
      { kind: 'age', metric: METRICS.restoreTestLastSuccess, series: restoreLabels, threshold: t.restoreTestAge },
    );
    add(
      'DrcRestoreTestMissing',
      `absent(${METRICS.restoreTestLastSuccess}${SELECTOR})`,
      RESTORE_TEST_ABSENT_FOR,
      `${SERVICE}: no restore test recorded`,
      `No ${METRICS.restoreTestLastSuccess} series for ${SERVICE} for ${durationWords(RESTORE_TEST_ABSENT_FOR)}: run scripts/${SERVICE}/restore-test.sh and collect its metrics.`,
      { kind: 'absent', metric: METRICS.restoreTestLastSuccess, series: { service: name } },
    );
  }
  add(
    'DrcRestoreTestFailed',
    `${METRICS.restoreTestLastStatus}${SELECTOR} == 0`,
    MIN,
    `${SERVICE}: the last restore test failed`,
    `The last restore test of ${SERVICE} failed: the backups may not be restorable.`,
    { kind: 'zero', metric: METRICS.restoreTestLastStatus, series: restoreLabels },
  );
  baseline.push(
    { metric: METRICS.restoreTestLastSuccess, labels: restoreLabels, healthy: 'ts' },
    { metric: METRICS.restoreTestLastStatus, labels: restoreLabels, healthy: 'one' },
  );
  return { drafts, baseline };
}

/**
 * The service of a Velero schedule, from its name: `<service>` or `<service>.<period>` (kubernetes/plan.ts;
 * no service name has a `.`). Velero labels its series by schedule only.
 */
export const VELERO_SERVICE = '([^.]+)(?:[.].*)?';

/** The vector with a `service` label taken from its `schedule` (VELERO_SERVICE). */
function withService(vector: string): string {
  return `label_replace(${vector}, "service", "$1", "schedule", "${VELERO_SERVICE}")`;
}

/**
 * The draft's expression for its rule's services: their names in one matcher (`service="a"` or
 * `service=~"a|b"`). absent() of a regex matcher fires only when all are missing, and without a `service`
 * label, so for several it is `drc:service:info{…} unless on (service) <metric>`. Velero's select their
 * schedules and take `service` from them; a main schedule is named for its service.
 */
function ruleExpr(draft: AlertDraft, members: readonly AlertMember[]): string {
  const s = draft.scenario;
  const absent = s.kind === 'absent' && draft.expr === `absent(${s.metric}${SELECTOR})`;
  const names = members.map((m) => m.service.name);
  if (draft.schedules === undefined) {
    if (absent && names.length > 1) return `${SERVICES}{${oneOf('service', names)}} unless on (service) ${s.metric}`;
    return draft.expr.split(SELECTOR).join(`{${oneOf('service', names)}}`);
  }
  if (absent && names.length > 1) return `label_replace(${SERVICES}{${oneOf('service', names)}}, "schedule", "$1", "service", "(.+)") unless on (schedule) ${s.metric}`;
  return withService(draft.expr.split(SELECTOR).join(`{${oneOf('schedule', members.flatMap((m) => m.schedules!))}}`));
}

/**
 * Rules from every service's drafts: drafts with the same key make one rule, which selects their
 * services by one matcher. At 10,000 services, 57,000 rules become a few dozen, and `promtool test
 * rules`, which evaluates every rule at every step, takes minutes instead of hours. Also the recording
 * rules (SERVICES) that the absent() rules of several services read.
 */
function mergeRules(services: readonly { service: Service; drafts: readonly AlertDraft[] }[]): { rules: AlertRule[]; records: RecordingRule[] } {
  const byKey = new Map<string, { draft: AlertDraft; members: AlertMember[] }>();
  for (const { service, drafts } of services) {
    for (const draft of drafts) {
      const member: AlertMember = draft.schedules ? { service, scenario: draft.scenario, schedules: draft.schedules } : { service, scenario: draft.scenario };
      const found = byKey.get(draft.key);
      if (found) found.members.push(member);
      else byKey.set(draft.key, { draft, members: [member] });
    }
  }
  const rules: AlertRule[] = [];
  const expected = new Set<string>(); // services, for SERVICES
  for (const { draft, members } of byKey.values()) {
    const expr = ruleExpr(draft, members);
    rules.push({ alert: draft.alert, expr, forSeconds: draft.forSeconds, labels: { ...draft.labels, drc_rule: ruleId(draft) }, annotations: draft.annotations, members });
    if (expr.includes(`${SERVICES}{`)) for (const m of members) expected.add(m.service.name);
  }
  return { rules, records: [...expected].sort().map((service) => ({ record: SERVICES, expr: 'vector(1)', labels: { service } })) };
}

/**
 * The `drc_rule` label: the first 12 hex digits of the sha256 of the rule's text with its services left
 * out. Rules of one alert name whose labels are otherwise equal (the same tier, another threshold) need
 * it: `promtool check rules` reports rules with the same name and labels as a lint error. It stays the
 * same when services join or leave the rule, so Prometheus keeps the rule's pending and firing alerts
 * across a reload; a new threshold, `for` or text is a new rule.
 */
function ruleId(draft: AlertDraft): string {
  return sha256Hex(draft.key).slice(0, 12);
}

export interface PolicyAlerts {
  services: readonly ServiceAlerts[];
  rules: readonly AlertRule[];
  records: readonly RecordingRule[];
  byService: Map<Service, ServiceAlerts>;
}

const alertsOf = new WeakMap<Policy, PolicyAlerts>();

/**
 * Every service's alerts (by service name) and the rules that watch them, built once per policy: the
 * monitoring files and the runbooks (which list the alerts that link to them) both read them. Shared:
 * callers must not modify them.
 */
export function policyAlerts(policy: Policy): PolicyAlerts {
  let found = alertsOf.get(policy);
  if (!found) {
    const velero = planVelero(policy);
    const runbook = runbookTemplate(policy);
    const labelSets = new Map<string, SharedLabels>();
    const drafted = [...policy.services].sort(byName).map((service) => {
      const labelsKey = `${severity(service)}\n${tierName(service)}`;
      let shared = labelSets.get(labelsKey);
      if (!shared) {
        const labels = ruleLabels(policy, service);
        labelSets.set(labelsKey, (shared = { labels, key: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join('\n') }));
      }
      return { service, ...serviceDrafts(policy, service, velero, shared, runbook) };
    });
    const services: ServiceAlerts[] = drafted.map(({ service, drafts, baseline }) => ({ service, alerts: drafts, baseline }));
    const { rules, records } = mergeRules(drafted);
    alertsOf.set(policy, (found = { services, rules, records, byService: new Map(services.map((s) => [s.service, s])) }));
  }
  return found;
}

/** When each alert fires, in words, for the runbooks (test/emitters/docs.test.ts: every alert has one). */
export const ALERT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  DrcBackupTooOld:
    'the newest successful backup in a region is older than the RPO (for continuous services: the longest gap between full copies, plus slack)',
  DrcBackupMetricsMissing: 'no drc_backup_last_success_timestamp_seconds series: the backup never succeeded, or its metrics file is not collected',
  DrcBackupFailed: 'the last backup run to a region failed (drc_backup_last_status == 0)',
  DrcWalArchiveStale: 'PostgreSQL archived its last WAL segment longer ago than the RPO (pg_stat_archiver_last_archive_age)',
  DrcWalArchiveFailing: 'archive_command (pgbackrest archive-push) keeps failing (pg_stat_archiver_failed_count rising for 10 minutes)',
  DrcRestoreTestOverdue: 'no successful restore test within the restore_test frequency',
  DrcRestoreTestMissing: 'no drc_restore_test_last_success_timestamp_seconds series for 6 hours: no restore test has run, or its metrics are not collected',
  DrcRestoreTestFailed: 'the last restore test failed (drc_restore_test_last_status == 0)',
  DrcVeleroBackupTooOld: 'the newest successful backup of one of its Velero schedules is older than the schedule gap plus slack',
  DrcVeleroMetricsMissing: 'Velero reports no successful backup of its main schedule: Velero is not scraped, was restarted, or the schedule is missing',
  DrcVeleroBackupFailed: 'a backup of one of its Velero schedules failed or partially failed in the last hour',
};

/** The alerts of one service (each name once, in rule order), with when they fire. */
export function alertsFor(policy: Policy, service: Service): { name: string; when: string }[] {
  const own = policyAlerts(policy).byService.get(service);
  const names = [...new Set((own?.alerts ?? []).map((a) => a.alert))];
  return names.map((name) => {
    const when = ALERT_DESCRIPTIONS[name];
    if (when === undefined) throw new Error(`drc: alert ${name} has no description for the runbooks`);
    return { name, when };
  });
}
