/** Custom rules end to end through lintText: which services they fire on, positioned compile errors, suppressions, explain. */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { compileRuleList } from '../../src/checker/custom-rules.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { customRuleMetas, explainRule } from '../../src/cli/rules.js';
import { loadYaml } from '../../src/parser/load.js';
import { BASE_HEADER } from './rule-tester.js';

const SERVICES = `services:
  payments-db:
    kind: postgresql
    tier: tier1
    owner: team-pay
    postgresql: { host: db.internal, port: 5432, database: pay, user: backup, pitr: true }
    schedule: every 30m
    data_size: 10GiB
    restore_rate: 100MiB/s
    retention: 400d
    labels: { pci: "true" }
  cards-db:
    kind: postgresql
    tier: tier1
    owner: team-pay
    postgresql: { host: db2.internal, port: 5432, database: cards, user: backup, pitr: true }
    schedule: every 30m
    data_size: 10GiB
    restore_rate: 100MiB/s
    labels: { pci: "true" }
  blog:
    kind: files
    tier: tier1
    owner: team-web
    paths: [/srv/blog]
    schedule: every 30m
    data_size: 2GiB
    restore_rate: 100MiB/s
`;

const lint = (rules: string, services = SERVICES) => lintText(BASE_HEADER + services + rules, 'drc.yaml');
const byRule = (rules: string, id: string, services = SERVICES) => lint(rules, services).diagnostics.filter((d) => d.rule === id);

