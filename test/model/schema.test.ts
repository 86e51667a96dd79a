import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schemaFindings } from '../../src/model/schema.js';

const schemaFile = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

const minimal = { version: 1, name: 'acme' };

/** The whole example of policy-language.md §1. */
const fullExample = {
  version: 1,
  name: 'acme-production',
  owner: 'sre@acme.example',
  regions: { primary: 'us-east-1', secondary: ['us-west-2'] },
  encryption: {
    at_rest: 'aws:kms',
    kms_key: 'alias/acme-backup',
    replica_kms_keys: { 'us-west-2': 'alias/acme-backup-usw2' },
    client_side: { method: 'age', recipients: ['age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq'] },
  },
  storage: {
    backups: {
      type: 's3',
      bucket: 'acme-backups-use1',
      region: 'us-east-1',
      replicas: [{ bucket: 'acme-backups-usw2', region: 'us-west-2' }],
      object_lock: { mode: 'compliance', days: 30 },
      expire_after: '400d',
      transitions: [
        { after: '30d', class: 'STANDARD_IA' },
        { after: '90d', class: 'GLACIER' },
      ],
    },
  },
  tiers: {
    tier1: { title: 'Critical', rto: '1h', rpo: '15m', retention: '30d', restore_test: 'monthly', dr_drill: 'quarterly', min_regions: 2, immutable: true },
    tier2: { title: 'Important', rto: '4h', rpo: '24h', retention: '90d', restore_test: 'monthly' },
    tier3: { title: 'Standard', rto: '24h', rpo: '24h', retention: '7d', restore_test: 'quarterly' },
  },
  services: {
    'production-db': {
      title: 'Production Database',
      tier: 'tier1',
      environment: 'production',
      owner: 'team-data',
      kind: 'postgresql',
      postgresql: { host: 'db.prod.internal', port: 5432, database: 'myapp', user: 'backup', pitr: true },
      schedule: 'hourly',
      data_size: '200GiB',
      restore_rate: '300MiB/s',
      storage: 'backups',
      retention: { keep: { hourly: 24, daily: 30, monthly: 12 } },
      labels: { pci: 'true' },
    },
  },
  monitoring: {
    metrics: 'textfile',
    textfile_dir: '/var/lib/node_exporter/textfile_collector',
    runbook_url: 'https://runbooks.acme.example/dr/{service}',
    alert_labels: { team: 'sre' },
  },
  drills: {
    scenario: 'primary region outage',
    roles: ['incident-commander', 'database-lead', 'network-lead', 'comms-lead'],
    notice: '14d',
  },
  compliance: { frameworks: ['soc2'] },
  rules: [],
};

/** Every other kind, `defaults:`, custom rules and the remaining optional fields. */
const everyKind = {
  version: 1,
  name: 'k',
  timezone: 'Europe/Berlin',
  regions: { primary: 'eu-central-1', secondary: 'eu-west-1' },
  encryption: { at_rest: 'AES256', client_side: { method: 'openssl', passphrase_env: 'DRC_BACKUP_PASSPHRASE' } },
  defaults: { storage: 'main', owner: 'sre', schedule: 'daily at 02:30', retention: { duration: '35d', keep: { daily: 7, weekly: 4 } } },
  storage: { main: { bucket: 'k.backups', region: 'eu-central-1' } },
  services: {
    my: { kind: 'mysql', mysql: { host: 'm', port: 3306, database: 'd', user: 'u' }, environment: 'staging' },
    files: { kind: 'files', paths: ['/etc'], exclude: ['*.tmp'], timezone: 'UTC' },
    bucket: { kind: 's3-bucket', bucket: 'assets', region: 'eu-central-1', continuous: true, schedule: 'weekly on sun at 03:00' },
    k8s: { kind: 'kubernetes', namespaces: { include: ['*'], exclude: ['kube-system'] }, label_selector: { app: 'web' }, snapshot_volumes: true },
    tagged: { kind: 'aws-backup', resources: { tags: { backup: 'daily' } } },
    arns: { kind: 'aws-backup', arns: ['arn:aws:rds:eu-central-1:123456789012:db:main'], encryption: { at_rest: 'aws:kms', kms_key: 'alias/x' } },
  },
  monitoring: { metrics: 'pushgateway', pushgateway_url: 'http://pgw:9091' },
  compliance: { frameworks: ['soc2', 'hipaa', 'pci-dss', 'sox', 'sec-17a-4', 'gdpr'] },
  rules: [{ id: 'acme/pci-kms', severity: 'error', where: 'labels.pci == "true"', assert: 'retention >= 365d', message: 'PCI: a year', description: 'why' }],
};

