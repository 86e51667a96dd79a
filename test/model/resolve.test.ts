/**
 * Effective values of a service (policy-language.md §3): the service's own field, else its tier's, else
 * `defaults:`. Every service field inherits from `defaults:` as a whole value, and keeps the JSON pointer
 * of the node that wrote it.
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import type { Policy, Service } from '../../src/model/types.js';

const HEADER = `version: 1
name: t
regions: { primary: us-east-1, secondary: [us-west-2] }
storage:
  b: { bucket: tb-use1, region: us-east-1, replicas: [ { bucket: tb-usw2, region: us-west-2 } ] }
tiers:
  t1: { rto: 4h, rpo: 1h, retention: 30d, restore_test: monthly }
`;

function resolve(yaml: string): { policy: Policy; service: (name: string) => Service; rules: string[] } {
  const { policy, diagnostics } = lintText(HEADER + yaml, 'drc.yaml');
  if (!policy) throw new Error('no policy');
  return { policy, service: (name) => policy.servicesByName.get(name)!, rules: diagnostics.map((d) => d.rule) };
}

describe('defaults: every service field', () => {
  it('a service with only a name takes each field from defaults, at its pointer there', () => {
    const { service, rules } = resolve(`defaults:
  title: Assets
  tier: t1
  kind: s3-bucket
  bucket: src-bucket
  region: us-east-1
  continuous: true
  labels: { pci: "true" }
  schedule: daily
  owner: o
  environment: staging
  timezone: Europe/Berlin
services:
  s: {}
`);
    const s = service('s');
    expect(rules).not.toContain('schema');
    expect(s.title).toBe('Assets');
    expect(s.kind).toBe('s3-bucket');
    expect(s.sourceBucket).toEqual({ bucket: 'src-bucket', region: 'us-east-1' });
    expect(s.labels).toEqual({ pci: 'true' });
    expect(s.continuous).toEqual({ value: true, at: '/defaults/continuous', from: 'defaults' });
    expect(s.timezone).toBe('Europe/Berlin');
    expect(s.environment).toEqual({ value: 'staging', at: '/defaults/environment', from: 'defaults' });
    expect(s.schedule?.at).toBe('/defaults/schedule');
  });

  it.each([
    ['files', 'paths: [/d]\n  exclude: ["*.tmp"]', (s: Service) => [s.paths, s.exclude], [['/d'], ['*.tmp']]],
    ['kubernetes', 'namespaces: { include: [prod] }\n  label_selector: { app: web }\n  snapshot_volumes: true',
      (s: Service) => [s.namespaces, s.labelSelector, s.snapshotVolumes], [{ include: ['prod'], exclude: [] }, { app: 'web' }, true]],
    ['aws-backup', 'resources: { tags: { backup: daily } }\n  arns: [arn:aws:rds:us-east-1:123456789012:db:x]',
      (s: Service) => [s.resources, s.arns], [{ tags: { backup: 'daily' } }, ['arn:aws:rds:us-east-1:123456789012:db:x']]],
    ['mysql', 'mysql: { host: m, port: 3307, database: d, user: u }', (s: Service) => [s.mysql], [{ host: 'm', port: 3307, database: 'd', user: 'u' }]],
  ] as const)('kind %s and its block come from defaults', (kind, block, read, expected) => {
    const { service, rules } = resolve(`defaults:\n  kind: ${kind}\n  ${block}\nservices:\n  s: { tier: t1 }\n`);
    expect(rules).not.toContain('schema');
    expect(service('s').kind).toBe(kind);
    expect(read(service('s'))).toEqual(expected);
  });

  it('the service\'s own value replaces the default as a whole (labels and lists are not merged)', () => {
    const { service } = resolve(`defaults:
  kind: files
  paths: [/d]
  labels: { pci: "true", team: x }
services:
  s: { paths: [/s], labels: { app: y } }
`);
    expect(service('s').paths).toEqual(['/s']);
    expect(service('s').labels).toEqual({ app: 'y' });
  });

  it('a kind\'s block in defaults reaches only services of that kind', () => {
    const { service } = resolve(`defaults:
  kind: postgresql
  postgresql: { host: db, port: 5432, database: app, user: backup, pitr: true }
services:
  pg: {}
  f: { kind: files, paths: [/srv] }
`);
    expect(service('pg').postgresql?.host).toBe('db');
    expect(service('pg').continuous).toEqual({ value: true, at: '/defaults/postgresql/pitr', from: 'defaults' });
    // A files service is not made continuous by a database's WAL archiving.
    expect(service('f').postgresql).toBeNull();
    expect(service('f').continuous).toBeNull();
  });

  it('continuous points at what makes it true: pitr over continuous: false', () => {
    const { service } = resolve(`services:
  pg: { kind: postgresql, continuous: false, postgresql: { host: db, port: 5432, database: app, user: backup, pitr: true } }
  s3: { kind: s3-bucket, bucket: src-bucket, region: us-east-1, continuous: false }
`);
    expect(service('pg').continuous).toEqual({ value: true, at: '/services/pg/postgresql/pitr', from: 'service' });
    expect(service('s3').continuous).toEqual({ value: false, at: '/services/s3/continuous', from: 'service' });
  });
});

describe('time zones', () => {
  it('the effective zone is the service\'s, else defaults\', else the policy\'s', () => {
    const { policy, service } = resolve(`timezone: America/New_York
defaults: { kind: files, paths: [/d] }
services:
  own: { timezone: Asia/Kolkata }
  policy: {}
`);
    expect(policy.timezone).toBe('America/New_York');
    expect(service('own').timezone).toBe('Asia/Kolkata');
    expect(service('policy').timezone).toBe('America/New_York');
  });

  it('an invalid zone never reaches the model (emitters read only names lint accepts), and none stands in for it', () => {
    const { policy, service, rules } = resolve(`timezone: "Mars/Olympus"
defaults: { kind: files, paths: [/d] }
services:
  bad: { timezone: "x; rm -rf /" }
  inherits: {}
`);
    expect(rules.filter((r) => r === 'invalid-value')).toHaveLength(2);
    expect(policy.timezone).toBeNull();
    expect(service('bad').timezone).toBeNull();
    expect(service('bad').unknown.has('timezone')).toBe(true);
    expect(service('inherits').timezone).toBeNull();
    expect(service('inherits').unknown.has('timezone')).toBe(true);
  });
});

describe('kinds whose effective values follow from §4', () => {
  it('continuous: true on postgresql is pitr: true (pgBackRest, WAL alerts), as §4 says', () => {
    const { service } = resolve(`services:
  db:
    kind: postgresql
    postgresql: { host: h, port: 5432, database: d, user: u }
    continuous: true
    tier: t1
    schedule: daily
  plain:
    kind: postgresql
    postgresql: { host: h, port: 5432, database: d, user: u }
    tier: t1
    schedule: daily
`);
    expect(service('db').postgresql?.pitr).toBe(true);
    expect(service('plain').postgresql?.pitr).toBe(false);
  });

  it("aws-backup copies to the policy's regions, not to the storage target every other service defaults to", () => {
    const { service } = resolve(`services:
  rds:
    kind: aws-backup
    resources: { tags: { backup: "true" } }
    tier: t1
    schedule: daily
`);
    expect(service('rds').regions).toEqual(['us-east-1', 'us-west-2']);
    const single = lintText(HEADER.replace(', secondary: [us-west-2]', '') + 'services:\n  rds:\n    kind: aws-backup\n    resources: { tags: { backup: "true" } }\n    tier: t1\n    schedule: daily\n', 'drc.yaml');
    // The default storage has a replica in us-west-2, but AWS Backup has no secondary region to copy to.
    expect(single.policy!.servicesByName.get('rds')!.regions).toEqual(['us-east-1']);
    expect(single.diagnostics.map((d) => d.rule)).toContain('cross-region');
  });
});
