/**
 * Velero manifests for `kubernetes` services (policy-language.md §4, §10):
 * `kubernetes/velero/storage-locations.yaml` (BackupStorageLocation per bucket, VolumeSnapshotLocation
 * per region), `schedules.yaml` (a Schedule per service plus one per grandfather-father-son period) and
 * `restore-<service>.yaml` (a Restore of the latest scheduled backup into `<ns>-restore-test`).
 * Built as objects, written with toYaml; see docs/artifacts/kubernetes.md.
 */
import type { Artifact, EmitContext, Emitter } from '../types.js';
import { tierName } from '../layout.js';
import { toYamlDocuments } from '../serialize.js';
import { assertFiveFieldCron, assertGoDuration, goDuration } from './cron.js';
import { planVelero, VELERO_NAMESPACE, type VeleroPlan, type VeleroSchedulePlan, type VeleroServicePlan } from './plan.js';

export const API_VERSION = 'velero.io/v1';
export const PROVIDER = 'aws';

type Manifest = Record<string, unknown>;

function veleroPrefix(policyName: string): string {
  return `${policyName}/velero`;
}

function commonLabels(sp: VeleroServicePlan | null): Record<string, string> {
  const labels: Record<string, string> = { 'app.kubernetes.io/managed-by': 'drc' };
  if (sp) {
    labels['drc.dev/service'] = sp.service.name;
    labels['drc.dev/tier'] = tierName(sp.service);
  }
  return labels;
}

export function storageLocationManifests(plan: VeleroPlan, policyName: string): Manifest[] {
  const out: Manifest[] = [];
  // One default location: the primary bucket of the first storage target (by name).
  const defaultName = plan.locations.find((l) => l.primary)?.name;
  for (const l of plan.locations) {
    const config: Record<string, string> = { region: l.region };
    if (l.kmsKeyId) config.kmsKeyId = l.kmsKeyId;
    if (l.serverSideEncryption) config.serverSideEncryption = l.serverSideEncryption;
    out.push({
      apiVersion: API_VERSION,
      kind: 'BackupStorageLocation',
      metadata: {
        name: l.name,
        namespace: VELERO_NAMESPACE,
        labels: { ...commonLabels(null), 'drc.dev/storage': l.storage.name, 'drc.dev/region': l.region },
      },
      spec: {
        provider: PROVIDER,
        objectStorage: { bucket: l.bucket, prefix: veleroPrefix(policyName) },
        config,
        default: l.name === defaultName,
        // Replica buckets are filled by S3 replication; Velero only reads them (restore in the DR region).
        accessMode: l.primary ? 'ReadWrite' : 'ReadOnly',
      },
    });
  }
  for (const v of plan.snapshotLocations) {
    out.push({
      apiVersion: API_VERSION,
      kind: 'VolumeSnapshotLocation',
      metadata: { name: v.name, namespace: VELERO_NAMESPACE, labels: { ...commonLabels(null), 'drc.dev/region': v.region } },
      spec: { provider: PROVIDER, config: { region: v.region } },
    });
  }
  return out;
}

function scheduleManifest(sp: VeleroServicePlan, s: VeleroSchedulePlan): Manifest {
  const service = sp.service;
  assertFiveFieldCron(s.cron);
  const ttl = goDuration(s.ttlSeconds);
  assertGoDuration(ttl);
  const labels = { ...commonLabels(sp), ...(s.period === 'main' ? {} : { 'drc.dev/gfs': s.period }) };
  const template: Record<string, unknown> = {};
  const ns = service.namespaces;
  if (ns?.include.length) template.includedNamespaces = [...ns.include];
  if (ns?.exclude.length) template.excludedNamespaces = [...ns.exclude];
  if (service.labelSelector && Object.keys(service.labelSelector).length > 0) {
    template.labelSelector = { matchLabels: Object.fromEntries(Object.entries(service.labelSelector).sort(([a], [b]) => (a < b ? -1 : 1))) };
  }
  template.snapshotVolumes = service.snapshotVolumes;
  if (service.snapshotVolumes) template.volumeSnapshotLocations = [sp.volumeSnapshotLocation];
  template.storageLocation = sp.storageLocation.name;
  template.ttl = ttl;
  template.metadata = { labels };
  const annotations: Record<string, string> = {};
  if (s.notes.length > 0) annotations['drc.dev/note'] = s.notes.join('; ');
  if (s.period === 'main' && sp.restoreMapping === null) {
    annotations['drc.dev/restore-test'] = 'namespaces include "*": restore-test into a separate cluster (no namespace mapping is possible)';
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Schedule',
    metadata: {
      name: s.name,
      namespace: VELERO_NAMESPACE,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      schedule: s.schedule,
      useOwnerReferencesInBackup: false,
      template,
    },
  };
}

export function scheduleManifests(plan: VeleroPlan): Manifest[] {
  return plan.services.flatMap((sp) => sp.schedules.map((s) => scheduleManifest(sp, s)));
}

/** A Restore of the latest backup of the service's main Schedule into `<ns>-restore-test` namespaces. */
export function restoreManifest(sp: VeleroServicePlan): Manifest | null {
  if (sp.restoreMapping === null || sp.schedules.length === 0) return null;
  const service = sp.service;
  const spec: Record<string, unknown> = {
    scheduleName: sp.schedules[0]!.name,
    includedNamespaces: Object.keys(sp.restoreMapping),
    namespaceMapping: sp.restoreMapping,
    restorePVs: service.snapshotVolumes,
    existingResourcePolicy: 'none',
  };
  if (service.labelSelector && Object.keys(service.labelSelector).length > 0) {
    spec.labelSelector = { matchLabels: Object.fromEntries(Object.entries(service.labelSelector).sort(([a], [b]) => (a < b ? -1 : 1))) };
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Restore',
    metadata: {
      // `kubectl create -f` gives each restore test its own name.
      generateName: `${service.name}-restore-test-`,
      namespace: VELERO_NAMESPACE,
      labels: { ...commonLabels(sp), 'drc.dev/restore-test': 'true' },
    },
    spec,
  };
}

export const emit: Emitter = (context: EmitContext): Artifact[] => {
  const plan = planVelero(context.policy);
  if (plan.services.length === 0) return [];
  const artifacts: Artifact[] = [
    { path: 'kubernetes/velero/storage-locations.yaml', content: toYamlDocuments(storageLocationManifests(plan, context.policy.name)) },
    { path: 'kubernetes/velero/schedules.yaml', content: toYamlDocuments(scheduleManifests(plan)) },
  ];
  for (const sp of plan.services) {
    const restore = restoreManifest(sp);
    if (restore) artifacts.push({ path: `kubernetes/velero/restore-${sp.service.name}.yaml`, content: toYamlDocuments([restore]) });
  }
  return artifacts;
};
