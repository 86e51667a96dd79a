/**
 * The custom-rule expression language (policy-language.md §8): text → tokens → CST → AST →
 * type check → a closure tree evaluated per service. `compileExpression` never throws; every
 * problem is an ExprError with an offset and length inside the expression string.
 */
import type { Service } from '../model/types.js';
import type { Expr, ExprError } from './ast.js';
import { compile } from './evaluate.js';
import { parseExpression } from './parser.js';
import { typecheck } from './typecheck.js';

export type { Expr, ExprError, ExprType } from './ast.js';
export { parseExpression } from './parser.js';
export { typecheck } from './typecheck.js';
export { FIELDS, FUNCTIONS } from './fields.js';

export interface CompiledExpression {
  text: string;
  ast: Expr;
  /** True when the expression holds for the service (null counts as false). */
  test(service: Service): boolean;
  /** The raw value (for tests and debugging). */
  evaluate(service: Service): unknown;
  /** Model keys (service.unknown) the expression depends on: a service with one of them unknown is skipped. */
  dependsOn: string[];
  /** Field names the expression reads. */
  fields: string[];
}

export type CompileResult = { ok: true; expr: CompiledExpression } | { ok: false; errors: ExprError[] };

export function compileExpression(text: string, role: 'where' | 'assert' = 'assert'): CompileResult {
  try {
    const parsed = parseExpression(text);
    if (!parsed.ok) return { ok: false, errors: clamp(parsed.errors, text) };
    const checked = typecheck(parsed.ast, role);
    if (checked.errors.length > 0) return { ok: false, errors: clamp(checked.errors, text) };
    const evaluate = compile(parsed.ast, checked.paths);
    const resolved = [...checked.paths.values()];
    return {
      ok: true,
      expr: {
        text,
        ast: parsed.ast,
        evaluate,
        test: (service) => evaluate(service) === true,
        dependsOn: [...new Set(resolved.flatMap((r) => r.field.dependsOn))],
        fields: [...new Set(resolved.map((r) => (r.mapKey === null ? r.field.name : `${r.field.name}.${r.mapKey}`)))],
      },
    };
  } catch (error) {
    // A bug, not the user's fault; still a positioned diagnostic rather than a crash.
    return { ok: false, errors: [{ message: `internal error compiling the expression: ${(error as Error).message}`, offset: 0, length: text.length }] };
  }
}

/** Keeps every error inside the string, whatever happens upstream. */
function clamp(errors: ExprError[], text: string): ExprError[] {
  return errors.map((e) => {
    const offset = Math.min(Math.max(0, e.offset), text.length);
    return { message: e.message, offset, length: Math.min(Math.max(0, e.length), text.length - offset) };
  });
}
