/**
 * The schema phase: runs the validator compiled at build time from schemas/policy.schema.json and
 * turns ajv's errors into findings a person understands, one per real problem, at the offending node.
 *
 * ajv (allErrors) reports every failing keyword, including the noise of composition: each branch of
 * an anyOf, the `if` of an if/then, the `propertyNames` wrapper around the real pattern error, a
 * `type` error next to the `enum` error for the same value. Collapsing (docs/schema.md):
 *
 * 1. Errors are grouped into a tree: the errors of an anyOf/oneOf's branches are the ones ajv
 *    emitted just before the anyOf error itself, with a schema path under the anyOf's and an instance
 *    path at or below its. (The schema has no $ref, so every schema path is relative to its root.)
 * 2. A group reports the errors of its one *plausible* branch (no `type` and no `required` error at
 *    the group's own node, i.e. the value has that branch's shape and only something deeper is
 *    wrong), else one message for the whole node (the schema's `errorMessage`, "is missing "a" or
 *    "b"" when every branch only lacks a key, or "expected a string or a mapping").
 * 3. `if` and `propertyNames` errors are dropped (the `then` consequence and the name's own pattern
 *    error carry the information); a `type` error is dropped when an `enum`/`const` error at the same
 *    node says more; a `required` error is dropped when an unknown key in the same object is a typo of
 *    the missing key (`knd` → "did you mean "kind"?").
 * 4. Findings are deduplicated by (path, message) and sorted by path.
 *
 * A service's `kind` and the block its kind requires may be written in `defaults:` (policy-language.md
 * §3), which a JSON Schema of the service cannot see: they are checked here, on the effective service,
 * and reported at the service like the schema's own `required` errors.
 */
import type { ErrorObject } from 'ajv';
import type { Finding } from '../checker/rule.js';
import { pointerSegment } from '../diagnostics.js';
import validate from '../generated/policy-validator.js';
import policySchema from '../../schemas/policy.schema.json' with { type: 'json' };
import { suggest } from './suggest.js';
import { KIND_FIELDS, SERVICE_KINDS, type ServiceKind } from './types.js';

/** The parts of a JSON Schema node this module reads. */
interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  if?: SchemaNode;
  then?: SchemaNode;
  const?: unknown;
  enum?: unknown[];
  examples?: unknown[];
  errorMessage?: string;
  patternErrorMessage?: string;
}

const ROOT = policySchema as unknown as SchemaNode;

/** Keys longer than this get no "did you mean" (edit distance is quadratic in the length). */
const MAX_SUGGEST_LENGTH = 64;
/** Values quoted in messages are cut to this many characters. */
const MAX_SHOWN = 40;

/** A leaf ajv error, or an anyOf/oneOf error with the errors of its branches. */
interface Leaf {
  error: ErrorObject;
  children?: undefined;
}
interface Group {
  error: ErrorObject;
  children: Item[];
}
type Item = Leaf | Group;

/** A finding before sorting, with what the cascade rules need. */
interface Pending extends Finding {
  /** Pointer of the object an unknown key or a missing key belongs to. */
  object?: string;
  unknownKeySuggestion?: string;
  missingKey?: string;
  /** The missing key could also come from `defaults:` (a typo there explains it too). */
  inheritable?: true;
}

export function schemaFindings(data: unknown): Finding[] {
  let errors: ErrorObject[];
  try {
    validate(data);
    errors = validate.errors ?? [];
  } catch {
    // The generated validator only reads plain data; this is a guard, not an expected path.
    return [{ path: '', message: 'the policy could not be validated against the schema' }];
  }
  const effective = effectiveServiceFindings(data);
  if (errors.length === 0 && effective.length === 0) return [];
  const pending = resolveItems(withoutLoaderReported(groupErrors(errors), data), data);
  return finish(dropExplainedRequired([...pending, ...effective]));
}

// ---------------------------------------------------------------------------------------------
// Requirements of the effective service

/** What each kind requires (policy-language.md §4): each list is one requirement, met by any of its keys. */
const KIND_REQUIRES: Readonly<Record<ServiceKind, readonly (readonly string[])[]>> = {
  postgresql: [['postgresql']],
  mysql: [['mysql']],
  files: [['paths']],
  's3-bucket': [['bucket'], ['region']],
  kubernetes: [['namespaces']],
  'aws-backup': [['resources', 'arns']],
};

