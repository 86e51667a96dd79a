/** Deterministic serialisation for data artifacts: stable key order, `\n` line ends, trailing newline. */
import { Document, stringify } from 'yaml';

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

const YAML_OPTIONS = { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN', version: '1.1', aliasDuplicateObjects: false } as const;

/**
 * YAML in the order the object was built (Kubernetes readers expect apiVersion, kind, metadata, spec),
 * with every string that YAML 1.1 would misread (on, off, yes, no, 08) quoted.
 *
 * The output is exactly what `yaml`'s `stringify` writes with YAML_OPTIONS (test/emitters/serialize.test.ts
 * compares the two on random values), but written directly: the library builds a node tree and
 * re-concatenates every nested block at each level, which made large CloudFormation stacks and alert
 * files take seconds. Values this writer does not handle itself (multi-line strings, strings that look
 * like a document marker, undefined array items, non-plain objects, -0, NaN) make it hand the whole value
 * to the library; single-line strings that cannot be plain are quoted by the library, one string at a time.
 */
export function toYaml(value: unknown): string {
  if (value === null || typeof value !== 'object') return stringify(value, YAML_OPTIONS);
  const out = new Output();
  try {
    writeBlock(value as object, '', out);
  } catch (error) {
    if (error === FALLBACK) return stringify(plainData(value), YAML_OPTIONS);
    throw error;
  }
  out.push('\n');
  return out.text();
}

/**
 * A list that toYaml writes item by item as it makes them: items built on the fly are garbage as soon as
 * they are written, so a large document (the promtool tests of 10,000 services) never exists as one tree.
 * `items` may be called more than once and must give the same items each time.
 */
export class LazyList<T = unknown> {
  constructor(
    /** How many items `items` gives (an empty list is written `[]`). */
    readonly length: number,
    readonly items: () => Iterable<T>,
  ) {}
}

/**
 * A sequence item that writes its own YAML: the alert rules and promtool tests have ~250,000 small maps at
 * 10,000 services, and writing each as one string, without making it an object first, is faster
 * (docs/decisions.md, docs/performance.md).
 * `text` must be exactly what toYaml writes for `value()` (test/emitters/monitoring.test.ts compares them);
 * it may throw what yamlValue throws, and toYaml then writes `value()` with the library.
 */
export abstract class YamlItem {
  /** The item after its `- `: its first line continues that line; the next ones start with `indent`. */
  abstract text(indent: string): string;
  /** The same item as data. */
  abstract value(): unknown;
}

/**
 * The value with every YamlItem replaced by its data and every LazyList made an array: what the library
 * writes when toYaml cannot, and what tests compare YamlItem texts with.
 */
export function plainData(value: unknown): unknown {
  if (value instanceof YamlItem) return plainData(value.value());
  if (value instanceof LazyList) return [...value.items()].map(plainData);
  if (Array.isArray(value)) return value.map(plainData);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainData(v)]));
  }
  return value;
}

/** Several YAML documents in one file. */
export function toYamlDocuments(values: unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}

/**
 * Text built by appending: pieces are joined into flat chunks a few thousand pieces at a time, and the
 * chunks once at the end (one array slot, or one cons-string, per piece of a 150 MB file made it slow
 * to collect and large in memory).
 */
class Output {
  private readonly chunks: string[] = [];
  private pieces: string[] = [];

  push(piece: string): void {
    if (this.pieces.push(piece) >= 4096) {
      this.chunks.push(this.pieces.join(''));
      this.pieces = [];
    }
  }

  text(): string {
    this.chunks.push(this.pieces.join(''));
    this.pieces = [];
    return this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
  }
}

/** Thrown (and caught in toYaml) when the library must write the whole value. */
const FALLBACK = Symbol('yaml fallback');

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A non-empty array or plain object, written as a block collection; `{}` / `[]` for empty ones; null for scalars. */
function collectionKind(value: unknown): 'seq' | 'map' | '[]' | '{}' | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value) || value instanceof LazyList) return value.length ? 'seq' : '[]';
  if (!isPlainObject(value)) throw FALLBACK;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && (value as Record<string, unknown>)[key] !== undefined) return 'map';
  return '{}';
}

