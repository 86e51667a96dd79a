// A real Prometheus reloads the generated rules: a service that joins another's rule must not reset
// that service's pending or firing alerts (Prometheus carries them over only for a rule of the same
// group, name and labels). Starts prometheus on a loopback port below 32768 and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { emit } from '../../src/emitters/monitoring/index.js';
import { freePort, makeTempDir, requireTool, waitForHttp, type TempDir } from '../harness/index.js';

const ALONE = `
version: 1
name: reload
regions: { primary: eu-west-1, secondary: [eu-central-1] }
encryption: { at_rest: AES256 }
storage:
  main: { type: s3, bucket: reload-main-euw1, region: eu-west-1, replicas: [{ bucket: reload-main-euc1, region: eu-central-1 }] }
tiers:
  bronze: { rto: 1d, rpo: 1d, retention: 7d, restore_test: monthly }
defaults: { owner: team, storage: main, tier: bronze, environment: staging }
services:
  alpha:
    kind: files
    paths: [/srv/alpha]
    schedule: daily at 01:00
`;
const JOINED = `${ALONE}  beta:
    kind: files
    paths: [/srv/beta]
    schedule: daily at 01:00
`;

function rulesOf(text: string): string {
  const lint = lintText(text, 'drc.yaml');
  expect(lint.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [...emit({ policy: lint.policy!, diagnostics: [], rules: [], drcVersion: '0.0.0-test' })].find((a) => a.path.endsWith('/backup-alerts.yml'))!.content;
}

interface ActiveAlert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
}

describe('Prometheus reloading the generated rules', () => {
  let dir: TempDir;
  let server: ChildProcess;
  let base: string;
  const rulesFile = () => join(dir.path, 'backup-alerts.yml');

  beforeAll(async () => {
    const prometheus = requireTool('prometheus');
    dir = makeTempDir('prometheus');
    writeFileSync(join(dir.path, 'prometheus.yml'), 'global: { evaluation_interval: 1s }\nrule_files: [backup-alerts.yml]\n');
    writeFileSync(rulesFile(), rulesOf(ALONE));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      prometheus,
      [`--config.file=${join(dir.path, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle'],
      { stdio: 'ignore' },
    );
    await waitForHttp(`${base}/-/ready`, 30_000, () => (server.exitCode !== null ? `prometheus exited with ${server.exitCode}` : undefined));
  }, 60_000);

  afterAll(async () => {
    server?.kill('SIGTERM');
    await dir?.cleanup();
  });

  const alerts = async (): Promise<ActiveAlert[]> => ((await (await fetch(`${base}/api/v1/alerts`)).json()) as { data: { alerts: ActiveAlert[] } }).data.alerts;
  const missing = async (service: string) => (await alerts()).find((a) => a.labels.alertname === 'DrcBackupMetricsMissing' && a.labels.service === service);
  const until = async <T>(what: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => {
    const t0 = Date.now();
    for (;;) {
      const found = await what();
      if (found !== undefined) return found;
      if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const reload = async (rules: string) => {
    writeFileSync(rulesFile(), rules);
    const answer = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(answer.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_500)); // two evaluations
  };

  it('keeps alpha\'s pending alert when beta joins its rule, and resets it when the group changes (the control)', async () => {
    // No series at all: alpha's missing-metrics alert is pending from the first evaluation.
    const before = await until(() => missing('alpha'));
    expect(before.state).toBe('pending');
    await new Promise((r) => setTimeout(r, 1_500));

    const joined = rulesOf(JOINED);
    expect(joined).toContain('drc:service:info{service=~"alpha|beta"} unless on (service) drc_backup_last_success_timestamp_seconds');
    await reload(joined);
    expect(await until(() => missing('beta'))).toMatchObject({ state: 'pending' });
    const after = (await missing('alpha'))!;
    expect(after.activeAt).toBe(before.activeAt);
    expect(after.labels).toEqual(before.labels);

    // The same rules in a group of another name: Prometheus starts the alert again, so the check above can fail.
    await reload(joined.replace('  - name: drc\n', '  - name: drc-renamed\n'));
    const renamed = await until(async () => {
      const a = await missing('alpha');
      return a && a.activeAt !== before.activeAt ? a : undefined;
    });
    expect(Date.parse(renamed.activeAt)).toBeGreaterThan(Date.parse(before.activeAt));
  }, 60_000);
});
