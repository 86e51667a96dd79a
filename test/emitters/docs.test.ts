import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { summarize } from '../../src/diagnostics.js';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { emit } from '../../src/emitters/docs/index.js';
import { policyAlerts, renderTemplate } from '../../src/emitters/monitoring/alerts.js';
import { rulesByService } from '../harness/alert-rules.js';
import { emit as emitMonitoring } from '../../src/emitters/monitoring/index.js';
import { requireTool, runOk, useTempDir } from '../harness/index.js';
import { checkpointMinutes } from '../../src/emitters/docs/model.js';
import type { Artifact } from '../../src/emitters/types.js';

const POLICY = `version: 1
name: shop-prod
owner: sre@shop.example
regions:
  primary: eu-west-1
  secondary: [eu-central-1]
encryption:
  at_rest: aws:kms
  kms_key: alias/shop
  replica_kms_keys: { eu-central-1: alias/shop-euc1 }
  client_side:
    method: age
    recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p]
storage:
  main:
    type: s3
    bucket: shop-backups-euw1
    region: eu-west-1
    replicas:
      - { bucket: shop-backups-euc1, region: eu-central-1 }
    object_lock: { mode: compliance, days: 30 }
  local:
    type: s3
    bucket: shop-local-euw1
    region: eu-west-1
tiers:
  gold:
    title: Critical
    rto: 1h
    rpo: 15m
    retention: 30d
    restore_test: monthly
    dr_drill: quarterly
    min_regions: 2
    immutable: true
  silver: { title: Important, rto: 4h, rpo: 24h, retention: 90d, restore_test: monthly, dr_drill: yearly }
defaults:
  storage: main
services:
  orders-db:
    title: Orders Database
    tier: gold
    owner: team-orders
    kind: postgresql
    postgresql: { host: db.internal, port: 5432, database: orders, user: backup, pitr: true }
    schedule: hourly
    data_size: 100GiB
    restore_rate: 200MiB/s
    retention:
      keep: { hourly: 24, daily: 30, monthly: 13 }
  assets:
    title: Asset files
    tier: silver
    owner: team-web
    kind: files
    paths: [/srv/assets]
    schedule: every 6h
    data_size: 10GiB
    restore_rate: 50MiB/s
  cluster:
    tier: silver
    owner: team-platform
    kind: kubernetes
    namespaces: { include: [shop] }
    schedule: daily at 01:00
  ledger:
    tier: gold
    owner: team-finance
    kind: aws-backup
    resources: { tags: { backup: ledger } }
    schedule: every 15m
    data_size: 1GiB
    restore_rate: 100MiB/s
    rto: 30m
  scratch:
    environment: staging
    owner: team-web
    kind: files
    paths: [/srv/scratch]
    # drc-ignore rto-feasible -- restore time measured in the last drill
    rto: 48h
    rpo: 48h
    retention: 14d
    restore_test: quarterly
    storage: local
    schedule: daily
    data_size: 10TiB
    restore_rate: 10MiB/s
monitoring:
  runbook_url: https://runbooks.shop.example/{service}
drills:
  scenario: eu-west-1 outage
  roles: [incident-commander, database-lead]
  notice: 14d
compliance:
  frameworks: [soc2]
`;

function build(text: string) {
  const lint = lintText(text, 'drc.yaml');
  expect(lint.policy).not.toBeNull();
  const artifacts = [...emit({ policy: lint.policy!, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: '0.0.0-test' })];
  const files = new Map(artifacts.map((a: Artifact) => [a.path, a.content]));
  const file = (path: string) => {
    const content = files.get(path);
    if (content === undefined) throw new Error(`no ${path} among ${[...files.keys()].join(', ')}`);
    return content;
  };
  return { lint, artifacts, files, file };
}

/** The rows of the first markdown table after a heading line that starts with `heading`. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}`);
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const rest = markdown.slice(start + 1);
  const next = rest.slice(heading.length).search(/\n#{1,2} /);
  return next < 0 ? rest : rest.slice(0, heading.length + next);
}

function rowOf(markdown: string, first: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${first} |`));
  expect(line, `row ${first}`).toBeDefined();
  return splitRow(line!);
}

/** Splits a table row on unescaped pipes. */
function splitRow(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') { cell += c + (line[i + 1] ?? ''); i++; continue; }
    if (c === '|') { cells.push(cell.trim()); cell = ''; continue; }
    cell += c;
  }
  return cells;
}

