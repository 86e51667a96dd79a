/** PromQL text for label matchers, shared by the alert rules and the dashboard. */

/** A PromQL double-quoted string's content (or a Prometheus text-format label value): backslashes, quotes and line breaks escaped. */
export function stringLiteral(text: string): string {
  return /[\\"\n]/.test(text) ? text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : text;
}

/** A PromQL regex alternative matching exactly this name, inside a double-quoted string (names are [a-z0-9-]; escaped anyway). */
export function regexLiteral(name: string): string {
  return stringLiteral(name.replace(/[\\.^$|?*+()[\]{}]/g, (c) => `\\${c}`));
}

/** A label matcher selecting exactly these names: `label="a"` or `label=~"a|b"`. */
export function oneOf(label: string, names: readonly string[]): string {
  return names.length === 1 ? `${label}="${stringLiteral(names[0]!)}"` : `${label}=~"${names.map(regexLiteral).join('|')}"`;
}
