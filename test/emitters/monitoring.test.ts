import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { METRICS } from '../../src/emitters/layout.js';
import { emit } from '../../src/emitters/monitoring/index.js';
import { EXTERNAL_METRICS, holdFor, labelsText, policyAlerts, renderTemplate, SERVICES, templateLiteral, thresholds, VELERO_SERVICE } from '../../src/emitters/monitoring/alerts.js';
import { LONG_EVALUATION_INTERVAL, LONG_SCENARIO_AFTER, rulesDocument, testDocuments } from '../../src/emitters/monitoring/rules.js';
import { plainData, toYaml } from '../../src/emitters/serialize.js';
import type { Artifact } from '../../src/emitters/types.js';
import type { Policy } from '../../src/model/types.js';
import { makeTempDir, requireTool, run } from '../harness/index.js';
import { sharedReference } from '../harness/shared.js';
import { matcherNames, recordingRules, rulesByService, serviceOfSchedule } from '../harness/alert-rules.js';
import { oneOf } from '../../src/emitters/monitoring/promql.js';

const SCHEMAS = sharedReference('prometheus-schemas');

function validator(file: string): any {
  const AjvClass = (Ajv as any).default ?? Ajv;
  const formats = (addFormats as any).default ?? addFormats;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  formats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')));
}
const VALIDATE_RULES = validator('prometheus.rules.json');
const VALIDATE_TESTS = validator('prometheus.rules.test.json');

