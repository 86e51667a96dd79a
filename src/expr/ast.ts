/**
 * The typed AST of a custom-rule expression. Every node keeps `[start, end)` offsets into the
 * expression string, so any diagnostic can point at the exact characters inside the YAML value.
 */

export type ExprType =
  | { kind: 'number' | 'string' | 'bool' | 'duration' | 'size' | 'rate' | 'null' | 'map' | 'error' | 'any'; nullable?: boolean }
  | { kind: 'list'; elem: ExprType; nullable?: boolean };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

interface Base {
  start: number;
  /** Exclusive. */
  end: number;
}

export interface LiteralNode extends Base {
  kind: 'literal';
  type: 'number' | 'string' | 'bool' | 'duration' | 'size' | 'rate' | 'null';
  /** Durations in seconds, sizes in bytes, rates in bytes per second. */
  value: number | string | boolean | null;
  text: string;
}

export interface PathSegment extends Base {
  name: string;
}

export interface PathNode extends Base {
  kind: 'path';
  segments: PathSegment[];
}

export interface ListNode extends Base {
  kind: 'list';
  items: Expr[];
}

export interface CallNode extends Base {
  kind: 'call';
  name: string;
  nameEnd: number;
  args: Expr[];
}

export interface NotNode extends Base {
  kind: 'not';
  operand: Expr;
}

export interface LogicalNode extends Base {
  kind: 'logical';
  op: 'and' | 'or';
  left: Expr;
  right: Expr;
}

export interface CompareNode extends Base {
  kind: 'compare';
  op: CompareOp;
  opStart: number;
  opEnd: number;
  left: Expr;
  right: Expr;
}

export interface InNode extends Base {
  kind: 'in';
  negated: boolean;
  opStart: number;
  opEnd: number;
  left: Expr;
  right: Expr;
}

export type Expr = LiteralNode | PathNode | ListNode | CallNode | NotNode | LogicalNode | CompareNode | InNode;

/** A problem in an expression: `offset`/`length` are 0-based, inside the expression string. */
export interface ExprError {
  message: string;
  offset: number;
  length: number;
}

export function typeName(type: ExprType): string {
  switch (type.kind) {
    case 'number': return 'a number';
    case 'string': return 'a string';
    case 'bool': return 'a true/false condition';
    case 'duration': return 'a duration';
    case 'size': return 'a size';
    case 'rate': return 'a rate';
    case 'null': return 'null';
    case 'map': return 'a map of strings';
    case 'list': return type.elem.kind === 'any' ? 'a list' : `a list of ${typeName(type.elem).replace(/^an? /, '')}s`;
    case 'any': return 'a value';
    case 'error': return 'an invalid value';
  }
}
