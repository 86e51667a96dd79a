import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BASE, drc, edit, lineOf, tempDir, write } from './helpers.js';

interface Found {
  rule: string;
  path: string;
  line: number;
  severity: string;
  message: string;
}

/** Runs `drc diff old new --format json` and `drc lint new --baseline old --format json`; both must agree. */
async function weakenings(oldText: string, newText: string): Promise<{ found: Found[]; changes: { service: string; field: string; kind: string; via: string | null }[]; code: number }> {
  const dir = tempDir();
  write(dir, 'old.yaml', oldText);
  write(dir, 'new.yaml', newText);
  const diff = await drc(dir, ['diff', 'old.yaml', 'new.yaml', '--format', 'json']);
  expect(diff.stderr).toBe('');
  const report = JSON.parse(diff.stdout);
  const found: Found[] = report.diagnostics.map((d: Found) => ({ rule: d.rule, path: d.path, line: d.line, severity: d.severity, message: d.message }));
  const lint = await drc(dir, ['lint', 'new.yaml', '--baseline', 'old.yaml', '--format', 'json']);
  const rules = new Set(['objective-weakened', 'retention-reduced', 'region-removed', 'encryption-weakened', 'restore-test-less-frequent', 'service-removed', 'immutability-removed']);
  const viaLint = JSON.parse(lint.stdout).diagnostics.filter((d: Found) => rules.has(d.rule)).map((d: Found) => ({ rule: d.rule, path: d.path, line: d.line, severity: d.severity, message: d.message }));
  expect(viaLint).toEqual(found);
  return { found, changes: report.changes, code: diff.code };
}

const at = (found: Found[]) => found.map((f) => `${f.rule} ${f.path} ${f.line}`).sort();