/** A block collection whose first line starts where the caller left off and whose other lines start with `indent`. */
function writeBlock(value: object, indent: string, out: Output): void {
  const inner = `${indent}  `;
  const newline = `\n${indent}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      out.push(i > 0 ? `${newline}- ` : '- ');
      writeValue(value[i], inner, out, true);
    }
    if (value.length === 0) out.push('[]');
    return;
  }
  if (value instanceof LazyList) {
    let written = 0;
    for (const item of value.items()) {
      out.push(written++ > 0 ? `${newline}- ` : '- ');
      writeValue(item, inner, out, true);
    }
    if (written !== value.length) throw new Error(`a LazyList of length ${value.length} gave ${written} items`);
    if (written === 0) out.push('[]');
    return;
  }
  if (!isPlainObject(value)) throw FALLBACK;
  let separator = '';
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const head = `${separator}${keyText(key)}:`;
    separator = newline;
    const kind = typeof item === 'object' ? collectionKind(item) : null;
    if (kind === 'seq' || kind === 'map') {
      out.push(`${head}\n${inner}`);
      writeBlock(item as object, inner, out);
    } else if (kind !== null) {
      out.push(`${head} ${kind}`);
    } else {
      out.push(`${head} ${scalarValue(item)}`);
    }
  }
  if (separator === '') out.push('{}');
}

function writeValue(value: unknown, inner: string, out: Output, seqItem: boolean): void {
  if (typeof value !== 'object' || value === null) {
    out.push(scalarValue(value));
    return;
  }
  if (seqItem && value instanceof YamlItem) {
    out.push(value.text(inner));
    return;
  }
  const kind = collectionKind(value);
  if (kind === '[]' || kind === '{}') out.push(kind);
  else if (seqItem) writeBlock(value, inner, out);
  else throw FALLBACK; // a map value collection is written by writeBlock itself
}

/** A scalar's text (null included); FALLBACK for what only the library writes. */
function scalarValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return valueText(value);
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) throw FALLBACK;
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      throw FALLBACK;
    default:
      throw FALLBACK; // undefined array items, bigint, functions, symbols
  }
}

// Strings -------------------------------------------------------------------------------------

/** The library's own YAML 1.1 scalar tags: a plain string one of them matches (yes, 08, ~, 1e3) must be quoted. */
const SCALAR_TAGS = (() => {
  const schema = new Document(null, YAML_OPTIONS).schema as unknown as { tags: ScalarTag[]; compat?: ScalarTag[] | null };
  return [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test);
})();
interface ScalarTag {
  default?: boolean | string;
  tag: string;
  test?: RegExp;
}

// The conditions of the library's plainString and quotedString (yaml/dist/stringify/stringifyString.js)
// for single-line strings; anything multi-line goes to the library (block scalars depend on the context).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
// Multi-line as the library checks it: JavaScript's `m` flag also starts a line after U+2028 and U+2029.
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/** How the library writes a single-line string (a map key, when `key`): plain, quoted, or null when only it knows. */
function scalarText(text: string, key: boolean): string | null {
  if (text.includes('\n') || DOCUMENT_MARKER.test(text)) throw FALLBACK;
  if (key && text.length > 1024) throw FALLBACK; // an explicit `? ` key
  if (CONTROL.test(text)) return null; // double quotes with YAML escapes (\x07, \e)
  let plain = !NOT_PLAIN.test(text);
  if (plain && mayBeTagged(text)) for (const tag of SCALAR_TAGS) if (tag.test!.test(text)) plain = false;
  if (plain) return text;
  // quotedString: single quotes when the text has a double quote and no single one, else JSON-like
  // double quotes (without control characters or newlines, exactly JSON.stringify).
  return text.includes('"') && !text.includes("'") ? `'${text}'` : JSON.stringify(text);
}

/**
 * Whether one of SCALAR_TAGS could match: every one of them (null, bool, int, float, timestamp, merge)
 * only matches text that is empty or starts with a character other than an ASCII letter, or with one
 * of the letters of ~/null, yes/no, y/n, true/false, on/off, or a float's exponent (`e3`). Most strings
 * (names, sentences, URLs) start with another letter and skip the fifteen regular expressions.
 */
function mayBeTagged(text: string): boolean {
  const c = text.charCodeAt(0) | 0x20; // ASCII lower case (NaN | 0x20 = 0x20 for "")
  if (c < 0x61 || c > 0x7a) return true;
  return c === 0x6e || c === 0x79 || c === 0x74 || c === 0x6f || c === 0x66 || c === 0x65; // n y t o f e
}

/** Rendered strings, values and keys apart; bounded (most strings are names repeated across artifacts). */
const rendered = [new Map<string, string>(), new Map<string, string>()] as const;

/**
 * Strings scalarText would certainly return as they are, recognised by one regular expression and one
 * search: a first letter, then no control character or newline, no colon before a space or at the end,
 * no space before `#` or at the end; and either a first letter none of SCALAR_TAGS can match (see
 * mayBeTagged) or a space, which none of them matches after a letter (their words, numbers and `.inf`
 * have none; timestamps start with a digit). Most names, label values, expressions and sentences are
 * such strings; as values they skip the cache and the fifteen tag expressions.
 */
