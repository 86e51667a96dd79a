/** Editors validate policies and .drc.yaml through the yaml-language-server modeline (docs/config.md). */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BASE } from '../diff/helpers.js';

const schema = (name: string) => JSON.parse(readFileSync(`schemas/${name}`, 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ajv = new (Ajv as any)({ strict: false, allErrors: true });

describe('editor schemas', () => {
  it('a policy with the modeline validates against schemas/policy.schema.json', () => {
    const text = `# yaml-language-server: $schema=https://drc.dev/schemas/policy.schema.json\n${BASE}`;
    const validate = ajv.compile(schema('policy.schema.json'));
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(text.replace('rpo: 15m', 'rop: 15m')))).toBe(false);
  });

  it('a .drc.yaml with the modeline validates against schemas/config.schema.json', () => {
    const text = '# yaml-language-server: $schema=https://drc.dev/schemas/config.schema.json\nrules:\n  rpo-feasible: warning\ncustom_rules: [rules/acme.yaml]\nformat: [stylish, sarif:drc.sarif]\nbaseline: .drc-baseline.json\n';
    const validate = ajv.compile(schema('config.schema.json'));
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse('rules: { rpo-feasible: loud }\n'))).toBe(false);
  });
});