describe('drc diff: weakening findings', () => {
  it('objective-weakened: RPO raised in a tier reaches the services that inherit it, with a tier finding too', async () => {
    const now = edit(BASE, 'rpo: 15m', 'rpo: 1h');
    const { found, changes, code } = await weakenings(BASE, now);
    expect(code).toBe(1);
    expect(at(found)).toEqual([
      `objective-weakened /services/api-files/rpo ${lineOf(now, 'tier: tier1', 'api-files:')}`,
      `objective-weakened /services/production-db/rpo ${lineOf(now, 'tier: tier1', 'production-db:')}`,
      `objective-weakened /tiers/tier1/rpo ${lineOf(now, 'rpo: 1h')}`,
    ]);
    expect(found.find((f) => f.path === '/services/production-db/rpo')!.message).toBe('production-db: RPO raised from 15m to 1h (via tier tier1)');
    expect(found.find((f) => f.path === '/tiers/tier1/rpo')!.message).toContain('affects production-db, api-files');
    expect(changes).toContainEqual(expect.objectContaining({ service: 'production-db', field: 'rpo', kind: 'weakened', via: 'tier tier1' }));
  });

  it('objective-weakened: a service\'s own RTO raised points at its value', async () => {
    const now = edit(BASE, '    rto: 1h\n    retention: 90d', '    rto: 4h\n    retention: 90d');
    const { found } = await weakenings(BASE, now);
    expect(at(found)).toEqual([`objective-weakened /services/api-files/rto ${lineOf(now, 'rto: 4h')}`]);
    expect(found[0]!.message).toBe('api-files: RTO raised from 1h to 4h');
  });

  it('retention-reduced', async () => {
    const now = edit(BASE, 'retention: 90d', 'retention: 30d');
    const { found } = await weakenings(BASE, now);
    expect(at(found)).toEqual([`retention-reduced /services/api-files/retention ${lineOf(now, 'retention: 30d', 'api-files:')}`]);
    expect(found[0]!.message).toBe('api-files: retention reduced from 90d to 30d');
  });

  it('region-removed: a replica dropped from storage, and min_regions lowered in a tier', async () => {
    const now = edit(edit(BASE, '    replicas:\n      - { bucket: acme-backups-usw2, region: us-west-2 }\n', ''), 'min_regions: 2', 'min_regions: 1');
    const { found } = await weakenings(BASE, now);
    expect(at(found)).toEqual([
      `region-removed /services/api-files/min_regions ${lineOf(now, 'tier: tier1', 'api-files:')}`,
      `region-removed /services/api-files/storage ${lineOf(now, 'backups:')}`,
      `region-removed /services/production-db/min_regions ${lineOf(now, 'tier: tier1', 'production-db:')}`,
      `region-removed /services/production-db/storage ${lineOf(now, 'storage: backups')}`,
      `region-removed /storage/backups/replicas ${lineOf(now, 'backups:')}`,
      `region-removed /tiers/tier1/min_regions ${lineOf(now, 'min_regions: 1')}`,
    ]);
    expect(found.find((f) => f.path === '/services/production-db/storage')!.message).toBe('production-db: region us-west-2 removed (backups now in us-east-1) (via storage backups)');
  });

  it('encryption-weakened: at rest and client side, from the policy level', async () => {
    const now = edit(edit(BASE, 'at_rest: aws:kms', 'at_rest: AES256'), 'client_side: { method: age, recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }', 'client_side: { method: none }');
    const { found } = await weakenings(BASE, now);
    expect(at(found)).toEqual([
      `encryption-weakened /services/api-files/encryption/at_rest ${lineOf(now, 'at_rest: AES256')}`,
      `encryption-weakened /services/api-files/encryption/client_side ${lineOf(now, 'client_side:')}`,
      `encryption-weakened /services/production-db/encryption/at_rest ${lineOf(now, 'at_rest: AES256')}`,
      `encryption-weakened /services/production-db/encryption/client_side ${lineOf(now, 'client_side:')}`,
    ]);
    expect(found.map((f) => f.message)).toContain('production-db: encryption at rest weakened from aws:kms to AES256 (via policy)');
  });

  it('restore-test-less-frequent: restore test and DR drill', async () => {
    const now = edit(edit(BASE, 'restore_test: monthly', 'restore_test: quarterly'), 'dr_drill: quarterly', 'dr_drill: yearly');
    const { found } = await weakenings(BASE, now);
    expect(at(found)).toEqual([
      `restore-test-less-frequent /services/api-files/dr_drill ${lineOf(now, 'tier: tier1', 'api-files:')}`,
      `restore-test-less-frequent /services/api-files/restore_test ${lineOf(now, 'tier: tier1', 'api-files:')}`,
      `restore-test-less-frequent /services/production-db/dr_drill ${lineOf(now, 'tier: tier1', 'production-db:')}`,
      `restore-test-less-frequent /services/production-db/restore_test ${lineOf(now, 'tier: tier1', 'production-db:')}`,
      `restore-test-less-frequent /tiers/tier1/dr_drill ${lineOf(now, 'dr_drill: yearly')}`,
      `restore-test-less-frequent /tiers/tier1/restore_test ${lineOf(now, 'restore_test: quarterly')}`,
    ]);
    expect(found.map((f) => f.message)).toContain('tier tier1: restore test less frequent, from monthly to quarterly (affects production-db, api-files)');
  });

  it('service-removed is a warning at the services: key of NEW (exit 0 alone)', async () => {
    const now = BASE.slice(0, BASE.indexOf('  api-files:'));
    const { found, code, changes } = await weakenings(BASE, now);
    expect(found).toEqual([
      { rule: 'service-removed', path: '/services/api-files', line: lineOf(now, 'services:'), severity: 'warning', message: 'api-files: service removed; its backups, monitoring and restore tests stop' },
    ]);
    expect(code).toBe(0);
    expect(changes).toContainEqual(expect.objectContaining({ service: 'api-files', field: 'service', kind: 'removed' }));
  });

  it('immutability-removed: tier immutable off, object lock relaxed to governance, shortened, or removed', async () => {
    const relaxed = edit(edit(BASE, 'immutable: true', 'immutable: false'), 'object_lock: { mode: compliance, days: 30 }', 'object_lock: { mode: governance, days: 7 }');
    const { found } = await weakenings(BASE, relaxed);
    expect(at(found)).toEqual([
      `immutability-removed /services/api-files/immutable ${lineOf(relaxed, 'tier: tier1', 'api-files:')}`,
      `immutability-removed /services/production-db/immutable ${lineOf(relaxed, 'tier: tier1', 'production-db:')}`,
      `immutability-removed /storage/backups/object_lock/days ${lineOf(relaxed, 'object_lock:')}`,
      `immutability-removed /storage/backups/object_lock/mode ${lineOf(relaxed, 'object_lock:')}`,
      `immutability-removed /tiers/tier1/immutable ${lineOf(relaxed, 'immutable: false')}`,
    ]);
    const removed = edit(BASE, '    object_lock: { mode: compliance, days: 30 }\n', '');
    const second = await weakenings(BASE, removed);
    expect(at(second.found)).toEqual([`immutability-removed /storage/backups/object_lock ${lineOf(removed, 'backups:')}`]);
    expect(second.found[0]!.message).toBe('storage backups: object lock removed (was compliance, 30 days)');
  });
});