const SURELY_PLAIN = /^[a-zA-Z](?:[^\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029 :]|:(?=[^\x00-\x20])| (?=[^\x00-\x20#]))*$/;

function surelyPlain(text: string): boolean {
  return SURELY_PLAIN.test(text) && (!mayBeTagged(text) || text.includes(' '));
}

/** Longer strings are mostly unique (sentences naming a service): caching them costs more than it saves. */
const CACHED_LENGTH = 40;

function renderString(text: string, key: boolean): string {
  if (!key && surelyPlain(text)) return text; // keys have rules of their own (`a ...:` is quoted)
  if (text.length > CACHED_LENGTH) return scalarText(text, key) ?? libraryScalar(text, key);
  const cache = rendered[key ? 1 : 0];
  let out = cache.get(text);
  if (out !== undefined) return out;
  out = scalarText(text, key) ?? libraryScalar(text, key);
  if (cache.size >= 50_000) cache.clear();
  cache.set(text, out);
  return out;
}

function libraryScalar(text: string, key: boolean): string {
  if (key) {
    const out = stringify({ [text]: 0 }, YAML_OPTIONS); // "<key>: 0\n"
    if (!out.endsWith(': 0\n') || out.indexOf('\n') !== out.length - 1 || out.startsWith('? ')) throw FALLBACK;
    return out.slice(0, -4);
  }
  const out = stringify([text], YAML_OPTIONS); // "- <scalar>\n"
  if (!out.startsWith('- ') || out.indexOf('\n') !== out.length - 1) throw FALLBACK;
  return out.slice(2, -1);
}

function valueText(text: string): string {
  return renderString(text, false);
}

function keyText(text: string): string {
  return renderString(text, true);
}

/** A scalar as toYaml writes it as a map value (for YamlItem texts). */
export function yamlValue(value: unknown): string {
  return typeof value === 'string' ? renderString(value, false) : scalarValue(value);
}

/**
 * `key:` and a map of scalars, as toYaml writes them inside a block whose lines start with `indent`
 * (for YamlItem texts): the map's entries on the next lines, two spaces deeper, or `{}`.
 */
export function yamlScalarMap(key: string, map: Readonly<Record<string, unknown>>, indent: string): string {
  let text = `${keyText(key)}:`;
  const newline = `\n${indent}  `;
  let empty = true;
  for (const k of Object.keys(map)) {
    const v = map[k];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') throw FALLBACK; // not a scalar: the generic writer's job
    text += `${newline}${keyText(k)}: ${yamlValue(v)}`;
    empty = false;
  }
  return empty ? `${text} {}` : text;
}

/** A map key as toYaml writes it (for YamlItem texts). */
export function yamlKey(key: string): string {
  return keyText(key);
}