function effectiveServiceFindings(data: unknown): Pending[] {
  if (!isRecord(data) || !isRecord(data.services)) return [];
  const defaults = isRecord(data.defaults) ? data.defaults : {};
  const out: Pending[] = [];
  for (const name of Object.keys(data.services)) {
    const service = data.services[name];
    if (isRecord(service)) out.push(...serviceRequirements(name, service, defaults, data));
  }
  return out;
}

/** `kind`, then what that kind requires, each from the service, else from `defaults:`. */
function serviceRequirements(name: string, service: Record<string, unknown>, defaults: Record<string, unknown>, data: unknown): Pending[] {
  const at = `/services/${pointerSegment(name)}`;
  const label = objectLabel(['services', name], data);
  // Present even when undefined: the loader's stand-in for a value it has already reported.
  const has = (key: string) => Object.hasOwn(service, key) || Object.hasOwn(defaults, key);
  if (!has('kind')) {
    return [{
      path: at,
      message: `${label} is missing "kind"`,
      hint: 'Set `kind:` on the service, or in `defaults:` for every service that does not set its own.',
      object: at,
      missingKey: 'kind',
      inheritable: true,
    }];
  }
  const kind = Object.hasOwn(service, 'kind') ? service.kind : defaults.kind;
  // A kind that is not one of the six is the schema's error, at the kind: what it requires is unknown.
  if (!SERVICE_KINDS.includes(kind as ServiceKind)) return [];
  const from = Object.hasOwn(service, 'kind') ? '' : ', set in defaults';
  const missing = KIND_REQUIRES[kind as ServiceKind]
    .filter((keys) => !keys.some(has))
    .map((keys) => ({
      path: at,
      message: `${label} is missing ${joinOr(keys.map((k) => `"${k}"`))} (required when kind is ${String(kind)}${from})`,
      object: at,
      missingKey: keys[0]!,
      inheritable: true as const,
    }));
  return [...missing, ...otherKindsFields(at, label, service, kind as ServiceKind)];
}

/**
 * The service's own keys that belong to another kind (`paths:` on a postgresql service): nothing reads
 * them, so they are a mistake (a block meant for another service, or the wrong kind). `defaults:` may
 * hold several kinds' blocks, each for the services of its kind, so only the service's own keys count.
 */
