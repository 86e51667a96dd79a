import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { json } from '../../src/reporters/json.js';
import { artifactLocation, encodePath, FINGERPRINT_KEY, ruleDescriptor, sarif } from '../../src/reporters/sarif.js';
import { DIAGNOSTICS, cleanInput, fixtureInput } from './fixture.js';
import { sharedReference } from '../harness/shared.js';

/**
 * The saved schema is the OASIS errata01 one, JSON Schema draft-04; ajv v8 has no draft-04 meta-schema
 * (ajv-draft-04 is not installed), so the two draft-04-only spellings are adapted: `id` -> `$id`
 * and the draft-04 `$schema` is dropped. The rest of this schema means the same under draft-07.
 */
function loadValidator(): any {
  const schema = JSON.parse(readFileSync(sharedReference('sarif-schema-2.1.0.json'), 'utf8'));
  const { $schema: _draft04, id, ...rest } = schema;
  // CJS packages under NodeNext: the class may sit on `.default` depending on the loader.
  const AjvClass = (Ajv as any).default ?? Ajv;
  const formats = (addFormats as any).default ?? addFormats;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  formats(ajv);
  return ajv.compile({ $id: id, ...rest });
}

const validate = loadValidator();

function parse(text: string) {
  return JSON.parse(text);
}

describe('sarif', () => {
  it('validates against the SARIF 2.1.0 schema, with findings and clean', () => {
    for (const input of [fixtureInput(), cleanInput(), fixtureInput({ srcRoot: '/home/ci/repo' })]) {
      const ok = validate(parse(sarif(input)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('links a built-in rule to its page, and a custom rule (acme/x) to nothing rather than to a page drc does not have', () => {
    const meta = { severity: 'error' as const, description: 'd', rationale: 'r', sources: [], examples: { failing: 'a: 1', passing: 'a: 2' } };
    const builtin = ruleDescriptor({ ...meta, id: 'rpo-feasible' }) as any;
    expect(builtin.helpUri).toMatch(/\/docs\/rules\/rpo-feasible\.md$/);
    expect(builtin.help.markdown).toContain('[Rule documentation](');
    const custom = ruleDescriptor({ ...meta, id: 'acme/x' }) as any;
    expect(custom.helpUri).toBeUndefined();
    expect(custom.help.text).not.toContain('Docs:');
    expect(custom.help.markdown).not.toContain('Rule documentation');
  });

  it('the schema check is real: it rejects a broken log', () => {
    const log = parse(sarif(fixtureInput()));
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('agrees one to one with the JSON output', () => {
    const results = parse(sarif(fixtureInput())).runs[0].results;
    const diagnostics = parse(json(fixtureInput())).diagnostics;
    const view = (r: any) => ({
      rule: r.ruleId,
      line: r.locations[0].physicalLocation.region.startLine,
      column: r.locations[0].physicalLocation.region.startColumn,
      message: r.message.text,
      suppressed: Boolean(r.suppressions),
    });
    expect(results.map(view)).toEqual(
      diagnostics.map((d: any) => ({ rule: d.rule, line: d.line, column: d.column, message: d.message, suppressed: Boolean(d.suppressed) })),
    );
  });

  it('meets GitHub code scanning requirements', () => {
    const run = parse(sarif(fixtureInput())).runs[0];
    const rules = run.tool.driver.rules;
    for (const rule of rules) {
      expect(rule.shortDescription.text).not.toBe('');
      expect(rule.fullDescription.text).not.toBe('');
      expect(rule.help.text).not.toBe('');
      expect(rule.helpUri).toMatch(/^https:\/\/github\.com\/drc-dev\/drc\/blob\/main\/docs\/rules\/.+\.md$/);
      expect(rule.shortDescription.text.length).toBeLessThanOrEqual(1024);
    }
    // Rules that never fired are listed; ids only seen in diagnostics get an entry too.
    expect(rules.map((r: any) => r.id)).toContain('never-fires');
    expect(rules.map((r: any) => r.id)).toContain('parse-error');
    for (const r of run.results) {
      expect(rules[r.ruleIndex].id).toBe(r.ruleId);
      const loc = r.locations[0].physicalLocation;
      expect(loc.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(loc.artifactLocation.uri).not.toMatch(/^\/|:\/\//);
      expect(Object.keys(loc.region).sort()).toEqual(['endColumn', 'endLine', 'startColumn', 'startLine']);
      expect(r.partialFingerprints.primaryLocationLineHash).toBeUndefined();
      expect(r.properties.path).toMatch(/^\//);
    }
  });

  it('maps severities to levels and keeps suppressed findings as inSource suppressions', () => {
    const results = parse(sarif(fixtureInput())).runs[0].results;
    expect(results.map((r: any) => r.level)).toEqual(DIAGNOSTICS.map((d) => ({ error: 'error', warning: 'warning', info: 'note' })[d.severity]));
    const suppressed = results.filter((r: any) => r.suppressions);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0].suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: 'legacy tier, ticket OPS-12' }]);
  });

  it('fingerprints ignore the line but not rule, file or pointer', () => {
    const fp = (line: number, over: object = {}) =>
      parse(sarif(fixtureInput({ diagnostics: [{ ...DIAGNOSTICS.find((d) => d.severity === 'error')!, line, endLine: line, ...over }] }))).runs[0].results[0].partialFingerprints[FINGERPRINT_KEY];
    expect(fp(3)).toBe(fp(40));
    expect(fp(3)).not.toBe(fp(3, { path: '/services/other/rpo' }));
    expect(fp(3)).not.toBe(fp(3, { rule: 'other' }));
    expect(fp(3)).not.toBe(fp(3, { file: 'other.yaml' }));
  });

  it('encodes URIs relative, with forward slashes', () => {
    expect(encodePath('policies/team a/edge,case.yaml')).toBe('policies/team%20a/edge%2Ccase.yaml');
    expect(artifactLocation('policies\\prod\\dr.yaml')).toEqual({ uri: 'policies/prod/dr.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('./a:b.yaml')).toEqual({ uri: 'a%3Ab.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('C:\\work\\dr 1.yaml')).toEqual({ uri: 'file:///C:/work/dr%201.yaml' });
    expect(artifactLocation('/abs/dr.yaml')).toEqual({ uri: 'file:///abs/dr.yaml' });
  });

  it('lists every linted file as an artifact, including clean ones', () => {
    const run = parse(sarif(fixtureInput())).runs[0];
    expect(run.artifacts.map((a: any) => a.location.uri)).toEqual(['policies/clean.yaml', 'policies/dr.yaml', 'policies/team%20a/edge%2Ccase.yaml']);
    for (const r of run.results) {
      const loc = r.locations[0].physicalLocation.artifactLocation;
      expect(run.artifacts[loc.index].location.uri).toBe(loc.uri);
    }
  });
});
