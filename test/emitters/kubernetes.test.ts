import { existsSync, readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { summarize } from '../../src/diagnostics.js';
import { emit } from '../../src/emitters/kubernetes/index.js';
import { effectiveCron, goDuration, isGoDuration } from '../../src/emitters/kubernetes/cron.js';
import { restoreNamespace } from '../../src/emitters/kubernetes/plan.js';
import type { Artifact } from '../../src/emitters/types.js';
import type { Policy } from '../../src/model/types.js';
import { parseSchedule } from '../../src/parser/values.js';
import { sharedReference } from '../harness/shared.js';

const CRD_DIR = sharedReference('velero-crds');
const KINDS: Record<string, string> = {
  Schedule: 'velero.io_schedules.yaml',
  Restore: 'velero.io_restores.yaml',
  BackupStorageLocation: 'velero.io_backupstoragelocations.yaml',
  VolumeSnapshotLocation: 'velero.io_volumesnapshotlocations.yaml',
};

function validators(): Record<string, any> {
  const AjvClass = (Ajv as any).default ?? Ajv;
  const formats = (addFormats as any).default ?? addFormats;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  formats(ajv);
  const out: Record<string, any> = {};
  for (const [kind, file] of Object.entries(KINDS)) {
    const crd = parse(readFileSync(`${CRD_DIR}/${file}`, 'utf8'));
    expect(crd.spec.names.kind).toBe(kind);
    out[kind] = ajv.compile(crd.spec.versions[0].schema.openAPIV3Schema);
  }
  return out;
}
const VALIDATE = validators();

function policyOf(text: string): Policy {
  const lint = lintText(text, 'drc.yaml');
  const errors = lint.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.rule}: ${d.message}`)).toEqual([]);
  expect(summarize(lint.diagnostics).errors).toBe(0);
  return lint.policy!;
}

function build(policy: Policy): Artifact[] {
  return [...emit({ policy, diagnostics: [], rules: [], drcVersion: '0.0.0-test' })];
}

function docs(a: Artifact): any[] {
  return parseAllDocuments(a.content).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

/** Every manifest: CRD schema (ajv) plus the checks the CRDs do not make (cron, Go durations, names). */
function validateAll(artifacts: Artifact[]): any[] {
  const all: any[] = [];
  for (const a of artifacts) {
    expect(a.path).toMatch(/^kubernetes\/velero\/[a-z0-9-]+\.yaml$/);
    expect(a.content.endsWith('\n')).toBe(true);
    for (const m of docs(a)) {
      expect(m.apiVersion).toBe('velero.io/v1');
      const validate = VALIDATE[m.kind];
      expect(validate, m.kind).toBeDefined();
      const ok = validate(m);
      expect(validate.errors ?? [], `${a.path} ${m.kind} ${m.metadata?.name}`).toEqual([]);
      expect(ok).toBe(true);
      expect(m.metadata.namespace).toBe('velero');
      const name = m.metadata.name ?? m.metadata.generateName;
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9-])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/); // DNS-1123 subdomain (a generateName may end in -)
      if (m.kind === 'Schedule') {
        const fields = m.spec.schedule.replace(/^CRON_TZ=\S+ /, '').split(' ');
        expect(fields).toHaveLength(5);
        expect(isGoDuration(m.spec.template.ttl), m.spec.template.ttl).toBe(true);
        expect(m.spec.template.ttl).toMatch(/^\d+h\d+m\d+s$/);
        expect(m.spec.useOwnerReferencesInBackup).toBe(false);
        expect(m.metadata.labels['app.kubernetes.io/managed-by']).toBe('drc');
      }
      all.push(m);
    }
  }
  return all;
}

const RICH = `
version: 1
name: rich
regions: { primary: eu-west-1, secondary: [eu-central-1] }
encryption: { at_rest: AES256 }
storage:
  kube:
    type: s3
    bucket: rich-kube-euw1
    region: eu-west-1
    replicas: [{ bucket: rich-kube-euc1, region: eu-central-1 }]
  other:
    type: s3
    bucket: rich-other
    region: eu-west-1
    replicas: [{ bucket: rich-other-2, region: eu-central-1 }]
tiers:
  gold: { rto: 4h, rpo: 2h, retention: 30d, restore_test: monthly, min_regions: 2, dr_drill: quarterly }
  silver: { rto: 1d, rpo: 1d, retention: 7d, restore_test: monthly }
defaults: { owner: team, storage: kube }
services:
  apps:
    tier: gold
    kind: kubernetes
    namespaces: { include: [shop, a-very-long-namespace-name-that-is-close-to-the-limit-of-63-chr] }
    schedule: every 90m
    retention:
      keep: { hourly: 12, daily: 7, weekly: 4, monthly: 12, yearly: 2 }
  everything:
    tier: silver
    kind: kubernetes
    timezone: Europe/Berlin
    storage: other
    namespaces: { include: ["*"], exclude: [kube-system, velero] }
    snapshot_volumes: true
    label_selector: { app.kubernetes.io/part-of: shop }
    schedule: daily at 01:30
    retention: { duration: 60d, keep: { daily: 7, monthly: 3 } }
`;

describe('kubernetes emitter', () => {
  it('emits nothing without kubernetes services', () => {
    const policy = policyOf(`
version: 1
name: p
regions: { primary: us-east-1 }
encryption: { at_rest: AES256 }
storage: { s: { type: s3, bucket: p-backups, region: us-east-1 } }
services:
  f: { kind: files, paths: [/x], owner: o, environment: test, schedule: daily, rto: 1d, rpo: 1d, storage: s, restore_test: monthly, retention: 7d }
`);
    expect(build(policy)).toEqual([]);
  });

  it('a rich policy: CRD-valid manifests, GFS schedules, cron fallback, CRON_TZ, restore mapping', () => {
    const policy = policyOf(RICH);
    const artifacts = build(policy);
    expect(artifacts.map((a) => a.path)).toEqual([
      'kubernetes/velero/storage-locations.yaml',
      'kubernetes/velero/schedules.yaml',
      'kubernetes/velero/restore-apps.yaml',
    ]);
    const all = validateAll(artifacts);
    const bsl = all.filter((m) => m.kind === 'BackupStorageLocation');
    expect(bsl.map((m) => [m.metadata.name, m.spec.objectStorage.bucket, m.spec.config.region, m.spec.default, m.spec.accessMode])).toEqual([
      ['kube-eu-west-1', 'rich-kube-euw1', 'eu-west-1', true, 'ReadWrite'],
      ['kube-eu-central-1', 'rich-kube-euc1', 'eu-central-1', false, 'ReadOnly'],
      ['other-eu-west-1', 'rich-other', 'eu-west-1', false, 'ReadWrite'],
      ['other-eu-central-1', 'rich-other-2', 'eu-central-1', false, 'ReadOnly'],
    ]);
    expect(bsl.every((m) => m.spec.objectStorage.prefix === 'rich/velero' && m.spec.provider === 'aws')).toBe(true);
    expect(bsl[0].spec.config.serverSideEncryption).toBe('AES256');
    expect(all.filter((m) => m.kind === 'VolumeSnapshotLocation').map((m) => [m.metadata.name, m.spec.config.region])).toEqual([
      ['aws-eu-central-1', 'eu-central-1'],
      ['aws-eu-west-1', 'eu-west-1'],
    ]);

    const schedules = Object.fromEntries(all.filter((m) => m.kind === 'Schedule').map((m) => [m.metadata.name, m]));
    expect(Object.keys(schedules)).toEqual([
      'apps', 'apps.daily', 'apps.weekly', 'apps.monthly', 'apps.yearly',
      'everything', 'everything.monthly',
    ]);
    // every 90m has no cron: hourly is the nearest one that is at least as frequent, and it says so.
    expect(schedules.apps.spec.schedule).toBe('0 * * * *');
    expect(schedules.apps.metadata.annotations['drc.dev/note']).toContain('every 90m');
    // The hourly GFS cron equals the main cron, so the main schedule keeps its 12 hours (min 2 gaps).
    expect(schedules.apps.spec.template.ttl).toBe('12h0m0s');
    expect(schedules['apps.hourly']).toBeUndefined();
    expect(schedules['apps.daily'].spec).toMatchObject({ schedule: '0 0 * * *', template: { ttl: '168h0m0s' } });
    expect(schedules['apps.weekly'].spec).toMatchObject({ schedule: '0 0 * * 0', template: { ttl: '672h0m0s' } });
    expect(schedules['apps.monthly'].spec).toMatchObject({ schedule: '0 0 1 * *', template: { ttl: `${360 * 24}h0m0s` } });
    expect(schedules['apps.yearly'].spec).toMatchObject({ schedule: '0 0 1 1 *', template: { ttl: `${730 * 24}h0m0s` } });
    expect(schedules['apps.daily'].metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'drc', 'drc.dev/service': 'apps', 'drc.dev/tier': 'gold', 'drc.dev/gfs': 'daily',
    });
    expect(schedules.apps.spec.template).toMatchObject({
      includedNamespaces: ['shop', 'a-very-long-namespace-name-that-is-close-to-the-limit-of-63-chr'],
      snapshotVolumes: false,
      storageLocation: 'kube-eu-west-1',
    });
    expect(schedules.apps.spec.template.volumeSnapshotLocations).toBeUndefined();

    // Time zone, label selector, volume snapshots, explicit duration, and a daily keep equal to the main cron.
    expect(schedules.everything.spec.schedule).toBe('CRON_TZ=Europe/Berlin 30 1 * * *');
    expect(schedules.everything.spec.template).toMatchObject({
      includedNamespaces: ['*'],
      excludedNamespaces: ['kube-system', 'velero'],
      labelSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'shop' } },
      snapshotVolumes: true,
      volumeSnapshotLocations: ['aws-eu-west-1'],
      storageLocation: 'other-eu-west-1',
      ttl: '1440h0m0s',
    });
    expect(schedules['everything.monthly'].spec.schedule).toBe('CRON_TZ=Europe/Berlin 30 1 1 * *');
    expect(schedules['everything.daily']).toBeUndefined();
    expect(schedules.everything.metadata.annotations['drc.dev/restore-test']).toContain('separate cluster');

    const restore = all.find((m) => m.kind === 'Restore');
    expect(restore.metadata.generateName).toBe('apps-restore-test-');
    expect(restore.spec.scheduleName).toBe('apps');
    const longNs = 'a-very-long-namespace-name-that-is-close-to-the-limit-of-63-chr';
    expect(restore.spec.namespaceMapping).toEqual({ shop: 'shop-restore-test', [longNs]: restoreNamespace(longNs) });
    expect(restoreNamespace(longNs).length).toBeLessThanOrEqual(63);
    expect(restoreNamespace(longNs)).toMatch(/^[a-z0-9][-a-z0-9]*-restore-test$/);
    for (const target of Object.values(restore.spec.namespaceMapping) as string[]) {
      expect(restore.spec.includedNamespaces).not.toContain(target);
    }
  });

  it('the acme example validates against the Velero CRDs', () => {
    const file = 'examples/acme/drc.yaml';
    expect(existsSync(file)).toBe(true);
    const policy = policyOf(readFileSync(file, 'utf8'));
    const artifacts = build(policy);
    const all = validateAll(artifacts);
    const names = all.filter((m) => m.kind === 'Schedule').map((m) => m.metadata.name);
    expect(names).toContain('cluster-state');
    const restore = all.find((m) => m.kind === 'Restore');
    expect(restore.spec.namespaceMapping).toEqual({ payments: 'payments-restore-test', production: 'production-restore-test' });
  });

  it('a service named like another service\'s GFS schedule (apps-weekly next to apps\' weekly one) gets a Schedule of its own name', () => {
    const text = RICH.replace('  everything:\n', '  apps-weekly:\n    tier: silver\n    kind: kubernetes\n    namespaces: { include: [blog] }\n    schedule: daily at 03:00\n  everything:\n');
    const names = validateAll(build(policyOf(text))).filter((m) => m.kind === 'Schedule').map((m) => m.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['apps.weekly', 'apps-weekly']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('is deterministic', () => {
    const a = build(policyOf(RICH));
    const b = build(policyOf(RICH));
    expect(a).toEqual(b);
  });

  it('the schema checks are real: ajv rejects a broken Schedule', () => {
    expect(VALIDATE.Schedule({ apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'x' }, spec: { template: {} } })).toBe(false);
    expect(VALIDATE.Schedule({ apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'x' }, spec: { schedule: '0 * * * *', template: { ttl: 720 } } })).toBe(false);
  });

  it('cron fallback and Go durations', () => {
    const c = (t: string) => effectiveCron((parseSchedule(t) as any).value);
    expect(c('every 90m')).toMatchObject({ cron: '0 * * * *', gapSeconds: 3600 });
    expect(c('every 7m')).toMatchObject({ cron: '*/6 * * * *', gapSeconds: 360 });
    expect(c('every 5h')).toMatchObject({ cron: '0 */4 * * *', gapSeconds: 14_400 });
    expect(c('daily at 02:30')).toMatchObject({ cron: '30 2 * * *', note: null });
    for (const t of ['every 90m', 'every 7m', 'every 5h', 'every 36h', 'every 10d']) {
      const r = c(t);
      expect(r.gapSeconds).toBeLessThanOrEqual((parseSchedule(t) as any).value.maxGapSeconds);
      expect(r.cron.split(' ')).toHaveLength(5);
    }
    expect(goDuration(30 * 86400)).toBe('720h0m0s');
    expect(goDuration(5400)).toBe('1h30m0s');
    expect(isGoDuration('30d')).toBe(false);
  });

  it('namespaces Kubernetes would reject are lint errors at their position, so build never sees them', () => {
    const text = RICH.replace('include: [shop,', 'include: [Shop_Front,');
    const errors = lintText(text, 'drc.yaml').diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.rule)).toEqual(['schema']);
    expect(errors[0]!.message).toContain('"Shop_Front" must be a Kubernetes namespace name');
    expect(errors[0]!.line).toBe(text.split('\n').findIndex((l) => l.includes('Shop_Front')) + 1);
  });
});
