import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfig } from '../../src/config/index.js';
import { BASE, drc, edit, memoryIo, tempDir, write } from '../diff/helpers.js';

const FAILING = edit(BASE, '    rto: 1h\n    retention: 90d', '    rto: 1h\n    rpo: 1h\n    retention: 90d');

describe('.drc.yaml discovery', () => {
  it('is found upward from the policy file, not above the repository root', () => {
    const root = tempDir();
    mkdirSync(join(root, 'repo', '.git'), { recursive: true });
    write(root, '.drc.yaml', 'rules: {}\n'); // above the repository: never used
    const policy = write(root, 'repo/policies/prod/drc.yaml', BASE);
    const io = memoryIo(root);
    expect(findConfig(io, join(root, 'repo/policies/prod'))).toBeNull();
    write(root, 'repo/policies/.drc.yaml', 'rules: {}\n');
    expect(findConfig(io, join(root, 'repo/policies/prod'))).toBe(join(root, 'repo/policies/.drc.yaml'));
    write(root, 'repo/.drc.yml', 'rules: {}\n');
    expect(findConfig(io, join(root, 'repo/policies/prod'))).toBe(join(root, 'repo/policies/.drc.yaml'));
    void policy;
  });

  it('off silences a rule, error raises the exit code; --config overrides discovery', async () => {
    const root = tempDir();
    mkdirSync(join(root, '.git'));
    write(root, 'sub/drc.yaml', FAILING);
    const plain = await drc(root, ['lint', 'sub/drc.yaml', '--format', 'json']);
    expect(plain.code).toBe(1);
    const rules = (out: string) => JSON.parse(out).diagnostics.map((d: { rule: string }) => d.rule);
    expect(rules(plain.stdout)).toContain('tier-objective');
    expect(rules(plain.stdout)).toContain('rto-feasible');

    write(root, '.drc.yaml', 'rules:\n  tier-objective: off\n');
    const off = await drc(join(root, 'sub'), ['lint', 'drc.yaml', '--format', 'json']);
    expect(off.code).toBe(0);
    expect(rules(off.stdout)).not.toContain('tier-objective');

    write(root, 'strict.yaml', 'rules:\n  rto-feasible: error\n  tier-objective: off\n');
    const strict = await drc(root, ['lint', 'sub/drc.yaml', '--config', 'strict.yaml', '--format', 'json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).diagnostics.filter((d: { rule: string; severity: string }) => d.rule === 'rto-feasible').every((d: { severity: string }) => d.severity === 'error')).toBe(true);
  });

  it('format: sets the default output formats', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    write(dir, 'drc.yaml', BASE);
    write(dir, '.drc.yaml', 'format: [json, sarif:out.sarif]\n');
    const r = await drc(dir, ['lint', 'drc.yaml']);
    expect(JSON.parse(r.stdout).summary).toBeDefined();
    const { readFileSync } = await import('node:fs');
    expect(JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')).version).toBe('2.1.0');
  });

  it('unknown rule ids are a warning with a suggestion', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    write(dir, 'drc.yaml', BASE);
    write(dir, '.drc.yaml', 'rules:\n  tier-objectiv: off\n');
    const r = await drc(dir, ['lint', 'drc.yaml']);
    expect(r.stderr).toContain('.drc.yaml:2:3: warning: unknown rule "tier-objectiv" in rules: (did you mean "tier-objective"?)');
  });

  it('an invalid config is exit 2 with file, line and column', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    write(dir, 'drc.yaml', BASE);
    write(dir, '.drc.yaml', 'rules:\n  tier-objective: loud\n  Bad_Id: off\nformats: json\n');
    const r = await drc(dir, ['lint', 'drc.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.drc.yaml:2:19: expected one of "off", "info", "warning", "error", got "loud"');
    expect(r.stderr).toContain('.drc.yaml:3:3: "Bad_Id" is not a rule id');
    expect(r.stderr).toContain('.drc.yaml:4:1: unknown key "formats"');
    write(dir, '.drc.yaml', 'rules: [\n');
    const syntax = await drc(dir, ['lint', 'drc.yaml']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/\.drc\.yaml:\d+:\d+:/);
  });

  it('custom_rules: rule files are compiled and run next to the policy\'s own rules', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    write(dir, 'drc.yaml', BASE);
    write(dir, 'rules/acme.yaml', 'rules:\n  - id: acme/long-retention\n    severity: error\n    assert: \'retention >= 60d\'\n    message: keep at least 60 days\n');
    write(dir, '.drc.yaml', 'custom_rules: [rules/acme.yaml]\n');
    const r = await drc(dir, ['lint', 'drc.yaml', '--format', 'json']);
    const found = JSON.parse(r.stdout).diagnostics.filter((d: { rule: string }) => d.rule === 'acme/long-retention');
    // production-db inherits 30d from tier1; api-files keeps 90d.
    expect(found.length).toBe(1);
    expect(found[0].path).toMatch(/^\/services\/production-db/);
    expect(r.code).toBe(1);
    write(dir, 'rules/acme.yaml', 'rules:\n  - id: acme/bad\n    assert: \'retention >= 60\'\n    message: x\n');
    const bad = await drc(dir, ['lint', 'drc.yaml', '--format', 'json']);
    const invalid = JSON.parse(bad.stdout).diagnostics.filter((d: { rule: string }) => d.rule === 'invalid-rule');
    expect(invalid.length).toBe(1);
    expect(invalid[0].file).toBe('rules/acme.yaml');
    expect(invalid[0].line).toBe(3);
  });
});