function withService(service: unknown, extra: Record<string, unknown> = {}) {
  return { ...minimal, ...extra, services: { db: service } };
}

describe('schemaFindings: valid policies', () => {
  it('a minimal policy has no findings', () => {
    expect(schemaFindings(minimal)).toEqual([]);
  });

  it('the full example of policy-language.md §1 has no findings', () => {
    expect(schemaFindings(fullExample)).toEqual([]);
  });

  it('every service kind, defaults and custom rules have no findings', () => {
    expect(schemaFindings(everyKind)).toEqual([]);
  });

  it('a service may take its kind and its kind\'s block from defaults (policy-language.md §3)', () => {
    const blocks: Record<string, Record<string, unknown>> = {
      postgresql: { postgresql: { host: 'h', port: 5432, database: 'd', user: 'u' } },
      mysql: { mysql: { host: 'h', port: 3306, database: 'd', user: 'u' } },
      files: { paths: ['/srv'] },
      's3-bucket': { bucket: 'assets', region: 'us-east-1' },
      kubernetes: { namespaces: { include: ['prod'] } },
      'aws-backup': { arns: ['arn:aws:rds:us-east-1:123456789012:db:main'] },
    };
    // defaults: may hold every kind's block at once, each for the services of its kind.
    const allBlocks = Object.assign({}, ...Object.values(blocks));
    for (const kind of Object.keys(blocks)) expect(schemaFindings(withService({ kind }, { defaults: allBlocks })), `every block in defaults: ${kind}`).toEqual([]);
    for (const [kind, block] of Object.entries(blocks)) {
      expect(schemaFindings(withService({}, { defaults: { kind, ...block } })), `all in defaults: ${kind}`).toEqual([]);
      expect(schemaFindings(withService({ kind }, { defaults: block })), `block in defaults: ${kind}`).toEqual([]);
      expect(schemaFindings(withService(block, { defaults: { kind } })), `kind in defaults: ${kind}`).toEqual([]);
    }
  });
});

interface Case {
  name: string;
  data: unknown;
  path: string;
  atKey?: boolean;
  message: string[];
}

