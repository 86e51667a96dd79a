import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE, drc, edit, tempDir, write } from '../diff/helpers.js';

// api-files' RPO looser than its tier: one tier-objective error at /services/api-files/rpo.
const FAILING = edit(BASE, '    rto: 1h\n    retention: 90d', '    rto: 1h\n    rpo: 1h\n    retention: 90d');

function errorsOf(stdout: string): { rule: string; path: string; line: number }[] {
  return JSON.parse(stdout).diagnostics.filter((d: { severity: string }) => d.severity === 'error');
}

describe('accepted-findings baseline (.drc-baseline.json)', () => {
  it('--update-baseline writes entries keyed by file, rule and pointer; later runs accept them', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', FAILING);
    const before = await drc(dir, ['lint', 'drc.yaml', '--format', 'json']);
    expect(before.code).toBe(1);
    const update = await drc(dir, ['lint', 'drc.yaml', '--update-baseline', '--format', 'json']);
    expect(update.code).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, '.drc-baseline.json'), 'utf8'));
    expect(file.version).toBe(1);
    expect(file.entries).toContainEqual(expect.objectContaining({ file: 'drc.yaml', rule: 'tier-objective', path: '/services/api-files/rpo' }));
    expect(JSON.stringify(file)).not.toMatch(/"line"/);

    // Move the finding down by two lines: still accepted (keyed by pointer, not line).
    write(dir, 'drc.yaml', FAILING.replace('owner: sre@acme.example\n', 'owner: sre@acme.example\n# a comment\n# another\n'));
    const stylish = await drc(dir, ['lint', 'drc.yaml']);
    expect(stylish.code).toBe(0);
    expect(stylish.stderr).toMatch(/^\d+ findings? accepted by \.drc-baseline\.json$/m);
    const json = await drc(dir, ['lint', 'drc.yaml', '--format', 'json']);
    const report = JSON.parse(json.stdout);
    expect(report.baseline.accepted).toBeGreaterThan(0);
    expect(report.baseline.stale).toBe(0);
    expect(errorsOf(json.stdout)).toEqual([]);
  });

  it('a new finding is reported; fixed ones leave stale entries that --prune-baseline drops', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', FAILING);
    await drc(dir, ['lint', 'drc.yaml', '--update-baseline']);
    // New finding elsewhere: production-db gets a looser RTO.
    write(dir, 'drc.yaml', edit(FAILING, '    storage: backups\n', '    storage: backups\n    rto: 4h\n'));
    const r = await drc(dir, ['lint', 'drc.yaml', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(errorsOf(r.stdout).map((d) => d.path)).toEqual(['/services/production-db/rto']);
    // Fix the accepted one: its entry is stale.
    write(dir, 'drc.yaml', BASE);
    const stale = await drc(dir, ['lint', 'drc.yaml', '--format', 'json']);
    expect(stale.code).toBe(0);
    expect(JSON.parse(stale.stdout).baseline.stale).toBeGreaterThan(0);
    expect(stale.stderr).toMatch(/warning: \d+ baseline entr(y|ies) in \.drc-baseline\.json match no finding any more .*tier-objective at drc\.yaml#\/services\/api-files\/rpo/);
    const prune = await drc(dir, ['lint', 'drc.yaml', '--prune-baseline']);
    expect(prune.stderr).toMatch(/pruned \d+ stale baseline entr/);
    const after = JSON.parse(readFileSync(join(dir, '.drc-baseline.json'), 'utf8'));
    expect(after.entries.some((e: { rule: string }) => e.rule === 'tier-objective')).toBe(false);
    const clean = await drc(dir, ['lint', 'drc.yaml']);
    expect(clean.stderr).not.toMatch(/stale|match no finding/);
  });

  it('counts: a key listed once accepts one finding', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', FAILING);
    write(dir, 'b.json', JSON.stringify({ version: 1, entries: [] }));
    const r = await drc(dir, ['lint', 'drc.yaml', '--baseline-file', 'b.json', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).baseline).toEqual({ accepted: 0, stale: 0 });
    write(dir, 'b.json', JSON.stringify({ version: 1, entries: [{ file: 'drc.yaml', rule: 'tier-objective', path: '/services/api-files/rpo' }] }));
    const ok = await drc(dir, ['lint', 'drc.yaml', '--baseline-file', 'b.json', '--format', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).baseline.accepted).toBe(1);
  });

  it('weakening findings from --baseline OLD can be accepted too', async () => {
    const dir = tempDir();
    write(dir, 'old.yaml', BASE);
    write(dir, 'drc.yaml', edit(BASE, 'retention: 90d', 'retention: 60d'));
    expect((await drc(dir, ['lint', 'drc.yaml', '--baseline', 'old.yaml'])).code).toBe(1);
    await drc(dir, ['lint', 'drc.yaml', '--baseline', 'old.yaml', '--update-baseline']);
    expect(readFileSync(join(dir, '.drc-baseline.json'), 'utf8')).toContain('"rule": "retention-reduced"');
    expect((await drc(dir, ['lint', 'drc.yaml', '--baseline', 'old.yaml'])).code).toBe(0);
  });

  it('a broken baseline file is exit 2 with file, line and column', async () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', BASE);
    write(dir, '.drc-baseline.json', '{\n  "version": 1,\n  "entries": [\n    { "file": "drc.yaml", "rule": "x", "line": 3 }\n  ]\n}\n');
    const r = await drc(dir, ['lint', 'drc.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.drc-baseline\.json:4:\d+: unknown key "line"/);
    expect(r.stderr).toMatch(/\.drc-baseline\.json:4:\d+: missing required key "path"/);
    write(dir, '.drc-baseline.json', '{ "version": 1, "entries": [ }');
    const syntax = await drc(dir, ['lint', 'drc.yaml']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/\.drc-baseline\.json:1:\d+:/);
    expect((await drc(dir, ['lint', 'drc.yaml', '--baseline-file', 'missing.json'])).code).toBe(2);
  });
});
