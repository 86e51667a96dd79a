/**
 * The type checker: resolves every path against the field catalogue (unknown fields get a
 * "did you mean") and checks every operator's operand types. Durations compare with durations,
 * sizes with sizes, rates with rates, numbers with numbers; any other mix is an error at the
 * offending operand (the literal side when exactly one side is a literal, else the operator).
 * A node with an error gets type `error`, which is silently accepted everywhere: no cascades.
 */
import { didYouMean } from '../model/suggest.js';
import { typeName, type Expr, type ExprError, type ExprType, type PathNode } from './ast.js';
import { FIELDS, FIELDS_BY_NAME, FUNCTIONS, GROUPS, type FieldDef } from './fields.js';

export type Resolved = { field: FieldDef; mapKey: string | null };

export interface Checked {
  type: ExprType;
  errors: ExprError[];
  /** What each path node names. */
  paths: Map<PathNode, Resolved>;
}

const ERROR: ExprType = { kind: 'error' };
const BOOL: ExprType = { kind: 'bool' };
const NUMBER: ExprType = { kind: 'number' };
const ORDERED = new Set(['number', 'duration', 'size', 'rate']);

/** Dotted prefixes that have fields below them (`storage` for `storage.bucket`). */
const HAS_CHILDREN: ReadonlySet<string> = new Set(
  FIELDS.flatMap((f) => f.name.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))),
);

/** Names by depth, for "did you mean" at the segment that is wrong. */
const NAMES_BY_DEPTH: string[][] = (() => {
  const byDepth: Set<string>[] = [];
  for (const name of [...FIELDS.map((f) => f.name), ...GROUPS.keys()]) {
    const parts = name.split('.');
    for (let i = 0; i < parts.length; i++) (byDepth[i] ??= new Set()).add(parts.slice(0, i + 1).join('.'));
  }
  return byDepth.map((s) => [...s]);
})();