const tempDir = useTempDir('drc-docs');

describe('docs emitter', () => {
  const built = build(POLICY);

  it('the fixture lints without errors and has the suppressed finding', () => {
    expect(summarize(built.lint.diagnostics).errors).toBe(0);
    const suppressed = built.lint.diagnostics.filter((d) => d.suppressed);
    expect(suppressed.map((d) => d.rule)).toContain('rto-feasible');
  });

  it('writes the documented files', () => {
    expect([...built.files.keys()]).toEqual([
      'docs/compliance-report.md',
      'docs/dr-drill-checklist.md',
      'docs/dr-plan.md',
      'docs/rto-rpo-matrix.md',
      'docs/runbooks/assets.md',
      'docs/runbooks/cluster.md',
      'docs/runbooks/ledger.md',
      'docs/runbooks/orders-db.md',
      'docs/runbooks/scratch.md',
    ]);
    for (const a of built.artifacts) {
      expect(a.content.endsWith('\n')).toBe(true);
      expect(a.content).not.toMatch(/\r|[ \t]+\n|\n\n\n/);
      expect(a.executable).toBeFalsy();
    }
  });

  it('is deterministic', () => {
    const again = build(POLICY);
    expect(again.artifacts).toEqual(built.artifacts);
  });

  it('puts every service in the matrix under its tier with the right numbers', () => {
    const matrix = built.file('docs/rto-rpo-matrix.md');
    const gold = section(matrix, '## Critical (gold)');
    const silver = section(matrix, '## Important (silver)');
    const none = section(matrix, '## Services without a tier');
    const orders = rowOf(gold, 'Orders Database (orders-db)');
    expect(orders.slice(0, 9)).toEqual([
      'Orders Database (orders-db)',
      '1 hour',
      '15 minutes',
      'continuous WAL archiving + hourly full copies',
      '24 hourly, 30 daily, 13 monthly (390 days)',
      'eu-west-1, eu-central-1',
      'SSE-KMS alias/shop (eu-central-1: alias/shop-euc1) + age',
      'monthly',
      'quarterly',
    ]);
    // 100 GiB at 200 MiB/s = 512 s, + 10 % = 563.2 s → 10 minutes.
    expect(orders[9]).toContain('estimated restore 10 minutes');
    expect(orders[9]).toContain('RPO PASS');
    const ledger = rowOf(gold, 'ledger');
    expect(ledger.slice(1, 4)).toEqual(['30 minutes', '15 minutes', 'every 15 minutes']);
    expect(ledger[9]).toContain('worst-case loss 15 minutes');
    const assets = rowOf(silver, 'Asset files (assets)');
    expect(assets.slice(1, 6)).toEqual(['4 hours', '1 day', 'every 6 hours', '90 days', 'eu-west-1, eu-central-1']);
    expect(assets[8]).toBe('yearly');
    expect(rowOf(silver, 'cluster')[3]).toBe('daily at 01:00 (UTC)');
    expect(rowOf(silver, 'cluster')[9]).toContain('restore time unknown');
    const scratch = rowOf(none, 'scratch');
    expect(scratch.slice(1, 6)).toEqual(['2 days', '2 days', 'daily', '2 weeks', 'eu-west-1']);
    expect(scratch[9]).toContain('RTO FAIL');
    // Tier objectives.
    expect(rowOf(gold, 'Immutable')[1]).toBe('yes');
    expect(rowOf(gold, 'Min regions')[1]).toBe('2');
    expect(rowOf(silver, 'DR drill')[1]).toBe('yearly');
  });

  it('orders recovery by RTO, then name', () => {
    const plan = built.file('docs/dr-plan.md');
    const rows = section(plan, '## Recovery order').split('\n').filter((l) => /^\| \d+ \|/.test(l)).map(splitRow);
    expect(rows.map((r) => r[1])).toEqual([
      'ledger',
      'Orders Database (orders-db)',
      'Asset files (assets)',
      'cluster',
      'scratch',
    ]);
    expect(rows.map((r) => r[4])).toEqual(['30 minutes', '1 hour', '4 hours', '4 hours', '2 days']);
    expect(rowOf(section(plan, '## Owners'), 'team-web')[1]).toBe('assets, scratch');
    expect(plan).toContain('velero restore create --from-schedule \'cluster\'');
    expect(plan).toContain("aws backup start-restore-job --recovery-point-arn 'RECOVERY-POINT-ARN'");
    expect(plan).toMatch(/--backup-vault-name '[^']+' --region 'eu-central-1'/);
    expect(plan).toContain("'scripts/orders-db/restore.sh' --latest --target-db 'orders_restored' --region 'eu-central-1' --yes");
  });

  it('scales the checklist checkpoints to each drilled tier\'s RTO', () => {
    expect(checkpointMinutes(3600)).toEqual([5, 15, 30, 45, 60]);
    expect(checkpointMinutes(4 * 3600)).toEqual([20, 60, 120, 180, 240]);
    expect(checkpointMinutes(15 * 60)).toEqual([1, 4, 8, 11, 15]);
    const checklist = built.file('docs/dr-drill-checklist.md');
    const gold = section(checklist, '## Critical (gold)');
    const silver = section(checklist, '## Important (silver)');
    const marks = (text: string) => [...text.matchAll(/^### T\+(\d+) min/gm)].map((m) => Number(m[1]));
    expect(marks(gold)).toEqual([5, 15, 30, 45, 60]);
    expect(marks(silver)).toEqual([20, 60, 120, 180, 240]);
    expect(checklist).toContain('at least 2 weeks notice');
    expect(checklist).toContain('Assign role: incident-commander');
    expect(checklist).toContain('Simulate the scenario: eu-west-1 outage');
    expect(checklist).toContain('Schedule the next drill of Critical (gold): quarterly, at most 92 days after this drill');
    expect(rowOf(gold, 'ledger').slice(1, 3)).toEqual(['30 minutes', '15 minutes']);
  });

  it('each runbook lists exactly the alerts whose runbook_url points at it, each with when it fires', () => {
    const lint = lintText(POLICY, 'drc.yaml');
    const context = { policy: lint.policy!, diagnostics: lint.diagnostics, rules: lint.rules, drcVersion: '0.0.0-test' };
    const rules = rulesByService(parse([...emitMonitoring(context)].find((a) => a.path.endsWith('backup-alerts.yml'))!.content));
    const expected = new Map<string, string[]>();
    for (const { rule, services } of rules) {
      for (const service of services) {
        expect(renderTemplate(rule.annotations.runbook_url!, { service })).toBe(`https://runbooks.shop.example/${service}`);
        const names = expected.get(service) ?? [];
        if (!names.includes(rule.alert)) names.push(rule.alert);
        expected.set(service, names);
      }
    }
    expect(rules.some((r) => r.services.length > 1)).toBe(true); // the fixture has rules that several services share
    const kinds = new Set<string>();
    for (const [service, names] of expected) {
      const runbook = built.file(`docs/runbooks/${service}.md`);
      const rows = section(runbook, '## Alerts').split('\n').filter((l) => l.startsWith('| Drc'));
      expect(rows.map((r) => splitRow(r)[0]).sort(), service).toEqual(names.sort());
      for (const r of rows) expect(splitRow(r)[1]!.length, r).toBeGreaterThan(20);
      for (const n of names) kinds.add(n);
    }
    // The fixture reaches the script, WAL and Velero alerts.
    expect([...kinds]).toEqual(expect.arrayContaining(['DrcBackupTooOld', 'DrcWalArchiveStale', 'DrcVeleroBackupTooOld', 'DrcRestoreTestOverdue']));
  });

  it('a service without a restore-test script gets a snippet that records one: shellcheck-clean, valid metrics, the labels its alerts expect', async () => {
    const shellcheck = requireTool('shellcheck');
    const promtool = requireTool('promtool');
    for (const service of ['cluster', 'ledger']) {
      const runbook = built.file(`docs/runbooks/${service}.md`);
      const snippet = /No drc script runs this service's restore test[\s\S]*?\n(`{3,})sh\n([\s\S]*?)\n\1\n/.exec(runbook)?.[2];
      expect(snippet, service).toBeDefined();
      const dir = join(tempDir(), service);
      mkdirSync(dir);
      writeFileSync(join(dir, 'record.sh'), `#!/usr/bin/env bash\nset -euo pipefail\n${snippet}\n`);
      await runOk(shellcheck, ['-s', 'bash', join(dir, 'record.sh')]);
      const out = join(dir, 'textfile');
      mkdirSync(out);
      await runOk('bash', [join(dir, 'record.sh')], { env: { DRC_TEXTFILE_DIR: out } });
      const file = `drc_${service}_restore_test.prom`;
      expect(readdirSync(out)).toEqual([file]); // the temporary file was renamed into place
      const metrics = readFileSync(join(out, file), 'utf8');
      await runOk(promtool, ['check', 'metrics'], { input: metrics });
      // The series the restore-test alerts of this service select, with their labels.
      const alerts = policyAlerts(built.lint.policy!).services.find((a) => a.service.name === service)!.alerts;
      const failed = alerts.find((a) => a.alert === 'DrcRestoreTestFailed')!.scenario.series;
      const labels = Object.entries(failed).map(([k, v]) => `${k}="${v}"`).join(',');
      expect(metrics).toMatch(new RegExp(`^drc_restore_test_last_success_timestamp_seconds\\{${labels}\\} \\d{10}$`, 'm'));
      expect(metrics).toContain(`drc_restore_test_last_status{${labels}} 1\n`);
    }
    // Services with scripts do not get it; the AWS Backup one is told where its jobs are watched.
    expect(built.file('docs/runbooks/orders-db.md')).not.toContain('No drc script runs');
    expect(built.file('docs/runbooks/ledger.md')).toContain('watched by the CloudWatch alarms');
    expect(built.file('docs/runbooks/cluster.md')).not.toContain('CloudWatch alarms');
  });

  it('a mysql service (no scripts yet): its runbook names no script and says how it stands', () => {
    const mysql = POLICY.replace(/services:\n/, 'services:\n  shop-mysql:\n    kind: mysql\n    mysql: { host: db.internal, port: 3306, database: shop, user: backup }\n    tier: gold\n    owner: team\n    schedule: hourly\n    storage: main\n    data_size: 1GiB\n    restore_rate: 100MiB/s\n');
    const out = build(mysql);
    expect(out.lint.diagnostics.filter((d) => d.rule === 'backup-not-generated').map((d) => d.path)).toEqual(['/services/shop-mysql/kind']);
    const runbook = out.file('docs/runbooks/shop-mysql.md');
    expect(runbook).not.toContain('scripts/shop-mysql');
    expect(runbook).toContain('drc does not generate backup or restore scripts for MySQL services yet');
    expect(runbook).toContain('No drc script runs this service\'s restore test');
  });

  it('writes runbooks with the right script paths, regions and environment', () => {
    const orders = built.file('docs/runbooks/orders-db.md');
    expect(orders).toContain("'scripts/orders-db/restore.sh' --latest --target-db 'orders_restored' --yes");
    expect(orders).toContain("'scripts/orders-db/restore.sh' --latest --target-db 'orders_restored' --region 'eu-central-1' --yes");
    expect(orders).toMatch(/'scripts\/orders-db\/restore\.sh' --at '[^']+' --target-dir '[^']+' --region 'eu-central-1' --yes/);
    expect(orders).toContain("'scripts/orders-db/verify.sh'");
    expect(rowOf(orders, 'eu-central-1').slice(1, 4)).toEqual(['shop-backups-euc1', 'shop-prod/orders-db/', 'replica']);
    expect(orders).toContain('| DRC\\_AGE\\_IDENTITY\\_FILE |');
    expect(orders).toContain('| PGHOST |');
    expect(orders).toContain('Alerts link here as https://runbooks.shop.example/orders-db.');
    expect(orders).toContain('| DrcBackupTooOld | the newest successful backup in a region is older than the RPO');
    const assets = built.file('docs/runbooks/assets.md');
    expect(assets).toContain("'scripts/assets/restore.sh' --latest --target-dir '/srv/restore/assets' --region 'eu-central-1' --yes");
    expect(assets).not.toContain('PGHOST');
    const scratch = built.file('docs/runbooks/scratch.md');
    expect(scratch).toContain('No copy of this service is outside eu-west-1');
    expect(scratch).not.toContain('--region');
    expect(built.file('docs/runbooks/cluster.md')).toContain("velero restore create --from-schedule 'cluster' --wait");
  });

  it('reports rules with their evidence in the compliance report', () => {
    const report = built.file('docs/compliance-report.md');
    expect(rowOf(report, 'rpo-feasible')[3]).toBe('PASS');
    expect(rowOf(report, 'rto-feasible')[3]).toBe('ACCEPTED');
    expect(report).toContain('accepted: restore time measured in the last drill');
    const evidence = section(report, '## Evidence per service');
    expect(rowOf(evidence, 'Orders Database (orders-db)')[3]).toBe('PASS: continuous WAL archiving');
    expect(rowOf(evidence, 'scratch')[5]).toMatch(/^FAIL: /);
    expect(rowOf(evidence, 'scratch')[7]).toBe('PASS: 1 (at least 1)');
    expect(report).toContain('### SOC 2 (soc2): PASS');
    expect(report).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  });

  it('marks a rule with an open warning as FAIL with its evidence', () => {
    const text = POLICY.replace('  assets:\n    title: Asset files\n    tier: silver\n    owner: team-web\n', '  assets:\n    title: Asset files\n    tier: silver\n');
    const { lint, file } = build(text);
    expect(lint.diagnostics.some((d) => d.rule === 'owner-required' && !d.suppressed)).toBe(true);
    const report = file('docs/compliance-report.md');
    expect(rowOf(report, 'owner-required')[3]).toBe('FAIL');
    const findings = section(report, '### owner-required: FAIL');
    const row = findings.split('\n').find((l) => l.startsWith('| warning |'))!;
    expect(splitRow(row)[1]).toMatch(/^\/services\/assets/);
    expect(splitRow(row)[3]).toBe('open');
    expect(rowOf(report, 'FAIL')[1]).toBe('1');
  });

  it('code fences are longer than any backtick run in the values they show, in runbooks and the DR plan', () => {
    const text = POLICY.replace('paths: [/srv/assets]', 'paths: ["/srv/a````b"]');
    expect(text).not.toBe(POLICY);
    const { artifacts } = build(text);
    const file = (path: string) => artifacts.find((a) => a.path === path)!.content;
    const fences = (markdown: string) => markdown.split('\n').filter((l) => /^`{3,}/.test(l)).map((l) => /^`+/.exec(l)![0].length);
    // The value has a run of 4: every fence around the asset service's commands has 5.
    const runbook = fences(file('docs/runbooks/assets.md'));
    expect(runbook.length).toBeGreaterThan(0);
    expect(new Set(runbook)).toEqual(new Set([5]));
    const plan = file('docs/dr-plan.md');
    const assets = plan.slice(plan.search(/\n### \d+\. .*assets/), plan.length);
    const section = assets.slice(0, assets.slice(1).search(/\n### /) + 1);
    expect(section).toContain('/srv/a\\`\\`\\`\\`b'); // escaped in prose; the fences still account for it
    expect(new Set(fences(section))).toEqual(new Set([5]));
    // Other services keep 3.
    expect(new Set(fences(file('docs/runbooks/orders-db.md')))).toEqual(new Set([3]));
  });

  it('escapes hostile titles in tables and prose', () => {
    const hostile = 'Pay | *bold* <script>alert(1)</script>\\nnext';
    const text = POLICY.replace('title: Orders Database', `title: "${hostile}"`);
    const { artifacts } = build(text);
    for (const a of artifacts) {
      expect(a.content).not.toContain('<script>');
      for (const line of a.content.split('\n')) {
        if (!line.startsWith('|')) continue;
        // Every row of a table has as many cells as its header.
        expect(line.endsWith('|'), `${a.path}: ${line}`).toBe(true);
      }
      const tables = a.content.split('\n\n').filter((block) => block.startsWith('|'));
      for (const table of tables) {
        const rows = table.split('\n').filter((l) => l !== '').map(splitRow);
        for (const row of rows) expect(row.length, `${a.path}: ${table}`).toBe(rows[0]!.length);
      }
    }
    const matrix = artifacts.find((a) => a.path === 'docs/rto-rpo-matrix.md')!.content;
    expect(matrix).toContain('Pay \\| \\*bold\\* &lt;script&gt;alert(1)&lt;/script&gt;<br>next (orders-db)');
  });
});
