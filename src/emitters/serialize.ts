/** Deterministic serialisation for data artifacts: stable key order, `\n` line ends, trailing newline. */
import { stringify } from 'yaml';

/** Recursively sorts object keys (arrays keep their order). */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

/** JSON with sorted keys, 2-space indent, final newline. */
export function toJson(value: unknown, options: { sort?: boolean } = {}): string {
  return `${JSON.stringify(options.sort === false ? value : sortKeys(value), null, 2)}\n`;
}

/**
 * YAML in the order the object was built (Kubernetes readers expect apiVersion, kind, metadata, spec),
 * with every string that YAML 1.1 would misread (on, off, yes, no, 08) quoted.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN', version: '1.1', aliasDuplicateObjects: false });
}

/** Several YAML documents in one file. */
export function toYamlDocuments(values: unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}