describe('drc diff: no findings for strengthening or reordering', () => {
  it('strengthening yields changes marked strengthened and no finding', async () => {
    let now = edit(BASE, 'rpo: 15m', 'rpo: 5m');
    now = edit(now, 'retention: 90d', 'retention: 1y');
    now = edit(now, 'restore_test: monthly', 'restore_test: weekly');
    now = edit(now, 'at_rest: aws:kms', 'at_rest: aws:kms');
    const { found, changes, code } = await weakenings(BASE, now);
    expect(found).toEqual([]);
    expect(code).toBe(0);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.kind === 'strengthened')).toBe(true);
  });

  it('reordering keys and services, and rewriting values in other units, is no change', async () => {
    let now = edit(BASE, '    rto: 1h\n    rpo: 15m\n', '    rpo: 900s\n    rto: 60m\n');
    const db = now.slice(now.indexOf('  production-db:'), now.indexOf('  api-files:'));
    now = now.replace(db, '') + db;
    now = edit(now, 'version: 1\nname: acme\n', 'name: acme\nversion: 1\n');
    const { found, changes } = await weakenings(BASE, now);
    expect(found).toEqual([]);
    expect(changes).toEqual([]);
  });
});

/** Gives `service` of BASE its own `line`, right after its `tier: tier1`. */
function own(text: string, service: string, line: string): string {
  return edit(text, `  ${service}:\n    tier: tier1\n`, `  ${service}:\n    tier: tier1\n    ${line}\n`);
}

/** Gives both services of BASE their own `line`. */
function ownBoth(text: string, line: string): string {
  return own(own(text, 'production-db', line), 'api-files', line);
}

/** Adds a `defaults:` block (its lines indented by two) before `tiers:`. */
function withDefaults(text: string, lines: string): string {
  return edit(text, 'tiers:\n', `defaults:\n${lines}tiers:\n`);
}

const AGE = '{ method: age, recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }';
const TIER_RTO = '  tier1:\n    rto: 1h\n';
const TIER_RPO = '    rto: 1h\n    rpo: 15m\n    retention: 30d\n';

