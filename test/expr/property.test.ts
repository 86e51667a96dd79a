/**
 * Property: any expression the generator can build (well-formed, ill-typed, misspelt, or mangled
 * with junk) either type-checks and evaluates on every service, or yields errors whose offsets lie
 * inside the string; nothing throws. Through lintText, every such error becomes an invalid-rule
 * diagnostic positioned on the rule's lines, for each scalar style.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/checker/index.js';
import { compileExpression, FIELDS } from '../../src/expr/index.js';
import { BASE_HEADER } from '../rules/rule-tester.js';

const SERVICES = `services:
  db:
    kind: postgresql
    tier: tier1
    owner: team-data
    postgresql: { host: db.internal, port: 5432, database: app, user: backup, pitr: true }
    schedule: every 30m
    data_size: 10GiB
    restore_rate: 100MiB/s
    retention: { keep: { daily: 30 } }
    labels: { pci: "true" }
  logs:
    kind: files
    paths: [/var/log]
    environment: staging
    schedule: daily
  broken:
    kind: files
    paths: [/x]
    tier: tier9
    rto: 4x
`;
const policy = lintText(BASE_HEADER + SERVICES, 'drc.yaml').policy!;

const fieldNames = FIELDS.map((f) => f.name);
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...fieldNames) },
  { weight: 1, arbitrary: fc.constantFrom('labels.pci', 'labels["cost-center"]', "labels['a b']", 'encryption.replica_kms_keys.us-west-2') },
  { weight: 1, arbitrary: fc.constantFrom('retension', 'encryption', 'storage.object_lock', 'rto.x', 'labels.a.b', 'foo', 'storage.buckt') },
);
const literal = fc.oneof(
  fc.nat({ max: 1000 }).map(String),
  fc.tuple(fc.nat({ max: 400 }), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'y')).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.nat({ max: 400 }), fc.constantFrom('B', 'KB', 'GiB', 'TiB', 'MB')).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.nat({ max: 400 }), fc.constantFrom('MiB/s', 'GB/s', 'MiB/x')).map(([n, u]) => `${n}${u}`),
  fc.constantFrom('1.5h', '2.5GiB', '5x', '0'),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom("'us-west-2'", '"aws:kms"', '"tier1"', '"true"'),
  fc.constantFrom('true', 'false', 'null'),
);
const { expr } = fc.letrec<{ expr: string; operand: string }>((tie) => ({
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    path,
    literal,
    tie('expr').map((e) => `(${e})`),
    tie('operand').map((e) => `len(${e})`),
    fc.array(literal, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
  ),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('operand'),
    fc.tuple(tie('operand'), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'in', 'not in'), tie('operand')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie('expr'), fc.constantFrom('and', 'or'), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('expr').map((e) => `not ${e}`),
  ),
}));

/** Well-typed by construction: operands of one type on both sides of a comparison. */
const ofType = (kind: string) => fc.constantFrom(...FIELDS.filter((f) => f.type.kind === kind).map((f) => f.name));
const typedOperand = {
  duration: fc.oneof(ofType('duration'), fc.tuple(fc.nat({ max: 500 }), fc.constantFrom('m', 'h', 'd', 'w')).map(([n, u]) => `${n}${u}`)),
  size: fc.oneof(ofType('size'), fc.tuple(fc.nat({ max: 500 }), fc.constantFrom('GiB', 'MB', 'TB')).map(([n, u]) => `${n}${u}`)),
  number: fc.oneof(ofType('number'), fc.nat({ max: 40 }).map(String), ofType('list').map((f) => `len(${f})`)),
  string: fc.oneof(ofType('string'), fc.constantFrom('"tier1"', '"aws:kms"', "'production'", 'labels.pci', 'null')),
};
const typedAtom = fc.oneof(
  ...[typedOperand.duration, typedOperand.size, typedOperand.number].map((operand) =>
    fc.tuple(operand, fc.constantFrom('==', '!=', '<', '<=', '>', '>='), operand).map(([a, op, b]) => `${a} ${op} ${b}`)),
  fc.tuple(typedOperand.string, fc.constantFrom('==', '!='), typedOperand.string).map(([a, op, b]) => `${a} ${op} ${b}`),
  ofType('bool'),
  fc.tuple(fc.constantFrom('"us-west-2"', '"eu-west-1"', 'storage.region'), fc.constantFrom('in', 'not in'), ofType('list')).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(typedOperand.string.filter((x) => x !== 'null'), fc.constantFrom('in', 'not in')).map(([a, op]) => `${a} ${op} ["tier1", "tier2"]`),
);
const { typed } = fc.letrec<{ typed: string }>((tie) => ({
  typed: fc.oneof(
    { depthSize: 'small' },
    typedAtom,
    fc.tuple(tie('typed'), fc.constantFrom('and', 'or'), tie('typed')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('typed').map((e) => `not (${e})`),
  ),
}));

/** Junk: insert, delete or replace characters at random places. */
const mangled = fc
  .tuple(expr, fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '(', ')', '"', "'", '&&', '=', '!', '.', ',', '[', 'é', '\\', '#', ' and ', '\t', '1'), fc.boolean()), { maxLength: 3 }))
  .map(([text, edits]) => {
    let out = text;
    for (const [at, junk, replace] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      out = out.slice(0, i) + junk + out.slice(replace ? i + 1 : i);
    }
    return out;
  });