/** 1-based line and column of the `occurrence`-th match of `needle` in text, searched after `after`. */
function positionOf(text: string, needle: string, after: string): { line: number; column: number } {
  const index = text.indexOf(needle, text.indexOf(after));
  if (index < 0) throw new Error(`"${needle}" not found`);
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

describe('custom rules fire on exactly the right services', () => {
  const rules = `rules:
  - id: acme/pci-retention
    severity: warning
    where: 'labels.pci == "true"'
    assert: 'retention >= 365d and encryption.at_rest == "aws:kms"'
    message: PCI services keep a year of backups under KMS
  - id: acme/two-regions
    assert: '"us-west-2" in regions and len(regions) >= 2'
    message: every service is copied to us-west-2
  - id: acme/no-blog
    severity: info
    assert: 'not ("blog" in name) or kind != "files"'
    message: blogs are not backed up as files
`;

  it('reports each failing service once, at its key, with the rule id, severity and message', () => {
    const result = lint(rules);
    const custom = result.diagnostics.filter((d) => d.rule.startsWith('acme/'));
    const text = BASE_HEADER + SERVICES + rules;
    expect(custom.map((d) => [d.rule, d.severity, d.path, d.message, d.line])).toEqual([
      ['acme/pci-retention', 'warning', '/services/cards-db', 'cards-db: PCI services keep a year of backups under KMS', positionOf(text, 'cards-db:', 'services:').line],
      ['acme/no-blog', 'info', '/services/blog', 'blog: blogs are not backed up as files', positionOf(text, 'blog:', 'services:').line],
    ]);
    expect(custom[0]!.column).toBe(3);
    // drc has no page for an organisation's rule: no link into drc's docs/rules/ (it would be broken).
    expect(custom[0]!.docs).toBeUndefined();
    expect(result.diagnostics.filter((d) => d.rule === 'invalid-rule')).toEqual([]);
    expect(result.rules.map((r) => r.id)).toEqual(expect.arrayContaining(['acme/pci-retention', 'acme/two-regions', 'acme/no-blog', 'invalid-rule']));
  });

  it('honours severity overrides and "off" like a built-in rule', () => {
    const result = lintText(BASE_HEADER + SERVICES + rules, 'drc.yaml', { severities: { 'acme/pci-retention': 'error', 'acme/no-blog': 'off' } });
    const custom = result.diagnostics.filter((d) => d.rule.startsWith('acme/'));
    expect(custom.map((d) => [d.rule, d.severity])).toEqual([['acme/pci-retention', 'error']]);
  });

  it('skips a service whose field is unknown because its value is invalid (no cascade)', () => {
    const services = SERVICES.replace('    retention: 400d\n', '    retention: 400x\n');
    const result = lint(rules, services);
    expect(result.diagnostics.some((d) => d.rule === 'invalid-value' && d.path === '/services/payments-db/retention')).toBe(true);
    expect(result.diagnostics.filter((d) => d.rule === 'acme/pci-retention').map((d) => d.path)).toEqual(['/services/cards-db']);
  });

  it('skips a service whose time zone is invalid: invalid-value reports it, the rule does not again', () => {
    const zoneRule = `rules:\n  - id: acme/zoned\n    assert: 'timezone != null'\n    message: every service names its time zone\n`;
    const services = SERVICES.replace('    retention: 400d\n', '    retention: 400d\n    timezone: Mars/Olympus\n');
    const result = lint(zoneRule, services);
    expect(result.diagnostics.some((d) => d.rule === 'invalid-value' && d.path === '/services/payments-db/timezone')).toBe(true);
    expect(result.diagnostics.filter((d) => d.rule === 'acme/zoned').map((d) => d.path)).not.toContain('/services/payments-db');
  });

  it('treats absent values as null: ordering comparisons with null are false', () => {
    const found = byRule(`rules:
  - id: acme/retention-set
    assert: 'retention >= 30d'
    message: keeps a month of backups
  - id: acme/retention-or-unset
    assert: 'retention == null or retention >= 30d'
    message: never reported
`, 'acme/retention-set');
    // cards-db and blog inherit retention 30d from tier1, so all pass; check the null case with a field no one sets.
    expect(found).toEqual([]);
    const nullCase = byRule(`rules:
  - id: acme/timezone
    assert: 'timezone == "UTC"'
    message: runs in UTC
`, 'acme/timezone');
    expect(nullCase.map((d) => d.path)).toEqual(['/services/payments-db', '/services/cards-db', '/services/blog']);
  });

  it('works through extraRules with compileRuleList (rule files)', () => {
    const entries = [{ id: 'ext/owner-pay', assert: 'owner == "team-pay"', message: 'owned by payments' }];
    const result = lintText(BASE_HEADER + SERVICES, 'drc.yaml', { extraRules: () => compileRuleList(entries, 'rules.yaml').rules });
    expect(result.diagnostics.filter((d) => d.rule === 'ext/owner-pay').map((d) => d.message)).toEqual(['blog: owned by payments']);
  });
});

describe('compile errors are positioned inside the YAML string, for every scalar style', () => {
  const cases: { kind: string; expr: string; needle: string; message: string }[] = [
    { kind: 'type error', expr: 'labels.pci == "true" and retention >= 365', needle: '365', message: 'acme/x: invalid assert expression: cannot compare retention (a duration) with 365 (a number)' },
    { kind: 'syntax error', expr: 'labels.pci == "true" and (rto < 1h', needle: '1h', message: 'acme/x: invalid assert expression: expected ")" after "1h"' },
    { kind: 'unknown field', expr: 'labels.pci == "true" and retension >= 365d', needle: 'retension', message: 'unknown field "retension" (did you mean "retention"?)' },
  ];
  const styles: { style: string; write: (expr: string) => string }[] = [
    { style: 'plain', write: (e) => ` ${e}` },
    { style: 'single-quoted', write: (e) => ` '${e.replace(/'/g, "''")}'` },
    { style: 'double-quoted', write: (e) => ` "${e.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` },
    { style: 'literal block', write: (e) => ` |\n      ${e.replace(' and ', '\n        and ')}\n` },
    { style: 'folded block', write: (e) => ` >\n      ${e.replace(' and ', '\n      and ')}\n` },
  ];
  for (const c of cases) {
    for (const s of styles) {
      it(`${c.kind}, ${s.style} scalar`, () => {
        const rules = `rules:\n  - id: acme/x\n    message: m\n    assert:${s.write(c.expr)}${s.write(c.expr).endsWith('\n') ? '' : '\n'}`;
        const text = BASE_HEADER + SERVICES + rules;
        const result = lintText(text, 'drc.yaml');
        const invalid = result.diagnostics.filter((d) => d.rule === 'invalid-rule');
        expect(invalid).toHaveLength(1);
        const d = invalid[0]!;
        expect(d.message).toContain(c.message);
        expect(d.severity).toBe('error');
        expect(d.path).toBe('/rules/0/assert');
        expect({ line: d.line, column: d.column }).toEqual(positionOf(text, c.needle, 'rules:'));
        expect(d.endColumn - d.column).toBe(c.needle.length);
        // The broken rule does not run: no finding of acme/x on any service.
        expect(result.diagnostics.filter((x) => x.rule === 'acme/x')).toEqual([]);
      });
    }
  }

  it('reports a bad where and a bad assert of the same rule, and other rules still run', () => {
    const rules = `rules:
  - id: acme/broken
    where: 'labelz.pci == "true"'
    assert: 'data_size > 1h'
    message: m
  - id: acme/fine
    assert: 'owner != "team-web"'
    message: not the web team
`;
    const text = BASE_HEADER + SERVICES + rules;
    const result = lintText(text, 'drc.yaml');
    const invalid = result.diagnostics.filter((d) => d.rule === 'invalid-rule');
    expect(invalid.map((d) => [d.path, d.line, d.column])).toEqual([
      ['/rules/0/where', positionOf(text, 'labelz', 'rules:').line, positionOf(text, 'labelz', 'rules:').column],
      ['/rules/0/assert', positionOf(text, '1h', 'rules:').line, positionOf(text, '1h', 'rules:').column],
    ]);
    expect(invalid[0]!.message).toContain('unknown field "labelz" (did you mean "labels"?)');
    expect(invalid[1]!.message).toContain('cannot compare data_size (a size) with 1h (a duration)');
    expect(result.diagnostics.filter((d) => d.rule === 'acme/fine').map((d) => d.path)).toEqual(['/services/blog']);
  });

  it('reports a duplicate id at the second one', () => {
    const rules = `rules:
  - { id: acme/a, assert: 'rto <= 4h', message: m }
  - { id: acme/a, assert: 'rpo <= 1h', message: m }
`;
    const result = lint(rules);
    expect(result.diagnostics.filter((d) => d.rule === 'invalid-rule').map((d) => [d.path, d.message])).toEqual([
      ['/rules/1/id', 'duplicate custom rule id "acme/a" (also rules[0]); ids must be unique'],
    ]);
  });

  it('leaves malformed entries to the schema rule (one diagnostic, no invalid-rule)', () => {
    const result = lint(`rules:\n  - { id: acme/a, message: m }\n`);
    expect(result.diagnostics.filter((d) => d.rule === 'invalid-rule')).toEqual([]);
    expect(result.diagnostics.filter((d) => d.rule === 'schema' && d.path.startsWith('/rules')).length).toBe(1);
  });

  it('compileRuleList validates shapes for rule files and maps spans through the given SourceIndex', () => {
    const text = `- id: noslash\n  assert: x\n  message: m\n- id: team/ok\n  assert: "rto < 1h < 2h"\n  message: m\n- 42\n`;
    const loaded = loadYaml(text, 'rules.yaml');
    const compiled = compileRuleList(loaded.data as unknown[], 'rules.yaml', loaded.source, { basePointer: '' });
    expect(compiled.rules).toEqual([]);
    expect(compiled.findings.map((f) => [f.path, f.file, loaded.source.position(f.span!).line, loaded.source.position(f.span!).column])).toEqual([
      ['/0/id', 'rules.yaml', 1, 7],
      ['/1/assert', 'rules.yaml', 5, 21],
      ['/2', 'rules.yaml', 7, 3],
    ]);
  });
});

describe('suppression', () => {
  it('a drc-ignore on the service key suppresses a custom finding', () => {
    const services = SERVICES.replace('  cards-db:\n', '  cards-db:  # drc-ignore acme/pci -- migrating to 1y retention in Q3\n');
    const rules = `rules:\n  - { id: acme/pci, where: 'labels.pci == "true"', assert: 'retention >= 365d', message: PCI keeps a year }\n`;
    const result = lint(rules, services);
    const found = result.diagnostics.filter((d) => d.rule === 'acme/pci');
    expect(found.map((d) => [d.path, d.suppressed])).toEqual([['/services/cards-db', { reason: 'migrating to 1y retention in Q3' }]]);
    expect(result.diagnostics.filter((d) => d.rule === 'unused-suppression')).toEqual([]);
  });
});

describe('drc explain for a custom rule', () => {
  const rules = `rules:
  - id: acme/x
    severity: warning
    where: 'labels.pci == "true"'
    assert: 'retention >= 365d'
    message: PCI services keep a year of backups
    description: PCI DSS 10.5.1 asks for a year of audit history; we keep backups as long.
`;
  const text = BASE_HEADER + SERVICES + rules;

  it('explainRule with the policy\'s metas prints the custom rule', () => {
    const out = explainRule('acme/x', customRuleMetas(text, 'drc.yaml'));
    expect(out).toContain('# acme/x');
    expect(out).toContain('Default severity: **warning**');
    expect(out).toContain('PCI DSS 10.5.1 asks for a year of audit history');
    expect(out).toContain('A custom rule from the policy (drc.yaml#/rules/0)');
    expect(out).toContain('- policy rule: drc.yaml#/rules/0');
    expect(out).toContain("where: labels.pci == \"true\"");
    expect(out).toContain('retention >= 365d');
  });

  it('`drc explain acme/x [FILE]` reads the policy (drc.yaml by default)', async () => {
    const files = new Map([['/work/p/drc.yaml', text], ['/work/p/other.yaml', text.replace('acme/x', 'acme/y')]]);
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      stdout: (s) => out.push(s),
      stderr: (s) => err.push(s),
      readFile: (p) => {
        const t = files.get(p);
        if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return t;
      },
      writeFile: () => {},
      cwd: '/work/p',
      env: {},
      isTTY: false,
      flush: async () => {},
    };
    expect(await main(['explain', 'acme/x'], io)).toBe(0);
    expect(out.join('')).toContain('# acme/x');
    out.length = 0;
    expect(await main(['explain', 'acme/y', 'other.yaml'], io)).toBe(0);
    expect(out.join('')).toContain('other.yaml#/rules/0');
    expect(await main(['explain', 'acme/z'], io)).toBe(2);
    expect(err.join('')).toContain('no rule "acme/z" (did you mean "acme/x"?)');
    expect(await main(['explain', 'acme/x', 'missing.yaml'], io)).toBe(2);
    expect(await main(['explain', 'invalid-rule'], io)).toBe(0);
  });
});