export function typecheck(ast: Expr, role: 'where' | 'assert' = 'assert'): Checked {
  const errors: ExprError[] = [];
  const paths = new Map<PathNode, Resolved>();
  const fail = (message: string, start: number, end: number): ExprType => {
    errors.push({ message, offset: start, length: Math.max(0, end - start) });
    return ERROR;
  };
  const snippet = (node: Expr): string => (node.kind === 'literal' ? node.text : node.kind === 'path' ? node.segments.map((s) => s.name).join('.') : '');
  const describe = (node: Expr, type: ExprType): string => {
    const text = snippet(node);
    return text && text !== typeName(type) ? `${text} (${typeName(type)})` : typeName(type);
  };

  const resolvePath = (node: PathNode): ExprType => {
    const names = node.segments.map((s) => s.name);
    for (let i = 0; i < names.length; i++) {
      const prefix = names.slice(0, i + 1).join('.');
      const segment = node.segments[i]!;
      const isLast = i === names.length - 1;
      const def = FIELDS_BY_NAME.get(prefix);
      if (def) {
        if (isLast) {
          paths.set(node, { field: def, mapKey: null });
          return def.type;
        }
        if (def.type.kind === 'map' && i + 1 === names.length - 1) {
          paths.set(node, { field: def, mapKey: names[i + 1]! });
          return { kind: 'string', nullable: true };
        }
        if (HAS_CHILDREN.has(prefix)) continue;
        if (def.type.kind === 'map') {
          const extra = node.segments[i + 2]!;
          return fail(`${prefix}.${names[i + 1]} is a string and has no field "${names[i + 2]}"`, extra.start, node.end);
        }
        const next = node.segments[i + 1]!;
        return fail(`${prefix} is ${typeName(def.type)} and has no field "${next.name}"`, next.start, next.end);
      }
      const group = GROUPS.get(prefix);
      if (group) {
        if (isLast) {
          const shown = group.slice(0, 4).join(', ');
          return fail(`"${prefix}" is a group of fields, not a value: use one of ${shown}${group.length > 4 ? ', …' : ''}`, node.start, node.end);
        }
        continue;
      }
      const candidates = NAMES_BY_DEPTH[i] ?? [];
      return fail(`unknown field "${prefix}"${didYouMean(prefix, candidates)}`, segment.start, segment.end);
    }
    return ERROR;
  };

  const check = (node: Expr): ExprType => {
    switch (node.kind) {
      case 'literal':
        return { kind: node.type };
      case 'path':
        return resolvePath(node);
      case 'list': {
        let elem: ExprType = { kind: 'any' };
        let first: Expr | null = null;
        let broken = false;
        for (const item of node.items) {
          const type = check(item);
          if (type.kind === 'error') {
            broken = true;
            continue;
          }
          if (type.kind === 'list' || type.kind === 'map') {
            fail(`a list holds single values, not ${typeName(type)}`, item.start, item.end);
            broken = true;
            continue;
          }
          if (type.kind === 'null') {
            fail('a list cannot hold null', item.start, item.end);
            broken = true;
            continue;
          }
          if (first === null) {
            first = item;
            elem = { kind: type.kind };
          } else if (type.kind !== elem.kind) {
            fail(`a list holds values of one type: ${describe(item, type)} does not match the first item, ${describe(first, elem)}`, item.start, item.end);
            broken = true;
          }
        }
        return broken ? ERROR : { kind: 'list', elem };
      }
      case 'call': {
        const argTypes = node.args.map(check);
        const fn = FUNCTIONS.find((f) => f.name === node.name);
        if (!fn) {
          return fail(`unknown function "${node.name}"${didYouMean(node.name, FUNCTIONS.map((f) => f.name))}; functions: ${FUNCTIONS.map((f) => `${f.name}()`).join(', ')}`, node.start, node.nameEnd);
        }
        if (node.args.length !== 1) {
          return fail(`len() takes exactly one argument, found ${node.args.length}`, node.start, node.end);
        }
        const arg = argTypes[0]!;
        if (arg.kind === 'error') return NUMBER;
        if (arg.kind !== 'list' && arg.kind !== 'map' && arg.kind !== 'string' && arg.kind !== 'null') {
          return fail(`len() takes a list, a map or a string, not ${describe(node.args[0]!, arg)}`, node.args[0]!.start, node.args[0]!.end);
        }
        return NUMBER;
      }
      case 'not': {
        const type = check(node.operand);
        if (type.kind !== 'bool' && type.kind !== 'error') {
          fail(`"not" needs a true/false condition, not ${describe(node.operand, type)}`, node.operand.start, node.operand.end);
        }
        return BOOL;
      }
      case 'logical': {
        for (const side of [node.left, node.right]) {
          const type = check(side);
          if (type.kind !== 'bool' && type.kind !== 'error') {
            fail(`"${node.op}" needs true/false conditions on both sides, not ${describe(side, type)}${hintForCondition(type)}`, side.start, side.end);
          }
        }
        return BOOL;
      }
      case 'compare': {
        const l = check(node.left);
        const r = check(node.right);
        if (l.kind === 'error' || r.kind === 'error') return BOOL;
        const ordering = node.op !== '==' && node.op !== '!=';
        const blame = (): [number, number] => {
          const leftLiteral = node.left.kind === 'literal' || node.left.kind === 'list';
          const rightLiteral = node.right.kind === 'literal' || node.right.kind === 'list';
          if (rightLiteral && !leftLiteral) return [node.right.start, node.right.end];
          if (leftLiteral && !rightLiteral) return [node.left.start, node.left.end];
          return [node.opStart, node.opEnd];
        };
        if (l.kind === 'null' || r.kind === 'null') {
          if (ordering) {
            const nullSide = l.kind === 'null' ? node.left : node.right;
            fail(`cannot order with null using "${node.op}"; write == null or != null to test whether a value is set`, nullSide.start, nullSide.end);
          }
          return BOOL;
        }
        if (l.kind !== r.kind) {
          const [start, end] = blame();
          fail(`cannot compare ${describe(node.left, l)} with ${describe(node.right, r)}${mixHint(node.left, l, node.right, r)}`, start, end);
          return BOOL;
        }
        if (l.kind === 'list' || l.kind === 'map') {
          fail(`cannot compare ${typeName(l)} with "${node.op}"; use "in" or len()`, node.opStart, node.opEnd);
          return BOOL;
        }
        if (ordering && !ORDERED.has(l.kind)) {
          fail(`"${node.op}" orders numbers, durations, sizes and rates, not ${typeName(l).replace(/^an? /, '')}s; use == or !=`, node.opStart, node.opEnd);
        }
        return BOOL;
      }
      case 'in': {
        const l = check(node.left);
        const r = check(node.right);
        if (l.kind === 'error' || r.kind === 'error') return BOOL;
        if (r.kind === 'list') {
          if (r.elem.kind !== 'any' && l.kind !== r.elem.kind) {
            fail(`"in" looks for ${typeName(r.elem)} in ${describe(node.right, r)}, not ${describe(node.left, l)}`, node.left.start, node.left.end);
          }
        } else if (r.kind === 'map' || r.kind === 'string') {
          if (l.kind !== 'string') {
            fail(`"in" looks for a string in ${describe(node.right, r)}, not ${describe(node.left, l)}`, node.left.start, node.left.end);
          }
        } else {
          fail(`"in" needs a list, a map or a string on its right, not ${describe(node.right, r)}`, node.right.start, node.right.end);
        }
        return BOOL;
      }
    }
  };

  const type = check(ast);
  if (type.kind !== 'bool' && type.kind !== 'error' && errors.length === 0) {
    fail(`the ${role} expression must be a true/false condition, not ${describe(ast, type)}${hintForCondition(type)}`, ast.start, ast.end);
  }
  return { type: errors.length > 0 ? ERROR : type, errors, paths };
}

function hintForCondition(type: ExprType): string {
  if (type.kind === 'duration') return ' (compare it, e.g. retention >= 30d)';
  if (type.kind === 'size') return ' (compare it, e.g. data_size <= 500GiB)';
  if (type.kind === 'string') return ' (compare it, e.g. tier == "tier1")';
  return '';
}

/** When a bare number meets a duration/size/rate, say how to write the unit. */
function mixHint(left: Expr, l: ExprType, right: Expr, r: ExprType): string {
  const units: Record<string, string> = { duration: 'd', size: 'GiB', rate: 'MiB/s' };
  for (const [num, numType, other] of [[left, l, r], [right, r, l]] as const) {
    if (numType.kind === 'number' && num.kind === 'literal' && units[other.kind]) {
      return `; write ${typeName(other)} with its unit, e.g. ${num.text}${units[other.kind]}`;
    }
  }
  if ((l.kind === 'duration' && r.kind === 'size') || (l.kind === 'size' && r.kind === 'duration')) {
    return '; durations compare with durations, sizes with sizes';
  }
  return '';
}
