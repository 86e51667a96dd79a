/**
 * A Grafana dashboard (Classic JSON model, schemaVersion 39) over the drc metrics: backup age vs RPO,
 * backup duration vs RTO, backup size, restore-test age, last status; and Velero's backup age for
 * `kubernetes` services, whose backups Velero makes. Deterministic: fixed panel ids,
 * a uid derived from the policy name, no timestamps.
 */
import type { Policy, Service } from '../../model/types.js';
import { byName, METRICS } from '../layout.js';
import { planVelero } from '../kubernetes/plan.js';
import { EXTERNAL_METRICS, thresholds, veleroAgeThreshold } from './alerts.js';
import { oneOf } from './promql.js';
import { sha256Hex } from '../../hash.js';

export const SCHEMA_VERSION = 39;
const DS = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
const FILTER = 'tier=~"$tier"';

export function dashboardUid(policyName: string): string {
  const uid = `drc-${policyName}`;
  if (uid.length <= 40) return uid;
  return `${uid.slice(0, 31)}-${sha256Hex(policyName).slice(0, 8)}`;
}

/** refId A..Z, then AA, AB… */
function refId(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

type Threshold<T = Service> = (s: T) => number | null;

/**
 * Services grouped by their threshold, in order of the first service of each group. One query per
 * group, not per service: 10,000 services share a handful of thresholds, and a panel with a query per
 * service is neither readable nor fast in Grafana (and made the 10,000-service dashboard 33 MB).
 */
function byThreshold<T extends { name: string }>(items: T[], threshold: Threshold<T>): { limit: number | null; names: string[] }[] {
  const groups = new Map<number | null, string[]>();
  for (const item of items) {
    const limit = threshold(item);
    const names = groups.get(limit);
    if (names) names.push(item.name);
    else groups.set(limit, [item.name]);
  }
  return [...groups].map(([limit, names]) => ({ limit, names }));
}

/** A time series panel with one query per threshold, each with its own threshold line. */
function perThresholdPanel<T extends { name: string }>(
  id: number,
  title: string,
  description: string,
  items: T[],
  query: (names: string[]) => string,
  unit: string,
  threshold: Threshold<T>,
  gridPos: { x: number; y: number; w: number; h: number },
  legendFormat = '{{service}} {{region}}',
): unknown {
  const groups = byThreshold(items, threshold);
  const targets = groups.map((g, i) => ({
    datasource: DS,
    refId: refId(i),
    expr: query(g.names),
    legendFormat,
  }));
  const overrides = groups.flatMap((g, i) => {
    if (g.limit === null) return [];
    return [{
      matcher: { id: 'byFrameRefID', options: refId(i) },
      properties: [
        { id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: g.limit }] } },
        { id: 'custom.thresholdsStyle', value: { mode: 'line+area' } },
      ],
    }];
  });
  return {
    id,
    type: 'timeseries',
    title,
    description,
    datasource: DS,
    gridPos,
    targets,
    fieldConfig: {
      defaults: {
        unit,
        color: { mode: 'palette-classic' },
        custom: { thresholdsStyle: { mode: 'off' } },
        thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides,
    },
    options: { legend: { displayMode: 'table', placement: 'right', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

function serviceFilter(names: string[]): string {
  return `{${oneOf('service', names)},service=~"$service",${FILTER}}`;
}

/**
 * Velero's own metrics for `kubernetes` services (no drc script writes drc_backup_* for them): the age of
 * each schedule's newest successful backup against the threshold of its DrcVeleroBackupTooOld alert.
 * Velero labels them by `schedule` only, so the tier and service variables do not filter this panel.
 * Null when the policy has no Velero schedule.
 */
function veleroPanel(policy: Policy, id: number, gridPos: { x: number; y: number; w: number; h: number }): unknown {
  const schedules = planVelero(policy).services.flatMap((v) => v.schedules);
  if (schedules.length === 0) return null;
  return perThresholdPanel(
    id,
    'Velero backup age (kubernetes services)',
    "Seconds since the newest successful backup of each Velero schedule; the red line is its alert threshold (the schedule's gap plus slack). Velero labels these by schedule only: the tier and service filters do not apply.",
    schedules,
    (names) => `time() - ${EXTERNAL_METRICS.veleroLastSuccess}{${oneOf('schedule', names)}}`,
    's',
    veleroAgeThreshold,
    gridPos,
    '{{schedule}}',
  );
}

export function dashboard(policy: Policy): unknown {
  const services = [...policy.services].sort(byName);
  const all = `{service=~"$service",${FILTER}}`;
  const panels = [
    perThresholdPanel(1, 'Backup age vs RPO', 'Seconds since the newest successful backup; the red line is the alert threshold (RPO, or schedule gap + slack for continuous services).',
      services, (names) => `time() - ${METRICS.backupLastSuccess}${serviceFilter(names)}`, 's', (s) => thresholds(s).backupAge, { x: 0, y: 0, w: 24, h: 9 }),
    perThresholdPanel(2, 'Backup duration vs RTO', 'Duration of the last backup run; the red line is the RTO (a restore usually takes longer than the backup).',
      services, (names) => `${METRICS.backupLastDuration}${serviceFilter(names)}`, 's', (s) => thresholds(s).rto, { x: 0, y: 9, w: 12, h: 8 }),
    {
      id: 3,
      type: 'timeseries',
      title: 'Backup size',
      datasource: DS,
      gridPos: { x: 12, y: 9, w: 12, h: 8 },
      targets: [{ datasource: DS, refId: 'A', expr: `${METRICS.backupLastSize}${all}`, legendFormat: '{{service}} {{region}}' }],
      fieldConfig: { defaults: { unit: 'bytes', color: { mode: 'palette-classic' } }, overrides: [] },
      options: { legend: { displayMode: 'table', placement: 'right', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    },
    perThresholdPanel(4, 'Restore-test age', 'Seconds since the last successful restore test; the red line is the restore_test frequency.',
      services, (names) => `time() - ${METRICS.restoreTestLastSuccess}${serviceFilter(names)}`, 's', (s) => thresholds(s).restoreTestAge, { x: 0, y: 17, w: 12, h: 8 }),
    {
      id: 5,
      type: 'table',
      title: 'Last status',
      datasource: DS,
      gridPos: { x: 12, y: 17, w: 12, h: 8 },
      targets: [
        { datasource: DS, refId: 'A', expr: `${METRICS.backupLastStatus}${all}`, format: 'table', instant: true, legendFormat: 'backup' },
        { datasource: DS, refId: 'B', expr: `${METRICS.restoreTestLastStatus}${all}`, format: 'table', instant: true, legendFormat: 'restore test' },
      ],
      transformations: [{ id: 'merge', options: {} }, { id: 'organize', options: { excludeByName: { Time: true, __name__: true, instance: true, job: true } } }],
      fieldConfig: {
        defaults: {
          mappings: [{ type: 'value', options: { '0': { text: 'FAILED', color: 'red', index: 0 }, '1': { text: 'OK', color: 'green', index: 1 } } }],
          custom: { cellOptions: { type: 'color-background' } },
          thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] },
        },
        overrides: [],
      },
      options: { showHeader: true, sortBy: [{ displayName: 'service', desc: false }] },
    },
    veleroPanel(policy, 6, { x: 0, y: 25, w: 24, h: 8 }),
  ].filter((panel) => panel !== null);
  const variable = (name: string, label: string, query: string) => ({
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: `${name}-values` },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
    hide: 0,
  });
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', description: 'The Prometheus that scrapes the drc metrics', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    uid: dashboardUid(policy.name),
    title: `drc backups: ${policy.name}`,
    description: `Backups and restore tests of the services in policy ${policy.name} (generated by drc).`,
    tags: ['drc', 'backup', 'disaster-recovery'],
    timezone: 'utc',
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: false,
    graphTooltip: 1,
    refresh: '1m',
    time: { from: 'now-7d', to: 'now' },
    links: [],
    annotations: { list: [] },
    templating: {
      list: [
        { name: 'DS_PROMETHEUS', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '' },
        variable('tier', 'Tier', `label_values(${METRICS.backupLastSuccess}, tier)`),
        variable('service', 'Service', `label_values(${METRICS.backupLastSuccess}{${FILTER}}, service)`),
      ],
    },
    panels,
  };
}
