/**
 * Monitoring artifacts (policy-language.md §10): Prometheus alert rules over the metrics the scripts
 * write (layout.METRICS) plus Velero's and postgres_exporter's (alerts.EXTERNAL_METRICS), promtool
 * test files proving each alert, and a Grafana dashboard. See docs/artifacts/monitoring.md.
 */
import { toJson, toYaml } from '../serialize.js';
import type { Artifact, EmitContext, Emitter } from '../types.js';
import { policyAlerts } from './alerts.js';
import { dashboard } from './dashboard.js';
import { RULES_FILE, rulesDocument, testDocuments } from './rules.js';

/** One file at a time: each large file is written and dropped before the next is built. */
export const emit: Emitter = function* (context: EmitContext): Iterable<Artifact> {
  const policy = context.policy;
  const alerts = policyAlerts(policy);
  yield { path: `monitoring/prometheus/${RULES_FILE}`, content: toYaml(rulesDocument(alerts)) };
  for (const { file, document } of testDocuments(alerts, RULES_FILE)) yield { path: `monitoring/prometheus/${file}`, content: toYaml(document) };
  yield { path: 'monitoring/grafana/backup-dashboard.json', content: toJson(dashboard(policy)) };
};
