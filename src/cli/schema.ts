/** `drc schema`: the policy JSON Schema, bundled into the CLI at build time. */
import schema from '../../schemas/policy.schema.json' with { type: 'json' };

export function policySchemaText(): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