const anyExpression = fc.oneof({ weight: 3, arbitrary: typed }, { weight: 3, arbitrary: expr }, { weight: 2, arbitrary: mangled }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });

describe('expression property', () => {
  it('every expression of the well-typed generator compiles', () => {
    fc.assert(
      fc.property(typed, (text) => {
        const result = compileExpression(text);
        expect(result.ok ? [] : result.errors).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('compiles and evaluates, or reports errors inside the string; never throws', () => {
    let compiled = 0;
    fc.assert(
      fc.property(anyExpression, (text) => {
        const result = compileExpression(text);
        if (result.ok) {
          compiled++;
          for (const service of policy.services) expect(typeof result.expr.test(service)).toBe('boolean');
          return;
        }
        expect(result.errors.length).toBeGreaterThan(0);
        for (const e of result.errors) {
          expect(e.message).toMatch(/\S/);
          expect(e.message).not.toMatch(/internal error/);
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.length).toBeGreaterThanOrEqual(0);
          expect(e.offset + e.length).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the evaluator, not only the error paths.
    expect(compiled).toBeGreaterThan(500);
  });

  it('through lintText, every compile error is an invalid-rule diagnostic on the rule\'s lines (each scalar style)', () => {
    const styles = [
      (e: string) => ` ${JSON.stringify(e)}`,
      (e: string) => ` '${e.replace(/'/g, "''")}'`,
      (e: string) => ` |-\n      ${e}`,
    ];
    fc.assert(
      fc.property(anyExpression.filter((e) => !e.includes('\n') && !e.includes('\r')), fc.nat({ max: styles.length - 1 }), (text, style) => {
        const rules = `rules:\n  - id: acme/p\n    message: m\n    assert:${styles[style]!(text)}\n`;
        const source = BASE_HEADER + SERVICES + rules;
        const firstRuleLine = source.split('\n').indexOf('rules:') + 1;
        const result = lintText(source, 'drc.yaml');
        for (const d of result.diagnostics) {
          if (d.rule === 'invalid-rule') {
            expect(d.line).toBeGreaterThan(firstRuleLine);
            expect(d.line).toBeLessThanOrEqual(firstRuleLine + 5);
            expect(d.column).toBeGreaterThanOrEqual(1);
          }
        }
        const compiles = compileExpression(text).ok;
        const invalid = result.diagnostics.filter((d) => d.rule === 'invalid-rule' || (d.rule === 'schema' && d.path.startsWith('/rules')));
        // A plain-style scalar that YAML reads as something else (or an empty block) is the schema's business.
        if (compiles) expect(invalid).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