describe('drc diff: a value moved between levels without changing it is no change', () => {
  // Every service's effective value stays the same, so neither a service nor the tier gives a finding.
  it.each([
    { name: 'rpo: tier → both services (one in another unit)', now: own(own(edit(BASE, '    rpo: 15m\n', ''), 'production-db', 'rpo: 900s'), 'api-files', 'rpo: 15m') },
    { name: 'rto: tier → the service that did not set it', now: own(edit(BASE, TIER_RTO, '  tier1:\n'), 'production-db', 'rto: 60m') },
    { name: 'retention: tier → service, as GFS counts', now: own(edit(BASE, '    retention: 30d\n', ''), 'production-db', 'retention: { keep: { daily: 30 } }') },
    { name: 'restore_test: tier → both services', now: ownBoth(edit(BASE, '    restore_test: monthly\n', ''), 'restore_test: monthly') },
    { name: 'dr_drill: tier → defaults (quarterly as every 92d)', now: withDefaults(edit(BASE, '    dr_drill: quarterly\n', ''), '  dr_drill: every 92d\n') },
    { name: 'min_regions: tier → both services', now: ownBoth(edit(BASE, '    min_regions: 2\n', ''), 'min_regions: 2') },
    { name: 'immutable: tier → defaults', now: withDefaults(edit(BASE, '    immutable: true\n', ''), '  immutable: true\n') },
    {
      name: 'encryption at rest and client side: policy → defaults',
      now: withDefaults(edit(edit(BASE, '  at_rest: aws:kms\n', ''), `  client_side: ${AGE}\n`, ''), `  encryption:\n    at_rest: aws:kms\n    client_side: ${AGE}\n`),
    },
    { name: 'storage (regions): service → defaults', now: withDefaults(edit(BASE, '    storage: backups\n', ''), '  storage: backups\n') },
  ])('$name', async ({ now }) => {
    const { found, changes, code } = await weakenings(BASE, now);
    expect(found).toEqual([]);
    expect(changes).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('drc diff: a change above a service that overrides the field does not reach it', () => {
  // A tier finding lists exactly the services whose effective value it weakens, and is not reported when it weakens none.
  const second = edit(BASE, 'tiers:\n', '  local:\n    type: s3\n    bucket: acme-local\n    region: us-east-1\ntiers:\n');
  it.each([
    { name: 'rpo raised in the tier, both services override', old: ownBoth(BASE, 'rpo: 15m'), from: TIER_RPO, to: TIER_RPO.replace('15m', '1h'), expected: () => [] },
    {
      name: 'rpo raised in the tier, only api-files inherits',
      old: own(BASE, 'production-db', 'rpo: 15m'),
      from: TIER_RPO,
      to: TIER_RPO.replace('15m', '1h'),
      expected: (now: string) => [
        `objective-weakened /services/api-files/rpo ${lineOf(now, 'tier: tier1', 'api-files:')}`,
        `objective-weakened /tiers/tier1/rpo ${lineOf(now, 'rpo: 1h')}|tier tier1: RPO raised from 15m to 1h (affects api-files)`,
      ],
    },
    {
      name: 'rto raised in the tier, api-files overrides it',
      old: BASE,
      from: TIER_RTO,
      to: '  tier1:\n    rto: 4h\n',
      expected: (now: string) => [
        `objective-weakened /services/production-db/rto ${lineOf(now, 'tier: tier1', 'production-db:')}`,
        `objective-weakened /tiers/tier1/rto ${lineOf(now, 'rto: 4h')}|tier tier1: RTO raised from 1h to 4h (affects production-db)`,
      ],
    },
    {
      name: 'retention removed from the tier, api-files overrides it',
      old: BASE,
      from: '    retention: 30d\n',
      to: '',
      expected: (now: string) => [
        `retention-reduced /services/production-db/retention ${lineOf(now, 'tier: tier1', 'production-db:')}`,
        `retention-reduced /tiers/tier1/retention ${lineOf(now, 'tier1:')}|tier tier1: retention removed (was 30d) (affects production-db)`,
      ],
    },
    { name: 'rpo removed from the tier, both services override', old: ownBoth(BASE, 'rpo: 15m'), from: '    rpo: 15m\n    retention: 30d\n', to: '    retention: 30d\n', expected: () => [] },
    { name: 'restore_test rarer in the tier, both services override', old: ownBoth(BASE, 'restore_test: monthly'), from: '    restore_test: monthly\n    dr', to: '    restore_test: quarterly\n    dr', expected: () => [] },
    { name: 'dr_drill rarer in the tier, both services override', old: ownBoth(BASE, 'dr_drill: quarterly'), from: '    dr_drill: quarterly\n    min', to: '    dr_drill: yearly\n    min', expected: () => [] },
    { name: 'min_regions lowered in the tier, both services override', old: ownBoth(BASE, 'min_regions: 2'), from: '    min_regions: 2\n    imm', to: '    min_regions: 1\n    imm', expected: () => [] },
    { name: 'immutable turned off in the tier, both services override', old: ownBoth(BASE, 'immutable: true'), from: '    immutable: true\nservices', to: '    immutable: false\nservices', expected: () => [] },
    { name: 'a weakened tier that no service uses', old: edit(BASE, 'services:\n', '  tier3:\n    rpo: 1h\nservices:\n'), from: '    rpo: 1h\nservices', to: '    rpo: 4h\nservices', expected: () => [] },
    {
      name: 'encryption weakened at the policy level, both services set their own',
      old: ownBoth(BASE, `encryption: { at_rest: aws:kms, client_side: ${AGE} }`),
      from: `  at_rest: aws:kms\n  kms_key: alias/backup\n  replica_kms_keys: { us-west-2: alias/backup-usw2 }\n  client_side: ${AGE}\n`,
      to: '  at_rest: AES256\n  kms_key: alias/backup\n  replica_kms_keys: { us-west-2: alias/backup-usw2 }\n  client_side: { method: none }\n',
      expected: () => [],
    },
    {
      name: 'storage in defaults loses its replica region, both services set their own',
      old: withDefaults(ownBoth(edit(second, '    storage: backups\n', ''), 'storage: backups'), '  storage: backups\n'),
      from: 'defaults:\n  storage: backups\n',
      to: 'defaults:\n  storage: local\n',
      expected: () => [],
    },
  ])('$name', async ({ old, from, to, expected }) => {
    const now = edit(old, from, to);
    const { found, code } = await weakenings(old, now);
    const tierMessages = found.filter((f) => f.path.startsWith('/tiers/')).map((f) => `${f.rule} ${f.path} ${f.line}|${f.message}`);
    const serviceFindings = found.filter((f) => !f.path.startsWith('/tiers/')).map((f) => `${f.rule} ${f.path} ${f.line}`);
    expect([...serviceFindings, ...tierMessages].sort()).toEqual(expected(now).sort());
    expect(code).toBe(expected(now).length > 0 ? 1 : 0);
  });
});

describe('drc diff: inputs and formats', () => {
  it('reads git:REF:path from the repository of the working directory', async () => {
    const dir = tempDir('drc-git-');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'T');
    write(dir, 'drc.yaml', BASE);
    git('add', 'drc.yaml');
    git('commit', '-q', '-m', 'base');
    const now = edit(BASE, 'rpo: 15m', 'rpo: 1h');
    write(dir, 'drc.yaml', now);
    const r = await drc(dir, ['diff', 'git:HEAD:drc.yaml', 'drc.yaml', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.old).toBe('git:HEAD:drc.yaml');
    expect(report.diagnostics.map((d: Found) => d.path)).toContain('/tiers/tier1/rpo');
    // lint --baseline git:REF (no path) compares each file with itself at REF
    const lint = await drc(dir, ['lint', 'drc.yaml', '--baseline', 'git:HEAD', '--format', 'json']);
    expect(JSON.parse(lint.stdout).diagnostics.some((d: Found) => d.rule === 'objective-weakened' && d.path === '/tiers/tier1/rpo')).toBe(true);
    // a ref that does not exist is a usage error
    const bad = await drc(dir, ['diff', 'git:no-such-ref:drc.yaml', 'drc.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read git:no-such-ref:drc\.yaml/);
  });

  it('unreadable or unusable input is exit 2', async () => {
    const dir = tempDir();
    write(dir, 'new.yaml', BASE);
    write(dir, 'broken.yaml', 'version: [1\n');
    expect((await drc(dir, ['diff', 'missing.yaml', 'new.yaml'])).code).toBe(2);
    const broken = await drc(dir, ['diff', 'broken.yaml', 'new.yaml']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/OLD broken\.yaml is not a usable policy/);
    expect((await drc(dir, ['diff', 'new.yaml', 'new.yaml', '--format', 'nope'])).code).toBe(2);
  });

  it('markdown is a PR-comment table of every change, strengthenings marked', async () => {
    const dir = tempDir();
    write(dir, 'old.yaml', BASE);
    write(dir, 'new.yaml', edit(edit(BASE, 'rpo: 15m', 'rpo: 1h'), 'retention: 90d', 'retention: 1y'));
    const r = await drc(dir, ['diff', 'old.yaml', 'new.yaml', '--format', 'markdown']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('| Service | Objective | Old | New | Change | Via |');
    expect(r.stdout).toContain('| production-db | RPO | 15m | 1h | 🔻 weakened | tier tier1 |');
    expect(r.stdout).toContain('| api-files | retention | 90d | 1y | 🔺 strengthened |  |');
    expect(r.stdout).toContain('### Findings');
  });

  it('lint formats carry the findings (sarif, github), and severities from .drc.yaml apply', async () => {
    const dir = tempDir();
    write(dir, 'old.yaml', BASE);
    write(dir, 'new.yaml', edit(BASE, 'retention: 90d', 'retention: 30d'));
    const sarif = await drc(dir, ['diff', 'old.yaml', 'new.yaml', '--format', 'sarif']);
    const log = JSON.parse(sarif.stdout);
    expect(log.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['retention-reduced']);
    const gh = await drc(dir, ['diff', 'old.yaml', 'new.yaml', '--format', 'github']);
    expect(gh.stdout).toMatch(/^::error file=new\.yaml,line=\d+/);
    write(dir, '.drc.yaml', 'rules:\n  retention-reduced: warning\n');
    const relaxed = await drc(dir, ['diff', 'old.yaml', 'new.yaml', '--format', 'json']);
    expect(relaxed.code).toBe(0);
    expect(JSON.parse(relaxed.stdout).diagnostics[0].severity).toBe('warning');
  });
});