const cases: Case[] = [
  {
    name: 'unknown top-level key',
    data: { ...minimal, servces: {} },
    path: '/servces',
    atKey: true,
    message: ['unknown top-level key "servces"', 'did you mean "services"?'],
  },
  {
    name: 'unknown service key with a suggestion',
    data: withService({ kind: 'files', paths: ['/'], tierr: 'tier1' }),
    path: '/services/db/tierr',
    atKey: true,
    message: ['unknown key "tierr" in service "db"', '(did you mean "tier"?)'],
  },
  {
    name: 'unknown key in a nested block names the block and the service',
    data: withService({ kind: 'postgresql', postgresql: { hots: 'h', host: 'h', port: 5432, database: 'd', user: 'u' } }),
    path: '/services/db/postgresql/hots',
    atKey: true,
    message: ['unknown key "hots" in postgresql of service "db"', 'did you mean "host"?'],
  },
  {
    name: 'wrong enum value with a suggestion',
    data: withService({ kind: 'files', paths: ['/'], environment: 'prodution' }),
    path: '/services/db/environment',
    message: ['service "db" environment', 'expected one of: production, staging, development, test', '(did you mean "production"?)'],
  },
  {
    name: 'wrong kind with a suggestion, and no cascade from the kind blocks',
    data: withService({ kind: 'postgres' }),
    path: '/services/db/kind',
    message: ['expected one of: postgresql, mysql, files, s3-bucket, kubernetes, aws-backup', 'did you mean "postgresql"?'],
  },
  {
    name: 'aws-backup resources without tags: an empty selection backs up nothing',
    data: withService({ kind: 'aws-backup', resources: {} }),
    path: '/services/db/resources',
    message: ['resources of service "db" is missing "tags"'],
  },
  {
    name: 'aws-backup resources with an empty tag map',
    data: withService({ kind: 'aws-backup', resources: { tags: {} } }),
    path: '/services/db/resources/tags',
    message: ['service "db" resources.tags: must not be empty'],
  },
  {
    name: 'a block of another kind on the service itself (paths: on postgresql) is a mistake, at its key',
    data: withService({ kind: 'postgresql', postgresql: { host: 'h', port: 5432, database: 'd', user: 'u' }, paths: ['/srv'] }),
    path: '/services/db/paths',
    atKey: true,
    message: ['"paths" is for kind files, but service "db" is kind postgresql'],
  },
  {
    name: 'a mysql block on a files service',
    data: withService({ kind: 'files', paths: ['/srv'], mysql: { host: 'h', port: 3306, database: 'd', user: 'u' } }),
    path: '/services/db/mysql',
    atKey: true,
    message: ['"mysql" is for kind mysql, but service "db" is kind files'],
  },
  {
    name: 'a YAML 1.1 merge key is named as such, not as an unknown key',
    data: withService({ kind: 'files', paths: ['/'], '<<': { tier: 'tier1' } }),
    path: '/services/db/<<',
    atKey: true,
    message: ['merge keys ("<<") are YAML 1.1, not YAML 1.2, and are not merged'],
  },
  {
    name: 'missing kind',
    data: withService({ tier: 'tier1' }),
    path: '/services/db',
    message: ['service "db" is missing "kind"'],
  },
  {
    name: 'missing kind, with a defaults block that does not set one: still at the service',
    data: withService({ paths: ['/srv'] }, { defaults: { owner: 'sre' } }),
    path: '/services/db',
    message: ['service "db" is missing "kind"'],
  },
  {
    name: 'a kind from defaults requires its block on the service or in defaults, reported at the service',
    data: withService({ tier: 'tier1' }, { defaults: { kind: 'postgresql' } }),
    path: '/services/db',
    message: ['service "db" is missing "postgresql"', '(required when kind is postgresql, set in defaults)'],
  },
  {
    name: 'a block in defaults for another kind does not satisfy the service\'s own kind',
    data: withService({ kind: 'files' }, { defaults: { kind: 'postgresql', postgresql: { host: 'h', port: 5432, database: 'd', user: 'u' } } }),
    path: '/services/db',
    message: ['service "db" is missing "paths"', '(required when kind is files)'],
  },
  {
    name: 'a kind misspelt in defaults is one finding, not also "missing kind" at each service',
    data: { ...minimal, defaults: { knd: 'files', paths: ['/srv'] }, services: { a: {}, b: {} } },
    path: '/defaults/knd',
    atKey: true,
    message: ['unknown key "knd"', 'did you mean "kind"?'],
  },
  {
    name: 'an invalid kind in defaults is one finding, at the kind',
    data: withService({}, { defaults: { kind: 'postgres' } }),
    path: '/defaults/kind',
    message: ['expected one of: postgresql', 'did you mean "postgresql"?'],
  },
  {
    name: 'a misspelt kind key is one finding, not also "missing kind"',
    data: withService({ knd: 'files', paths: ['/'] }),
    path: '/services/db/knd',
    atKey: true,
    message: ['unknown key "knd"', 'did you mean "kind"?'],
  },
  {
    name: 'kind postgresql without its block',
    data: withService({ kind: 'postgresql' }),
    path: '/services/db',
    message: ['service "db" is missing "postgresql"', 'kind is postgresql'],
  },
  {
    name: 'kind aws-backup needs resources or arns: one finding',
    data: withService({ kind: 'aws-backup' }),
    path: '/services/db',
    message: ['service "db" is missing "resources" or "arns"'],
  },
  {
    name: 'retention of the wrong type is one finding',
    data: withService({ kind: 'files', paths: ['/'], retention: 30 }),
    path: '/services/db/retention',
    message: ['retention must be a duration like 30d or {duration, keep}'],
  },
  {
    name: 'retention mapping of the wrong shape is one finding',
    data: withService({ kind: 'files', paths: ['/'], retention: { days: 30 } }),
    path: '/services/db/retention',
    message: ['retention must be a duration like 30d or {duration, keep}'],
  },
  {
    name: 'retention of the right shape reports the deep problem only',
    data: { ...minimal, tiers: { t1: { retention: { keep: { daily: -1 } } } } },
    path: '/tiers/t1/retention/keep/daily',
    message: ['tier "t1" retention.keep.daily', 'expected at least 0, got -1'],
  },
  {
    name: 'a non-slug service name is reported at the key',
    data: { ...minimal, services: { Prod_DB: { kind: 'files', paths: ['/'] } } },
    path: '/services/Prod_DB',
    atKey: true,
    message: ['invalid service name "Prod_DB"', 'lowercase letters, digits and hyphens'],
  },
  {
    name: 'a custom rule id without a slash',
    data: { ...minimal, rules: [{ id: 'pci-kms', assert: 'true', message: 'm' }] },
    path: '/rules/0/id',
    message: ['rules[0].id: "pci-kms"', 'acme/pci-kms'],
  },
  {
    name: 'wrong type',
    data: { ...minimal, owner: 42 },
    path: '/owner',
    message: ['owner: expected a string, got a number'],
  },
  {
    name: 'a string where an integer is expected',
    data: withService({ kind: 'postgresql', postgresql: { host: 'h', port: '5432', database: 'd', user: 'u' } }),
    path: '/services/db/postgresql/port',
    message: ['service "db" postgresql.port: expected an integer, got a string'],
  },
  {
    name: 'wrong version: one finding, not also a type error',
    data: { ...minimal, version: '1' },
    path: '/version',
    message: ['version: expected 1, got "1"'],
  },
  {
    name: 'missing version',
    data: { name: 'acme' },
    path: '',
    message: ['the policy is missing "version"'],
  },
  {
    name: 'a non-slug policy name',
    data: { version: 1, name: 'Acme Production' },
    path: '/name',
    message: ['name: "Acme Production" must be lowercase'],
  },
  {
    name: 'an unknown key in a storage replica',
    data: { ...minimal, storage: { s: { bucket: 'abc', region: 'r', replicas: [{ bucket: 'abd', region: 'r', regoin: 'x' }] } } },
    path: '/storage/s/replicas/0/regoin',
    atKey: true,
    message: ['unknown key "regoin" in replicas[0] of storage "s"', 'did you mean "region"?'],
  },
  {
    name: 'a wrong storage class',
    data: { ...minimal, storage: { s: { bucket: 'abc', region: 'r', transitions: [{ after: '30d', class: 'GLACIR' }] } } },
    path: '/storage/s/transitions/0/class',
    message: ['storage "s" transitions[0].class', 'did you mean "GLACIER"?'],
  },
  {
    name: 'aws:kms at the top level needs a key',
    data: { ...minimal, encryption: { at_rest: 'aws:kms' } },
    path: '/encryption',
    message: ['encryption is missing "kms_key"', 'at_rest is aws:kms'],
  },
  {
    name: 'an empty service (YAML null)',
    data: withService(null),
    path: '/services/db',
    message: ['service "db": expected a mapping, got null'],
  },
  {
    name: 'a label value that is not a string',
    data: withService({ kind: 'files', paths: ['/'], labels: { pci: true } }),
    path: '/services/db/labels/pci',
    message: ['service "db" labels.pci: expected a string, got a boolean'],
  },
];

