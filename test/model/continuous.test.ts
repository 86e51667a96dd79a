/**
 * `continuous: true` counts only on the kinds policy-language.md §4 gives a continuous mechanism
 * (postgresql: WAL archiving, s3-bucket: versioning with replication). Everything that lets the
 * mechanism stand in for the RPO must agree: the backup-age alert, the docs' RPO evidence and the
 * threshold `drc verify` holds the newest backup to. (rpo-feasible is tested in test/rules.)
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { hasContinuousMechanism } from '../../src/model/continuous.js';
import type { Service, ServiceKind } from '../../src/model/types.js';
import { continuousMechanism } from '../../src/emitters/docs/model.js';
import { gapSlack, thresholds } from '../../src/emitters/monitoring/alerts.js';
import { effectiveThreshold } from '../../src/verify/index.js';

const KIND_LINES: Record<ServiceKind, string> = {
  postgresql: 'kind: postgresql, postgresql: { host: db, port: 5432, database: app, user: backup }',
  mysql: 'kind: mysql, mysql: { host: db, port: 3306, database: app, user: backup }',
  files: 'kind: files, paths: [/srv]',
  's3-bucket': 'kind: s3-bucket, bucket: app-assets, region: us-east-1',
  kubernetes: 'kind: kubernetes, namespaces: { include: [prod] }',
  'aws-backup': 'kind: aws-backup, arns: [arn:aws:rds:us-east-1:111122223333:db:app]',
};

/** A service with `continuous: true`, backed up every 6h against an RPO of 1h. */
function continuousService(kind: ServiceKind): Service {
  const text = `version: 1\nname: p\nstorage:\n  b: { type: s3, bucket: p-backups, region: us-east-1 }\nservices:\n  s: { ${KIND_LINES[kind]}, continuous: true, rpo: 1h, schedule: every 6h }\n`;
  const policy = lintText(text, 'drc.yaml').policy!;
  return policy.services[0]!;
}

const SIX_HOURS = 6 * 3600;

describe('continuous: true per kind', () => {
  it.each(['postgresql', 's3-bucket'] as const)('%s: the mechanism meets the RPO; full copies are held to the schedule', (kind) => {
    const service = continuousService(kind);
    expect(hasContinuousMechanism(service)).toBe(true);
    expect(thresholds(service).backupAge).toBe(SIX_HOURS + gapSlack(SIX_HOURS));
    expect(continuousMechanism(service)).toMatch(/^continuous (WAL archiving|versioning)$/);
    expect(effectiveThreshold(service)?.seconds).toBe(SIX_HOURS);
  });

  it('aws-backup: AWS Backup\'s continuous backup meets the RPO (the stack adds the rule); no drc backup metrics to alert on', () => {
    const service = continuousService('aws-backup');
    expect(hasContinuousMechanism(service)).toBe(true);
    expect(continuousMechanism(service)).toBe('AWS Backup continuous backup (point-in-time recovery)');
    expect(effectiveThreshold(service)?.seconds).toBe(SIX_HOURS);
  });

  it.each(['files', 'mysql', 'kubernetes'] as const)('%s: no mechanism, so backups are held to the RPO', (kind) => {
    const service = continuousService(kind);
    expect(service.continuous?.value).toBe(true);
    expect(hasContinuousMechanism(service)).toBe(false);
    expect(thresholds(service).backupAge).toBe(3600);
    expect(continuousMechanism(service)).toBeNull();
    expect(effectiveThreshold(service)).toEqual({ seconds: 3600, words: 'RPO 1h' });
  });
});
