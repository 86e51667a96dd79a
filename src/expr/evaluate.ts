/**
 * Compiles a type-checked AST into a tree of closures, once per rule; evaluating a service is
 * then a few function calls, with no AST walk. Semantics of absent values (null):
 * - in a condition (`and`, `or`, `not`, where/assert) null counts as false;
 * - an ordering comparison (`< <= > >=`) with null is false; `== null` / `!= null` test absence;
 * - `x in null` is false, `len(null)` is 0.
 * Values: durations in seconds, sizes in bytes, rates in bytes/s, so comparing them is comparing numbers.
 */
import type { Service } from '../model/types.js';
import type { CompareOp, Expr } from './ast.js';
import type { Resolved } from './typecheck.js';

export type Evaluator = (service: Service) => unknown;

const hasOwn = Object.prototype.hasOwnProperty;

export function compile(ast: Expr, paths: Map<unknown, Resolved>): Evaluator {
  const go = (node: Expr): Evaluator => {
    switch (node.kind) {
      case 'literal': {
        const value = node.value;
        return () => value;
      }
      case 'path': {
        const resolved = paths.get(node);
        if (!resolved) return () => null;
        const get = resolved.field.get;
        const key = resolved.mapKey;
        if (key === null) return get;
        return (s) => {
          const map = get(s) as Record<string, string> | null;
          return map !== null && hasOwn.call(map, key) ? map[key] : null;
        };
      }
      case 'list': {
        const items = node.items.map(go);
        if (node.items.every((i) => i.kind === 'literal')) {
          const constant = items.map((f) => f(null as never));
          return () => constant;
        }
        return (s) => items.map((f) => f(s));
      }
      case 'call': {
        const arg = go(node.args[0]!);
        return (s) => {
          const v = arg(s);
          if (v === null || v === undefined) return 0;
          if (Array.isArray(v) || typeof v === 'string') return v.length;
          return typeof v === 'object' ? Object.keys(v).length : 0;
        };
      }
      case 'not': {
        const operand = go(node.operand);
        return (s) => operand(s) !== true;
      }
      case 'logical': {
        const left = go(node.left);
        const right = go(node.right);
        return node.op === 'and' ? (s) => left(s) === true && right(s) === true : (s) => left(s) === true || right(s) === true;
      }
      case 'compare': {
        const left = go(node.left);
        const right = go(node.right);
        return comparison(node.op, left, right);
      }
      case 'in': {
        const left = go(node.left);
        let test: (needle: unknown, s: Service) => boolean;
        if (node.right.kind === 'list' && node.right.items.every((i) => i.kind === 'literal')) {
          const set = new Set(node.right.items.map((i) => (i as { value: unknown }).value));
          test = (needle) => set.has(needle);
        } else {
          const right = go(node.right);
          test = (needle, s) => {
            const haystack = right(s);
            if (haystack === null || haystack === undefined) return false;
            if (Array.isArray(haystack)) return haystack.includes(needle);
            if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
            return typeof needle === 'string' && hasOwn.call(haystack, needle);
          };
        }
        return node.negated ? (s) => !test(left(s), s) : (s) => test(left(s), s);
      }
    }
  };
  return go(ast);
}

function comparison(op: CompareOp, left: Evaluator, right: Evaluator): Evaluator {
  switch (op) {
    case '==':
      return (s) => left(s) === right(s);
    case '!=':
      return (s) => left(s) !== right(s);
    case '<':
      return (s) => {
        const a = left(s);
        const b = right(s);
        return typeof a === 'number' && typeof b === 'number' && a < b;
      };
    case '<=':
      return (s) => {
        const a = left(s);
        const b = right(s);
        return typeof a === 'number' && typeof b === 'number' && a <= b;
      };
    case '>':
      return (s) => {
        const a = left(s);
        const b = right(s);
        return typeof a === 'number' && typeof b === 'number' && a > b;
      };
    case '>=':
      return (s) => {
        const a = left(s);
        const b = right(s);
        return typeof a === 'number' && typeof b === 'number' && a >= b;
      };
  }
}