describe('schemaFindings: invalid fragments', () => {
  it.each(cases)('$name', ({ data, path, atKey, message }) => {
    const findings = schemaFindings(data);
    expect(findings, JSON.stringify(findings, null, 2)).toHaveLength(1);
    const [finding] = findings;
    expect(finding!.path).toBe(path);
    expect(finding!.atKey ?? false).toBe(atKey ?? false);
    for (const fragment of message) expect(finding!.message).toContain(fragment);
  });

  it('reports every independent problem once, sorted by path', () => {
    const findings = schemaFindings({
      version: 1,
      name: 'x',
      services: {
        b: { kind: 'files', paths: ['/'], retention: 5, retention_x: 1 },
        a: { kind: 'mysql' },
      },
    });
    expect(findings.map((f) => f.path)).toEqual(['/services/a', '/services/b/retention', '/services/b/retention_x']);
  });

  it('gives hints for values that need quoting or a unit', () => {
    const [rto] = schemaFindings(withService({ kind: 'files', paths: ['/'], rto: 1 }));
    expect(rto!.hint).toContain('1h');
    const [label] = schemaFindings(withService({ kind: 'files', paths: ['/'], labels: { pci: true } }));
    expect(label!.hint).toBe('quote it: "true"');
  });

  it('handles keys that need escaping in JSON pointers', () => {
    const findings = schemaFindings(withService({ kind: 'files', paths: ['/'], labels: { 'app.kubernetes.io/name': 1 } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('/services/db/labels/app.kubernetes.io~1name');
  });
});

describe('schemaFindings: any input', () => {
  it('never throws on junk and returns well-formed findings', () => {
    fc.assert(
      fc.property(fc.anything(), (data) => {
        const findings = schemaFindings(data);
        for (const f of findings) {
          expect(typeof f.path).toBe('string');
          expect(f.path === '' || f.path.startsWith('/')).toBe(true);
          expect(f.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on junk inside a policy skeleton, and is deterministic', () => {
    const junkService = fc.dictionary(
      fc.constantFrom('kind', 'postgresql', 'retention', 'labels', 'paths', 'namespaces', 'tier', 'rto', 'encryption', 'x'),
      fc.oneof(fc.anything(), fc.constantFrom('postgresql', 'aws-backup', 'files', 'kubernetes', '30d')),
    );
    const policy = fc.record({
      version: fc.oneof(fc.constant(1), fc.anything()),
      name: fc.oneof(fc.constant('acme'), fc.string()),
      services: fc.dictionary(fc.string(), fc.oneof(junkService, fc.anything())),
      tiers: fc.dictionary(fc.string(), fc.anything()),
      storage: fc.anything(),
      encryption: fc.anything(),
      rules: fc.array(fc.anything()),
    }, { requiredKeys: ['version', 'name'] });
    fc.assert(
      fc.property(policy, (data) => {
        const first = schemaFindings(data);
        expect(schemaFindings(data)).toEqual(first);
        const keys = first.map((f) => `${f.path}\0${f.message}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 500 },
    );
  });

  it('handles deep nesting, huge keys and many errors in linear time', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 5000; i++) deep = { a: [deep] };
    expect(schemaFindings({ ...minimal, deep }).map((f) => f.path)).toEqual(['/deep']);
    expect(schemaFindings({ ...minimal, services: { db: deep } })).toHaveLength(2);

    const hugeKey = 'k'.repeat(1_000_000);
    const [huge] = schemaFindings({ ...minimal, [hugeKey]: 1 });
    expect(huge!.message.length).toBeLessThan(200);

    const services: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) services[`s${i}`] = { kind: 'postgresql', retention: 5, environment: 'prod', tierr: 1 };
    const started = performance.now();
    const findings = schemaFindings({ ...minimal, services });
    expect(findings).toHaveLength(80_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('schema files', () => {
  it('compile with ajv, and the config and baseline schemas accept their examples', () => {
    for (const name of ['policy.schema.json', 'config.schema.json', 'baseline.schema.json']) {
      const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
      expect(() => ajv.compile(schemaFile(name)), name).not.toThrow();
    }
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const config = ajv.compile(schemaFile('config.schema.json'));
    expect(config({ rules: { 'owner-required': 'off', 'acme/pci-kms': 'warning' }, custom_rules: ['rules/acme.yaml'], format: ['stylish', 'sarif'], baseline: '.drc-baseline.json' })).toBe(true);
    expect(config({ rules: { 'owner-required': 'warn' } })).toBe(false);
    const baseline = ajv.compile(schemaFile('baseline.schema.json'));
    expect(baseline({ version: 1, entries: [{ file: 'drc.yaml', rule: 'rpo-feasible', path: '/services/db/rpo', message: 'm' }] })).toBe(true);
    expect(baseline({ version: 1, entries: [{ file: 'drc.yaml', rule: 'rpo-feasible' }] })).toBe(false);
  });

  it('describe every property and close every object (editor help, no silent typos)', () => {
    const problems: string[] = [];
    const walk = (node: unknown, at: string, isProperty: boolean) => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (isProperty && typeof n.description !== 'string') problems.push(`${at}: no description`);
      if (n.type === 'object' && n.properties && n.additionalProperties !== false) problems.push(`${at}: additionalProperties is not false`);
      for (const [key, value] of Object.entries(n)) {
        if (key === 'properties') for (const [p, s] of Object.entries(value as object)) walk(s, `${at}/properties/${p}`, true);
        else if (key === 'if' || key === 'then' || key === 'propertyNames') continue;
        else if (typeof value === 'object') walk(value, `${at}/${key}`, false);
      }
    };
    for (const name of ['policy.schema.json', 'config.schema.json', 'baseline.schema.json']) walk(schemaFile(name), name, false);
    expect(problems).toEqual([]);
  });

  it('keep $ref out of anyOf/oneOf branches (schema.ts groups branch errors by schema path)', () => {
    const refs: string[] = [];
    const walk = (node: unknown, at: string, inBranch: boolean) => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && inBranch) refs.push(at);
        walk(value, `${at}/${key}`, inBranch || key === 'anyOf' || key === 'oneOf');
      }
    };
    walk(schemaFile('policy.schema.json'), '#', false);
    expect(refs).toEqual([]);
  });
});