function otherKindsFields(at: string, label: string, service: Record<string, unknown>, kind: ServiceKind): Pending[] {
  const own = new Set(KIND_FIELDS[kind]);
  const out: Pending[] = [];
  for (const other of SERVICE_KINDS) {
    if (other === kind) continue;
    for (const key of KIND_FIELDS[other]) {
      if (own.has(key) || !Object.hasOwn(service, key)) continue;
      out.push({
        path: `${at}/${pointerSegment(key)}`,
        atKey: true,
        message: `"${key}" is for kind ${other}, but ${label} is kind ${kind}`,
        hint: `Remove \`${key}:\`, or set \`kind: ${other}\` if that is what the service is.`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Grouping

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || prefix === '' || path.startsWith(prefix + '/');
}

function groupErrors(errors: readonly ErrorObject[]): Item[] {
  const items: Item[] = [];
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      const prefix = error.schemaPath + '/';
      let start = items.length;
      while (start > 0) {
        const previous = items[start - 1]!.error;
        if (!previous.schemaPath.startsWith(prefix) || !isUnder(previous.instancePath, error.instancePath)) break;
        start--;
      }
      items.push({ error, children: items.splice(start) });
    } else {
      items.push({ error });
    }
  }
  return items;
}

/**
 * The loader hands on a value it has already reported (a number that is not finite) as undefined,
 * which YAML never produces. ajv reads it as a missing key or a wrong type; that is the same problem
 * again, and so is an anyOf failing only because one of its branches met it.
 */
function withoutLoaderReported(items: readonly Item[], data: unknown): Item[] {
  return items.filter((item) => !mentionsLoaderReported(item, data));
}

function mentionsLoaderReported(item: Item, data: unknown): boolean {
  if (item.children) return item.children.some((child) => mentionsLoaderReported(child, data));
  const { error } = item;
  if (error.keyword === 'required') {
    const object = valueAt(data, parsePointer(error.instancePath));
    const key = String(error.params.missingProperty);
    return isRecord(object) && Object.hasOwn(object, key) && object[key] === undefined;
  }
  // Every other keyword is about a value that exists in the data; undefined there is the loader's.
  return valueAt(data, parsePointer(error.instancePath)) === undefined;
}

// ---------------------------------------------------------------------------------------------
// 2. Resolving groups and leaves into findings

function resolveItems(items: readonly Item[], data: unknown): Pending[] {
  // A type error is noise next to an enum/const error about the same value.
  const enumAt = new Set<string>();
  for (const item of items) {
    if (!item.children && (item.error.keyword === 'enum' || item.error.keyword === 'const')) enumAt.add(item.error.instancePath);
  }
  const out: Pending[] = [];
  for (const item of items) {
    const { error } = item;
    if (item.children) {
      out.push(...resolveGroup(item, data));
      continue;
    }
    if (error.keyword === 'if' || error.keyword === 'propertyNames') continue;
    if (error.keyword === 'type' && enumAt.has(error.instancePath)) continue;
    const finding = leafFinding(error, data);
    if (finding) out.push(finding);
  }
  return out;
}

function branchIndex(group: Group, child: Item): string {
  const rest = child.error.schemaPath.slice(group.error.schemaPath.length + 1);
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

function resolveGroup(group: Group, data: unknown): Pending[] {
  const at = group.error.instancePath;
  const branches = new Map<string, Item[]>();
  for (const child of group.children) {
    const index = branchIndex(group, child);
    let list = branches.get(index);
    if (!list) branches.set(index, (list = []));
    list.push(child);
  }
  const plausible: Pending[][] = [];
  const missingOnly: string[] = [];
  let allMissingOnly = branches.size > 0;
  for (const list of branches.values()) {
    // Plausible: the value has this branch's type and lacks none of its keys (after typo cascades).
    const wrongType = list.some((i) => !i.children && i.error.instancePath === at && i.error.keyword === 'type');
    const findings = dropExplainedRequired(resolveItems(list, data));
    const missing = findings.some((f) => f.missingKey !== undefined && f.object === at);
    if (!wrongType && !missing) plausible.push(findings);
    const onlyRequired = list.length > 0 && list.every((i) => !i.children && i.error.keyword === 'required' && i.error.instancePath === at);
    if (onlyRequired) for (const i of list) missingOnly.push(String(i.error.params.missingProperty));
    else allMissingOnly = false;
  }
  if (plausible.length === 1 && plausible[0]!.length > 0) return plausible[0]!;

  const segments = parsePointer(at);
  const value = valueAt(data, segments);
  if (allMissingOnly && missingOnly.length > 0) {
    const keys = [...new Set(missingOnly)].map((k) => `"${k}"`);
    const list = keys.length === 1 ? keys[0]! : `${keys.slice(0, -1).join(', ')} or ${keys[keys.length - 1]}`;
    return [{ path: at, message: `${objectLabel(segments, data)} is missing ${list}${conditionSuffix(group.error, segments)}` }];
  }
  const node = schemaForError(group.error, segments);
  const label = valueLabel(segments, data);
  if (node?.errorMessage) return [{ path: at, message: `${label} ${node.errorMessage}` }];
  const types = new Set<string>();
  for (const branch of node?.anyOf ?? node?.oneOf ?? []) for (const t of typesOf(branch)) types.add(t);
  if (types.size > 0) {
    return [{ path: at, message: `${label}: expected ${joinOr([...types].map(typeName))}, got ${describeActual(value)}` }];
  }
  return [{ path: at, message: `${label}: does not match any of the allowed forms` }];
}

function leafFinding(error: ErrorObject, data: unknown): Pending | null {
  const segments = parsePointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const propertyName = (error as { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    // An error inside propertyNames: the key itself is wrong.
    const pem = schemaAt(segments)?.propertyNames?.patternErrorMessage;
    const owner = segments.length === 1 ? OWNER_KINDS[segments[0]!] : undefined;
    const name = show(propertyName);
    const message = owner
      ? `invalid ${owner} name ${name}: ${pem ?? 'not an allowed name'}`
      : `invalid key ${name} in ${objectLabel(segments, data)}${pem ? `: ${pem}` : ''}`;
    return { path: error.instancePath + '/' + pointerSegment(propertyName), atKey: true, message };
  }
  const value = valueAt(data, segments);
  const label = valueLabel(segments, data);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      if (key === '<<') {
        // YAML 1.1's merge key is not YAML 1.2, which drc reads: say so instead of "unknown key".
        return {
          path: error.instancePath + '/' + pointerSegment(key),
          atKey: true,
          message: 'merge keys ("<<") are YAML 1.1, not YAML 1.2, and are not merged',
          hint: 'Write the keys out, or put what services share in `defaults:` (policy-language.md §3).',
          object: error.instancePath,
        };
      }
      const allowed = Object.keys(objectSchemaAt(segments)?.properties ?? {});
      const match = closest(key, allowed);
      const where = segments.length === 0 ? 'unknown top-level key' : 'unknown key';
      const context = segments.length === 0 ? '' : ` in ${objectLabel(segments, data)}`;
      return {
        path: error.instancePath + '/' + pointerSegment(key),
        atKey: true,
        message: `${where} ${show(key)}${context}${match ? ` (did you mean "${match}"?)` : ''}`,
        ...(match || allowed.length === 0 ? {} : { hint: `allowed keys: ${allowed.join(', ')}` }),
        object: error.instancePath,
        ...(match ? { unknownKeySuggestion: match } : {}),
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return {
        path: error.instancePath,
        message: `${objectLabel(segments, data)} is missing "${key}"${conditionSuffix(error, segments)}`,
        object: error.instancePath,
        missingKey: key,
      };
    }
    case 'type': {
      const expected = ([] as string[]).concat(params.type as string | string[]);
      const finding: Pending = {
        path: error.instancePath,
        message: `${label}: expected ${joinOr(expected.map(typeName))}, got ${describeActual(value, expected)}`,
      };
      const hint = typeHint(expected, value, schemaAt(segments));
      if (hint) finding.hint = hint;
      return finding;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const match = typeof value === 'string' ? closest(value, allowed) : null;
      return {
        path: error.instancePath,
        message: `${label}: ${show(value)} is not allowed; expected one of: ${allowed.join(', ')}${match ? ` (did you mean "${match}"?)` : ''}`,
      };
    }
    case 'const':
      return { path: error.instancePath, message: `${label}: expected ${JSON.stringify(params.allowedValue)}, got ${show(value)}` };
    case 'pattern': {
      const pem = schemaAt(segments)?.patternErrorMessage;
      return { path: error.instancePath, message: `${label}: ${show(value)} ${pem ?? `does not match the pattern ${String(params.pattern)}`}` };
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return { path: error.instancePath, message: `${label}: expected ${error.keyword === 'minimum' ? 'at least' : 'more than'} ${String(params.limit)}, got ${show(value)}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { path: error.instancePath, message: `${label}: expected ${error.keyword === 'maximum' ? 'at most' : 'less than'} ${String(params.limit)}, got ${show(value)}` };
    case 'minItems':
      return {
        path: error.instancePath,
        message: Number(params.limit) === 1 ? `${label}: must list at least one item` : `${label}: must list at least ${String(params.limit)} items`,
      };
    case 'minProperties': {
      const keys = Object.keys(objectSchemaAt(segments)?.properties ?? {});
      return {
        path: error.instancePath,
        message: keys.length > 0 ? `${label}: must set at least one of ${keys.join(', ')}` : `${label}: must not be empty`,
      };
    }
    case 'uniqueItems': {
      const index = Math.max(Number(params.i), Number(params.j));
      const item = Array.isArray(value) ? value[index] : undefined;
      return { path: `${error.instancePath}/${index}`, message: `${label}: ${show(item)} is listed more than once` };
    }
    default:
      return { path: error.instancePath, message: `${label}: ${error.message ?? `fails ${error.keyword}`}` };
  }
}

/** "(required when kind is postgresql)" for a `required` that comes from an if/then. */
function conditionSuffix(error: ErrorObject, segments: readonly string[]): string {
  const cut = error.schemaPath.lastIndexOf('/then/');
  if (cut < 0) return '';
  const ifNode = resolveSchemaPath(error.schemaPath.slice(0, cut) + '/if', segments);
  const props = ifNode?.properties;
  if (!props) return '';
  const conditions = Object.entries(props)
    .filter(([, s]) => s && 'const' in s)
    .map(([k, s]) => `${k} is ${String(s.const)}`);
  return conditions.length > 0 ? ` (required when ${conditions.join(' and ')})` : '';
}

// ---------------------------------------------------------------------------------------------
// 3. Cascades, deduplication, order

/**
 * Drops `missing "kind"` when the same object has an unknown key `knd` whose suggestion is "kind" (or,
 * for what a service may inherit, `defaults:` has).
 */
function dropExplainedRequired(findings: Pending[]): Pending[] {
  const suggested = new Set<string>();
  for (const f of findings) if (f.unknownKeySuggestion !== undefined) suggested.add(`${f.object}\0${f.unknownKeySuggestion}`);
  if (suggested.size === 0) return findings;
  const explained = (f: Pending) =>
    suggested.has(`${f.object}\0${f.missingKey}`) || (f.inheritable === true && suggested.has(`/defaults\0${f.missingKey}`));
  return findings.filter((f) => f.missingKey === undefined || !explained(f));
}

function finish(pending: readonly Pending[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const p of pending) {
    const key = `${p.path}\0${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const finding: Finding = { path: p.path, message: p.message };
    if (p.atKey) finding.atKey = true;
    if (p.hint) finding.hint = p.hint;
    out.push(finding);
  }
  return out.sort((a, b) => compare(a.path, b.path) || compare(a.message, b.message));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Pointers, data and schema lookups (each O(depth))

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isRecord(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

function deref(node: SchemaNode | undefined): SchemaNode | undefined {
  let current = node;
  for (let hops = 0; current?.$ref !== undefined && hops < 8; hops++) current = resolvePointer(ROOT, current.$ref);
  return current;
}

function resolvePointer(base: SchemaNode, ref: string): SchemaNode | undefined {
  const hash = ref.indexOf('#');
  const fragment = hash < 0 ? ref : ref.slice(hash + 1);
  let current: unknown = base;
  for (const segment of parsePointer(fragment)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current !== null && typeof current === 'object' ? (current as SchemaNode) : undefined;
}

/** The object-shaped schema of a node (the object branch of an anyOf, as for retention). */
function objectBranch(node: SchemaNode | undefined): SchemaNode | undefined {
  const n = deref(node);
  if (!n) return undefined;
  if (n.properties || n.additionalProperties !== undefined || n.items) return n;
  for (const branch of n.anyOf ?? n.oneOf ?? []) {
    const b = deref(branch);
    if (b && (b.properties || b.additionalProperties !== undefined || b.items)) return b;
  }
  return n;
}

/** The schema that describes the data at a pointer, walking properties / additionalProperties / items. */
function schemaAt(segments: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = deref(ROOT);
  for (const segment of segments) {
    const container = objectBranch(node);
    if (!container) return undefined;
    if (container.properties && Object.hasOwn(container.properties, segment)) node = container.properties[segment];
    else if (typeof container.additionalProperties === 'object') node = container.additionalProperties;
    else if (container.items && /^\d+$/.test(segment)) node = container.items;
    else return undefined;
    node = deref(node);
  }
  return node;
}

function objectSchemaAt(segments: readonly string[]): SchemaNode | undefined {
  return objectBranch(schemaAt(segments));
}

/**
 * The schema node an error's schemaPath names. ajv gives paths relative to the compiled function:
 * the root, as long as the schema has no $ref (it has none); a definition compiled on its own would
 * give paths relative to itself, hence the fallback to the node at the instance path.
 */
function resolveSchemaPath(schemaPath: string, segments: readonly string[]): SchemaNode | undefined {
  return resolvePointer(ROOT, schemaPath) ?? resolvePointer(schemaAt(segments) ?? {}, schemaPath);
}

function schemaForError(error: ErrorObject, segments: readonly string[]): SchemaNode | undefined {
  const keyword = '/' + error.keyword;
  if (!error.schemaPath.endsWith(keyword)) return undefined;
  const parentPath = error.schemaPath.slice(0, -keyword.length);
  const local = schemaAt(segments);
  const candidates = [resolvePointer(ROOT, parentPath), local && resolvePointer(local, parentPath), local];
  return candidates.find((n): n is SchemaNode => !!n && Array.isArray(n[error.keyword as 'anyOf' | 'oneOf']));
}

function typesOf(node: SchemaNode | undefined): string[] {
  const n = deref(node);
  if (!n) return [];
  if (n.type !== undefined) return ([] as string[]).concat(n.type);
  return (n.anyOf ?? n.oneOf ?? []).flatMap(typesOf);
}

// ---------------------------------------------------------------------------------------------
// Wording

const OWNER_KINDS: Record<string, string> = { services: 'service', tiers: 'tier', storage: 'storage' };

/** `postgresql.port`, `replicas[0].bucket`: a field path below an owner, for people. */
function fieldPath(segments: readonly string[], parent: unknown): string {
  let out = '';
  let current = parent;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      out += `[${segment}]`;
      current = current[Number(segment)];
    } else {
      const safe = /^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(clip(segment));
      out += out === '' ? safe : `.${safe}`;
      current = isRecord(current) && Object.hasOwn(current, segment) ? current[segment] : undefined;
    }
  }
  return out;
}

function owner(segments: readonly string[], data: unknown): { name: string; rest: string } | null {
  if (segments.length >= 2 && Object.hasOwn(OWNER_KINDS, segments[0]!)) {
    const name = `${OWNER_KINDS[segments[0]!]} ${show(segments[1]!)}`;
    const rest = fieldPath(segments.slice(2), valueAt(data, segments.slice(0, 2)));
    return { name, rest };
  }
  return null;
}

/** Names an object for "unknown key … in X" and "X is missing …". */
function objectLabel(segments: readonly string[], data: unknown): string {
  if (segments.length === 0) return 'the policy';
  const o = owner(segments, data);
  if (o) return o.rest === '' ? o.name : `${o.rest} of ${o.name}`;
  return fieldPath(segments, data);
}

/** Names a value for "X: expected …". */
function valueLabel(segments: readonly string[], data: unknown): string {
  if (segments.length === 0) return 'the policy';
  const o = owner(segments, data);
  if (o) return o.rest === '' ? o.name : `${o.name} ${o.rest}`;
  return fieldPath(segments, data);
}

function clip(text: string): string {
  return text.length > MAX_SHOWN ? text.slice(0, MAX_SHOWN - 1) + '…' : text;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(clip(value));
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return clip(String(value));
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

function describeActual(value: unknown, expected: readonly string[] = []): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return expected.includes('integer') ? String(value) : 'a number';
    case 'boolean': return 'a boolean';
    case 'object': return 'a mapping';
    default: return typeof value;
  }
}

function typeHint(expected: readonly string[], value: unknown, node: SchemaNode | undefined): string | undefined {
  if (expected.length === 1 && expected[0] === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    const examples = (node?.examples ?? []).filter((e): e is string => typeof e === 'string');
    return examples.length > 0 ? `for example: ${examples.join(', ')}` : `quote it: "${String(value)}"`;
  }
  if (value === null) return 'an empty value in YAML is null: fill it in or remove the key';
  return undefined;
}

function joinOr(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** Edit-distance suggestion, plus a unique case-insensitive prefix ("prod" → "production"). */
function closest(word: string, candidates: readonly string[]): string | null {
  if (word.length === 0 || word.length > MAX_SUGGEST_LENGTH || candidates.length === 0) return null;
  const byDistance = suggest(word, candidates);
  if (byDistance !== null) return byDistance;
  if (word.length < 3) return null;
  const lower = word.toLowerCase();
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
  return prefixed.length === 1 ? prefixed[0]! : null;
}