function policyOf(text: string): Policy {
  const lint = lintText(text, 'drc.yaml');
  expect(lint.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.rule}: ${d.message}`)).toEqual([]);
  return lint.policy!;
}

function build(policy: Policy): Artifact[] {
  return [...emit({ policy, diagnostics: [], rules: [], drcVersion: '0.0.0-test' })];
}

function content(artifacts: Artifact[], path: string): string {
  const a = artifacts.find((x) => x.path === path);
  expect(a, path).toBeDefined();
  return a!.content;
}

const RULES = 'monitoring/prometheus/backup-alerts.yml';
const TESTS = 'monitoring/prometheus/backup-alerts.test.yml';
const LONG_TESTS = 'monitoring/prometheus/backup-alerts.long.test.yml';
const DASHBOARD = 'monitoring/grafana/backup-dashboard.json';

/** The promtool test files among the artifacts (the long one only when the policy has long scenarios). */
function testFilesOf(artifacts: Artifact[]): Artifact[] {
  return artifacts.filter((a) => a.path === TESTS || a.path === LONG_TESTS);
}

/** promtool check rules + test rules (every test file) on the generated files, in a temp dir. */
async function promtool(artifacts: Artifact[], rulesText = content(artifacts, RULES)) {
  requireTool('promtool');
  const tmp = makeTempDir('promtool');
  try {
    writeFileSync(join(tmp.path, 'backup-alerts.yml'), rulesText);
    const tests = testFilesOf(artifacts).map((a) => a.path.split('/').pop()!);
    for (const a of testFilesOf(artifacts)) writeFileSync(join(tmp.path, a.path.split('/').pop()!), a.content);
    const check = await run('promtool', ['check', 'rules', 'backup-alerts.yml'], { cwd: tmp.path });
    const test = await run('promtool', ['test', 'rules', ...tests], { cwd: tmp.path, timeoutMs: 120_000 });
    return { check, test };
  } finally {
    await tmp.cleanup();
  }
}

const ALLOWED_METRICS = new Set<string>([...Object.values(METRICS), ...Object.values(EXTERNAL_METRICS), SERVICES]);

/** The services a dashboard query selects: its first matcher, `service="a"` or `service=~"a|b"`. */
const servicesIn = (expr: string): string[] => matcherNames(expr, 'service', true)!;

function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!);
}

const RICH = `
version: 1
name: rich
regions: { primary: eu-west-1, secondary: [eu-central-1] }
encryption: { at_rest: AES256 }
storage:
  main:
    type: s3
    bucket: rich-main-euw1
    region: eu-west-1
    replicas: [{ bucket: rich-main-euc1, region: eu-central-1 }]
    object_lock: { mode: governance, days: 7 }
tiers:
  gold: { rto: 1h, rpo: 2m, retention: 14d, restore_test: weekly, min_regions: 2, dr_drill: quarterly }
  bronze: { rto: 1d, rpo: 1d, retention: 7d, restore_test: monthly }
defaults: { owner: team, storage: main }
services:
  ledger:
    tier: gold
    kind: postgresql
    postgresql: { host: ledger.internal, port: 5432, database: ledger, user: backup, pitr: true }
    schedule: every 90m
  files:
    tier: bronze
    kind: files
    environment: staging
    paths: [/srv]
    schedule: daily at 04:00
  kube:
    tier: gold
    kind: kubernetes
    namespaces: { include: [shop] }
    schedule: every 2m
    retention: { keep: { daily: 7, weekly: 2 } }
monitoring:
  runbook_url: "https://runbooks.example/{service}?ref={{x}}"
  alert_labels: { team: "sre-{{ .oops }}", page: "yes" }
`;

describe('monitoring emitter', () => {
  it('a rich policy: promtool check rules and promtool test rules pass', async () => {
    const artifacts = build(policyOf(RICH));
    expect(artifacts.map((a) => a.path)).toEqual([RULES, TESTS, LONG_TESTS, DASHBOARD]);
    const { check, test } = await promtool(artifacts);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(test.code, test.stdout + test.stderr).toBe(0);
  });

  it('the acme example: promtool check rules and promtool test rules pass', async () => {
    const file = 'examples/acme/drc.yaml';
    expect(existsSync(file)).toBe(true);
    const artifacts = build(policyOf(readFileSync(file, 'utf8')));
    const { check, test } = await promtool(artifacts);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    const rules = parse(content(artifacts, RULES));
    expect(rules.groups.map((g: any) => g.name)).toEqual(['drc']);
    const written = rulesByService(rules);
    const alerts = written.map(({ rule }) => rule);
    const of = (service: string): any[] => written.filter(({ services }) => services.includes(service)).map(({ rule }) => rule);
    const db = of('production-db');
    expect(db.map((r: any) => r.alert)).toEqual(expect.arrayContaining(['DrcBackupTooOld', 'DrcWalArchiveStale', 'DrcWalArchiveFailing', 'DrcRestoreTestOverdue']));
    expect(db.every((r: any) => r.labels.severity === 'critical' && r.labels.team === 'sre' && r.labels.service === undefined)).toBe(true);
    expect(renderTemplate(db[0].annotations.runbook_url, { service: 'production-db' })).toBe('https://runbooks.acme.example/dr/production-db');
    // WAL archiving watches the RPO (15m); the scheduled copies watch the schedule gap + slack (1h + 15m).
    expect(db.find((r: any) => r.alert === 'DrcWalArchiveStale').expr).toBe('pg_stat_archiver_last_archive_age{service="production-db"} > 900');
    expect(db.find((r: any) => r.alert === 'DrcBackupTooOld').expr).toBe('time() - drc_backup_last_success_timestamp_seconds{service="production-db"} > 4500');
    const analytics = of('analytics-db');
    expect(analytics.every((r: any) => r.labels.severity === 'warning')).toBe(true);
    const velero = alerts.filter((r: any) => r.alert === 'DrcVeleroBackupTooOld').map((r: any) => r.expr);
    // Velero labels its series by schedule: the rules take the service from the schedule's name.
    const withService = (inner: string) => `label_replace(${inner}, "service", "$1", "schedule", "${VELERO_SERVICE}")`;
    expect(velero).toEqual([
      withService('time() - velero_backup_last_successful_timestamp{schedule="cluster-state"} > 27000'),
      withService('time() - velero_backup_last_successful_timestamp{schedule="cluster-state.daily"} > 108000'),
      withService('time() - velero_backup_last_successful_timestamp{schedule="cluster-state.weekly"} > 626400'),
    ]);
    expect(VELERO_SERVICE).toBe('([^.]+)(?:[.].*)?');
  });

  it('the generated tests are real: a weakened threshold makes promtool test rules fail', async () => {
    const artifacts = build(policyOf(RICH));
    const broken = content(artifacts, RULES).replace('drc_backup_last_status{service="files"} == 0', 'drc_backup_last_status{service="files"} == 2');
    expect(broken).not.toBe(content(artifacts, RULES));
    const { test } = await promtool(artifacts, broken);
    expect(test.code).toBe(1);
    expect(test.stdout + test.stderr).toMatch(/DrcBackupFailed/);
  });

  it('long absent() scenarios are in the long file, on its 15-minute grid; every rule is expected to fire in one of the files', () => {
    const seconds = (d: string) => {
      const m = /^(\d+)([smhd])$/.exec(d)!;
      return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
    };
    for (const text of [RICH, readFileSync('examples/acme/drc.yaml', 'utf8')]) {
      const artifacts = build(policyOf(text));
      const written = rulesByService(parse(content(artifacts, RULES)));
      // The rule an expected alert comes from: its name, every label of the rule as promtool renders it, and the service.
      const covered = new Set<unknown>();
      const ruleOf = (alertname: string, labels: Record<string, string>) => {
        const matching = written.filter(
          ({ rule, services }) =>
            rule.alert === alertname && Object.entries(rule.labels).every(([k, v]) => renderTemplate(v, labels) === labels[k]) && services.includes(labels.service!),
        );
        expect(matching.length, `${alertname} ${JSON.stringify(labels)}`).toBe(1);
        covered.add(matching[0]!.rule);
        return matching[0]!.rule;
      };
      const minute = parse(content(artifacts, TESTS));
      const long = parse(content(artifacts, LONG_TESTS));
      expect(minute.evaluation_interval).toBe('1m');
      expect(long.evaluation_interval).toBe('15m');
      expect(LONG_EVALUATION_INTERVAL).toBe(900);
      for (const t of minute.tests) for (const c of t.alert_rule_test) {
        expect(seconds(c.eval_time)).toBeLessThanOrEqual(LONG_SCENARIO_AFTER);
        for (const a of c.exp_alerts) ruleOf(c.alertname, a.exp_labels);
      }
      expect(long.tests.length).toBeGreaterThan(0);
      for (const t of long.tests) {
        expect(t.interval).toBe('1m'); // samples stay a minute apart: never stale between evaluations
        const expectedAt = (c: any) => new Set(c.exp_alerts.map((a: any) => JSON.stringify(a.exp_labels)));
        for (const c of t.alert_rule_test) {
          expect(seconds(c.eval_time) % 900).toBe(0);
          for (const a of c.exp_alerts) {
            const rule = ruleOf(c.alertname, a.exp_labels);
            // absent() of one service, or its form for several (which absent() of a regex matcher is not).
            expect(rule.expr).toMatch(/^absent\(|^drc:service:info\{[^}]*\} unless on \(service\) \w+$|^label_replace\((absent\(|drc:service:info)/);
            const hold = seconds(rule.for);
            expect(hold).toBeLessThanOrEqual(seconds(c.eval_time));
            expect(seconds(c.eval_time)).toBeGreaterThan(LONG_SCENARIO_AFTER);
            // At the last 15-minute step before its `for` has passed, the alert is checked and not firing.
            const quiet = Math.ceil(hold / 900) * 900 - 900;
            const before = t.alert_rule_test.find((x: any) => x.alertname === c.alertname && seconds(x.eval_time) === quiet);
            expect(before, `${c.alertname} at ${quiet}s`).toBeDefined();
            expect(expectedAt(before).has(JSON.stringify(a.exp_labels))).toBe(false);
          }
        }
      }
      expect(covered.size).toBe(written.length);
    }
  });

  it('the long file is a real test: a restore-test absent() alert held an hour less or more makes promtool test rules fail', async () => {
    const artifacts = build(policyOf(RICH));
    const rules = content(artifacts, RULES);
    // ledger's and kube's: one rule, its absent() form for several services.
    const missing = /(- alert: DrcRestoreTestMissing\n\s+expr: drc:service:info\{service=~"kube\|ledger"\} unless on \(service\) drc_restore_test_last_success_timestamp_seconds\n\s+for: )6h/;
    expect(rules).toMatch(missing);
    for (const hold of ['5h', '7h']) {
      const { test } = await promtool(artifacts, rules.replace(missing, `$1${hold}`));
      expect(test.code, hold).toBe(1);
      expect(test.stdout + test.stderr).toMatch(/DrcRestoreTestMissing/);
    }
  });

  it('a rule several services share is a real test: dropping its last service, or its recorded name, makes promtool test rules fail', async () => {
    const artifacts = build(policyOf(RICH));
    const rules = content(artifacts, RULES);
    const mutations: [string, string, RegExp][] = [
      ['drc_restore_test_last_status{service=~"kube|ledger"} == 0', 'drc_restore_test_last_status{service=~"kube"} == 0', /DrcRestoreTestFailed/],
      ['drc:service:info{service=~"kube|ledger"} unless', 'drc:service:info{service=~"kube"} unless', /DrcRestoreTestMissing/],
      ['      - record: drc:service:info\n        expr: vector(1)\n        labels:\n          service: ledger\n', '', /DrcRestoreTestMissing/],
    ];
    for (const [from, to, alert] of mutations) {
      expect(rules).toContain(from);
      const { test } = await promtool(artifacts, rules.replace(from, to));
      expect(test.code, from).toBe(1);
      expect(test.stdout + test.stderr).toMatch(alert);
    }
  });

  it('services whose alert is the same but for their name share one rule; each alert of each service is in exactly one rule', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const generated = generatePolicy(300);
    for (const text of [RICH, readFileSync('examples/acme/drc.yaml', 'utf8'), generated]) {
      const policy = policyOf(text);
      const own = policyAlerts(policy).services.flatMap((s) => s.alerts.map((a) => `${a.alert} ${s.service.name}`)).sort();
      const written = rulesByService(parse(content(build(policy), RULES)));
      expect(written.flatMap(({ rule, services }) => services.map((s) => `${rule.alert} ${s}`)).sort()).toEqual(own);
      for (const { rule, services } of written) {
        // No `service` label (the series has it), so a rule's labels do not depend on its services; the
        // texts name each service through the template.
        expect(rule.labels.service).toBeUndefined();
        for (const key of ['summary', 'description', 'runbook_url']) expect(rule.annotations[key]).not.toMatch(new RegExp(`\\b(${services.join('|')})\\b`));
        const last = services[services.length - 1]!;
        expect(renderTemplate(rule.annotations.summary!, { service: last })).toMatch(new RegExp(`^${last}: `));
      }
      // Velero's rules select exactly the schedules of their services' alerts, and each schedule's name gives its service.
      const selected = written.filter(({ rule }) => rule.alert.startsWith('DrcVelero')).flatMap(({ rule }) => {
        const schedules = matcherNames(rule.expr, 'schedule');
        const services = matcherNames(rule.expr, 'service');
        return (schedules ?? services!).map((name) => `${rule.alert} ${serviceOfSchedule(name)} ${name}`);
      });
      // (An absent() rule of several selects their main schedules by service: a main schedule is named for its service.)
      const planned = policyAlerts(policy).services.flatMap((s) =>
        (s.alerts as { alert: string; schedules?: readonly string[] }[]).flatMap((a) => (a.schedules ?? []).map((n) => `${a.alert} ${s.service.name} ${n}`)),
      );
      expect(selected.sort()).toEqual(planned.sort());
      // Every rule carries drc_rule, so no two rules have the same name and labels (promtool rejects that).
      const identities = written.map(({ rule }) => `${rule.alert} ${JSON.stringify(Object.entries(rule.labels).sort())}`);
      expect(new Set(identities).size).toBe(written.length);
      // The recorded names are exactly the services that the absent() rules of several services read.
      const records = recordingRules(parse(content(build(policy), RULES)));
      const listed = records.map((r) => r.labels.service!);
      expect(records.every((r) => r.record === SERVICES && r.expr === 'vector(1)')).toBe(true);
      expect(new Set(listed).size).toBe(listed.length);
      expect(new Set(listed)).toEqual(new Set(written.filter(({ rule }) => rule.expr.includes(SERVICES)).flatMap(({ services }) => services)));
      if (text === generated) {
        expect(written.length).toBeLessThan(own.length / 20);
        expect(written.some(({ rule, services }) => rule.alert === 'DrcVeleroMetricsMissing' && services.length > 1)).toBe(true);
      }
    }
  });

  it('150 services: promtool check rules and promtool test rules pass, with fewer alert rules than services', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const policy = policyOf(generatePolicy(150));
    const artifacts = build(policy);
    const { check, test } = await promtool(artifacts);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const alerts = policyAlerts(policy).services.reduce((n, s) => n + s.alerts.length, 0);
    expect(alerts).toBeGreaterThan(800);
    expect(rulesByService(parse(content(artifacts, RULES))).length).toBeLessThan(150);
    expect(test.code, test.stdout + test.stderr).toBe(0);
  }, 180_000);

  it('rule and test files match the SchemaStore schemas', () => {
    for (const text of [RICH, readFileSync('examples/acme/drc.yaml', 'utf8')]) {
      const artifacts = build(policyOf(text));
      const rules = parse(content(artifacts, RULES));
      expect(VALIDATE_RULES(rules), JSON.stringify(VALIDATE_RULES.errors)).toBe(true);
      expect(testFilesOf(artifacts).length).toBe(2);
      for (const file of testFilesOf(artifacts)) {
        const tests = parse(file.content);
        expect(VALIDATE_TESTS(tests), JSON.stringify(VALIDATE_TESTS.errors)).toBe(true);
      }
    }
    expect(VALIDATE_RULES({ groups: [{ name: 'x', rules: [{ alert: 'A', expr: 'up', bogus: 1 }] }] })).toBe(false);
  });

  it('every metric in an alert is a drc metric (layout.METRICS) or a documented external one', () => {
    for (const text of [RICH, readFileSync('examples/acme/drc.yaml', 'utf8')]) {
      const rules = parse(content(build(policyOf(text)), RULES));
      const used = new Set<string>();
      for (const g of rules.groups) for (const r of g.rules) for (const m of metricNames(r.expr)) used.add(m);
      expect(used.size).toBeGreaterThan(3);
      for (const m of used) expect(ALLOWED_METRICS.has(m), m).toBe(true);
      for (const file of testFilesOf(build(policyOf(text)))) {
        for (const t of parse(file.content).tests) for (const s of t.input_series) expect(ALLOWED_METRICS.has(s.series.split('{')[0]), s.series).toBe(true);
      }
    }
  });

  it('labels and annotations: severity by tier, alert_labels, runbook with {service}, template text escaped', () => {
    const written = rulesByService(parse(content(build(policyOf(RICH)), RULES)));
    const all: any[] = written.map(({ rule }) => rule);
    const of = (service: string): any[] => written.filter(({ services }) => services.includes(service)).map(({ rule }) => rule);
    const ledger = of('ledger');
    expect(ledger.every((r: any) => r.labels.severity === 'critical' && r.labels.tier === 'gold')).toBe(true);
    expect(of('files').every((r: any) => r.labels.severity === 'warning')).toBe(true);
    expect(ledger[0].labels.team).toBe('sre-{{ "{{" }} .oops }}');
    expect(renderTemplate(ledger[0].labels.team, {})).toBe('sre-{{ .oops }}');
    expect(ledger[0].labels.page).toBe('yes');
    expect(ledger[0].annotations.runbook_url).toBe('https://runbooks.example/{{ $labels.service }}?ref={{ "{{" }}x}}');
    expect(renderTemplate(ledger[0].annotations.runbook_url, { service: 'ledger' })).toBe('https://runbooks.example/ledger?ref={{x}}');
    for (const r of all) {
      expect(r.for).toMatch(/^\d+[smhd]$/);
      expect(Object.keys(r.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
    }
    // RPO 2m: WAL staleness after 2 minutes, held 1 minute.
    expect(ledger.find((r: any) => r.alert === 'DrcWalArchiveStale')).toMatchObject({ expr: 'pg_stat_archiver_last_archive_age{service="ledger"} > 120', for: '1m' });
    // The files service is not continuous: its copies are checked against the RPO (1 day).
    expect(of('files').find((r: any) => r.alert === 'DrcBackupTooOld').expr).toBe(
      'time() - drc_backup_last_success_timestamp_seconds{service="files"} > 86400',
    );
    expect(templateLiteral('a{{b')).toBe('a{{ "{{" }}b');
    expect(holdFor(900)).toBe(60);
    expect(holdFor(86400)).toBe(1800);
  });

  it('the Grafana dashboard: schemaVersion, DS_PROMETHEUS, variables, panels, per-service thresholds', () => {
    const artifacts = build(policyOf(readFileSync('examples/acme/drc.yaml', 'utf8')));
    const d = JSON.parse(content(artifacts, DASHBOARD));
    expect(d.schemaVersion).toBe(39);
    expect(d.uid).toBe('drc-acme-production');
    expect(d.uid.length).toBeLessThanOrEqual(40);
    expect(d.id).toBeUndefined();
    expect(d.__inputs[0]).toMatchObject({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' });
    expect(d.templating.list.map((v: any) => [v.name, v.type])).toEqual([['DS_PROMETHEUS', 'datasource'], ['tier', 'query'], ['service', 'query']]);
    const titles = d.panels.map((p: any) => p.title);
    expect(titles).toEqual(['Backup age vs RPO', 'Backup duration vs RTO', 'Backup size', 'Restore-test age', 'Last status', 'Velero backup age (kubernetes services)']);
    const ids = d.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels) {
      expect(p.gridPos.w + p.gridPos.x).toBeLessThanOrEqual(24);
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      for (const t of p.targets) for (const m of metricNames(t.expr)) expect(ALLOWED_METRICS.has(m), m).toBe(true);
    }
    const age = d.panels[0];
    const db = age.targets.find((t: any) => servicesIn(t.expr).includes('production-db'));
    const override = age.fieldConfig.overrides.find((o: any) => o.matcher.options === db.refId);
    expect(override.properties[0].value.steps[1].value).toBe(4500);
    const dbRto = d.panels[1].targets.find((t: any) => servicesIn(t.expr).includes('production-db'));
    const rto = d.panels[1].fieldConfig.overrides.find((o: any) => o.matcher.options === dbRto.refId);
    expect(rto.properties[0].value.steps[1].value).toBe(3600);
  });

  it('the dashboard shows each Velero schedule against its alert threshold, and no Velero panel without kubernetes services', () => {
    const artifacts = build(policyOf(RICH));
    const d = JSON.parse(content(artifacts, DASHBOARD));
    const velero = d.panels.find((p: any) => p.title.startsWith('Velero backup age'));
    expect(velero.targets.every((t: any) => t.legendFormat === '{{schedule}}')).toBe(true);
    // Every DrcVeleroBackupTooOld rule's schedule is drawn with the rule's own threshold.
    const rules = parse(content(artifacts, RULES)).groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert === 'DrcVeleroBackupTooOld');
    expect(rules.length).toBeGreaterThan(1); // the main schedule and the GFS ones
    for (const rule of rules) for (const schedule of matcherNames(rule.expr, 'schedule')!) {
      const threshold = Number(/> (\d+), "service"/.exec(rule.expr)![1]);
      const target = velero.targets.find((t: any) => matcherNames(t.expr, 'schedule')!.includes(schedule));
      expect(target, schedule).toBeDefined();
      const line = velero.fieldConfig.overrides.find((o: any) => o.matcher.options === target.refId);
      expect(line.properties[0].value.steps[1].value, schedule).toBe(threshold);
    }
    const noKube = RICH.replace(/  kube:\n(    .*\n)+/, '');
    expect(noKube).not.toContain('kind: kubernetes');
    const plain = JSON.parse(content(build(policyOf(noKube)), DASHBOARD));
    expect(plain.panels.map((p: any) => p.title)).not.toContain('Velero backup age (kubernetes services)');
  });

  it('the dashboard has one query per threshold, naming each service once with its own threshold', () => {
    const policy = policyOf(readFileSync('examples/acme/drc.yaml', 'utf8'));
    const d = JSON.parse(content(build(policy), DASHBOARD));
    const limits: [number, (s: any) => number | null][] = [[0, (s) => thresholds(s).backupAge], [1, (s) => thresholds(s).rto], [3, (s) => thresholds(s).restoreTestAge]];
    for (const [index, limit] of limits) {
      const panel = d.panels[index];
      const seen: string[] = [];
      const distinct = new Set(policy.services.map(limit));
      expect(panel.targets).toHaveLength(distinct.size);
      for (const target of panel.targets) {
        const names = servicesIn(target.expr);
        seen.push(...names);
        const override = panel.fieldConfig.overrides.find((o: any) => o.matcher.options === target.refId);
        for (const name of names) {
          const expected = limit(policy.servicesByName.get(name));
          if (expected === null) expect(override).toBeUndefined();
          else expect(override.properties[0].value.steps[1].value).toBe(expected);
        }
      }
      expect(seen.sort()).toEqual(policy.services.map((s) => s.name).sort());
    }
  });

  it('the dashboard stays small for 2,000 services (a query per threshold, not per service)', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const policy = policyOf(generatePolicy(2000));
    const d = JSON.parse(content(build(policy), DASHBOARD));
    expect(d.panels[0].targets.length).toBe(new Set(policy.services.map((s) => thresholds(s).backupAge)).size);
    expect(d.panels[0].targets.length).toBeLessThan(50);
    expect(JSON.stringify(d).length).toBeLessThan(400_000);
  });

  it('is deterministic', () => {
    expect(build(policyOf(RICH))).toEqual(build(policyOf(RICH)));
  });

  it('rules and tests written item by item (YamlItem) are what the same data writes as plain objects', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const odd = RICH.replace('alert_labels: { team: "sre-{{ .oops }}", page: "yes" }', `alert_labels: { team: "a: b #c", page: "no", zone: "08", quote: "it's \\"x\\"", empty: "" }`);
    const acme = readFileSync(join('examples', 'acme', 'drc.yaml'), 'utf8');
    for (const text of [RICH, odd, acme, generatePolicy(120)]) {
      const alerts = policyAlerts(policyOf(text));
      for (const document of [rulesDocument(alerts), ...testDocuments(alerts).map((f) => f.document)]) {
        const written = toYaml(document);
        expect(written).toBe(toYaml(plainData(document)));
        expect(parse(written)).toEqual(plainData(document));
      }
    }
  });

  it('a matcher from oneOf selects exactly its names, whatever they hold (property)', () => {
    // The matcher's string read as PromQL reads it (Go's strconv.Unquote for these escapes), then as an anchored RE2 regex.
    const read = (quoted: string) => quoted.replace(/\\(.)/gs, (_, c: string) => (c === 'n' ? '\n' : c));
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 12 }), (names, other) => {
        const m = /^service(=~?)"((?:[^"\\]|\\.)*)"$/s.exec(oneOf('service', names))!;
        expect(m).not.toBeNull();
        const text = read(m[2]!);
        const selects = (value: string) => (m[1] === '=' ? value === text : new RegExp(`^(?:${text})$`, 's').test(value));
        for (const n of names) expect(selects(n), n).toBe(true);
        expect(selects(other)).toBe(names.includes(other));
      }),
    );
  });

  it('labelsText escapes backslashes, quotes and line breaks, and keeps the labels in order', () => {
    expect(labelsText({ service: 'a', tier: 'b"c', region: 'x\\y\nz' })).toBe('service="a",tier="b\\"c",region="x\\\\y\\nz"');
    expect(labelsText({})).toBe('');
  });
});
