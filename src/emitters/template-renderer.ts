/**
 * Renders the part of the Handlebars language drc's templates use, from Handlebars' own parse tree,
 * without Handlebars' runtime: each node becomes a closure. Handlebars allocates an options object (with
 * source locations) for every helper call and a data frame and depth array for every `{{#each}}` row;
 * at 10,000 services that garbage was most of the runbooks' and the DR plan's render time
 * (docs/performance.md).
 *
 * The output is exactly Handlebars' (strict mode, no escaping, known helpers only: templates.ts), down to
 * its `+` chains (`{{a}}{{b}}` with 1 and 2 writes 3, as Handlebars does), its lookups (own properties
 * only; a missing intermediate throws), and its rules for `../` depths. test/emitters/template-renderer.test.ts
 * compares the two on random data for every construct, and on every shipped template.
 *
 * What it does not render it refuses: `compile` returns null (a construct outside the subset: `@data`,
 * block params, hashes, `with`/`unless`, partials with several parameters or indentation, ...), and a render
 * throws FALLBACK (an `{{#each}}` over an object or a function, an unknown partial). Either way
 * templates.ts uses Handlebars itself, so nothing outside the subset renders differently.
 */
import Handlebars from 'handlebars';

/** Thrown while rendering when only Handlebars knows what to write. */
export const FALLBACK = Symbol('render with Handlebars');

/**
 * A value helper: called with its parameters only (no `this`, no options). A call with another number
 * of parameters than its `length` is left to Handlebars, which would pass its options object in their place.
 */
export type ValueHelper = (...params: never[]) => unknown;

/** Handlebars' `depths` array as a linked list: `ctx` is depths[0], `up` the rest. */
interface Depths {
  ctx: unknown;
  up: Depths | undefined;
}

/** A node's output (a `+` operand: a piece may be a number or a boolean, as in Handlebars). */
type Piece = (ctx: unknown, depths: Depths | undefined) => unknown;
type Value = Piece;

export interface RendererEnvironment {
  helpers: Readonly<Record<string, ValueHelper>>;
  /** A partial's renderer by name, looked up when a template includes it. */
  partial: (name: string) => ((ctx: unknown) => string) | undefined;
}

/**
 * Rows of an `{{#each}}` joined this many at a time. Handlebars appends each row to one growing string, so
 * every piece of a 10,000-row table stays alive until the table is done and the collector copies them all
 * out of the young generation; here a row's pieces are garbage once its chunk is joined.
 */
const ROWS_PER_CHUNK = 64;

/** What a block helper gets as `this` when the context is null or undefined (Handlebars' `nullContext`). */
const NULL_CONTEXT = Object.seal({});

/** Handlebars' own helpers: always known to its compiler. */
const BUILTIN_HELPERS = new Set(['if', 'each', 'unless', 'with', 'lookup', 'log', 'helperMissing', 'blockHelperMissing']);

class Unsupported extends Error {}

/** The renderer of a template, or null when it uses something outside the subset (Handlebars renders it). */
export function compile(source: string, env: RendererEnvironment): ((ctx: unknown) => string) | null {
  const ast = Handlebars.parse(source);
  const compiler = new Compiler(env);
  let main: Piece;
  try {
    main = compiler.program(ast);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
  const usesDepths = compiler.usesDepths;
  return (ctx) => '' + (main(ctx, usesDepths ? { ctx, up: undefined } : undefined) as string);
}

class Compiler {
  usesDepths = false;
  constructor(private readonly env: RendererEnvironment) {}

  program(program: hbs.AST.Program): Piece {
    if (program.blockParams?.length) throw new Unsupported('block params');
    const pieces = program.body.map((node) => this.statement(node)).filter((p): p is Piece => p !== null);
    if (pieces.length === 0) return () => '';
    if (pieces.length === 1) return pieces[0]!;
    return (ctx, depths) => {
      let out = pieces[0]!(ctx, depths);
      for (let i = 1; i < pieces.length; i++) out = (out as string) + (pieces[i]!(ctx, depths) as string);
      return out;
    };
  }

  private statement(node: hbs.AST.Statement): Piece | null {
    switch (node.type) {
      case 'ContentStatement': {
        const text = (node as hbs.AST.ContentStatement).value;
        return text === '' ? null : () => text;
      }
      case 'CommentStatement':
        return null;
      case 'MustacheStatement':
        return this.mustache(node as hbs.AST.MustacheStatement);
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement);
      case 'PartialStatement':
        return this.partial(node as hbs.AST.PartialStatement);
      default:
        throw new Unsupported(node.type);
    }
  }

  private mustache(node: hbs.AST.MustacheStatement): Piece {
    if (node.hash) throw new Unsupported('hash');
    if (node.path.type !== 'PathExpression') throw new Unsupported('literal mustache');
    const path = node.path as hbs.AST.PathExpression;
    if (node.params.length > 0) {
      const call = this.helperCall(path, node.params);
      return (ctx, depths) => {
        const out = call(ctx, depths);
        return out != null ? out : '';
      };
    }
    // No parameters: a known helper's name would call it (Handlebars' "ambiguous" mustache).
    if (this.isHelperName(path)) throw new Unsupported('helper without parameters');
    const value = this.path(path, true);
    return (ctx, depths) => {
      let out = value(ctx, depths);
      if (typeof out === 'function') out = (out as (this: unknown) => unknown).call(ctx);
      return out != null ? out : '';
    };
  }

  private isHelperName(path: hbs.AST.PathExpression): boolean {
    const name = path.parts[0];
    return path.parts.length === 1 && path.depth === 0 && !path.data && name !== undefined && (name in this.env.helpers || BUILTIN_HELPERS.has(name));
  }

  private helperCall(path: hbs.AST.PathExpression, params: hbs.AST.Expression[]): Value {
    const name = path.parts[0];
    if (path.parts.length !== 1 || path.depth !== 0 || path.data || name === undefined || !Object.prototype.hasOwnProperty.call(this.env.helpers, name)) {
      throw new Unsupported(`helper ${path.original}`);
    }
    const helper = this.env.helpers[name]! as (...params: unknown[]) => unknown;
    if (params.length !== helper.length) throw new Unsupported(`helper ${name} with ${params.length} parameters`);
    const args = params.map((p) => this.expression(p));
    if (args.length === 1) {
      const [a] = args as [Value];
      return (ctx, depths) => helper(a(ctx, depths));
    }
    if (args.length === 2) {
      const [a, b] = args as [Value, Value];
      return (ctx, depths) => helper(a(ctx, depths), b(ctx, depths));
    }
    return (ctx, depths) => helper(...args.map((arg) => arg(ctx, depths)));
  }

  private expression(node: hbs.AST.Expression): Value {
    switch (node.type) {
      case 'PathExpression':
        return this.path(node as hbs.AST.PathExpression, false);
      case 'SubExpression': {
        const sub = node as hbs.AST.SubExpression;
        if (sub.hash) throw new Unsupported('hash');
        if (sub.path.type !== 'PathExpression') throw new Unsupported('literal helper');
        return this.helperCall(sub.path as hbs.AST.PathExpression, sub.params);
      }
      case 'StringLiteral':
      case 'NumberLiteral':
      case 'BooleanLiteral': {
        const value = (node as hbs.AST.StringLiteral | hbs.AST.NumberLiteral | hbs.AST.BooleanLiteral).value;
        return () => value;
      }
      case 'UndefinedLiteral':
        return () => undefined;
      case 'NullLiteral':
        return () => null;
      default:
        throw new Unsupported(node.type);
    }
  }

  /**
   * A path's value. `strict` (a mustache without parameters): the last part must exist (`in`), as in
   * Handlebars' strict mode; parameters look up leniently. Earlier parts are read without a guard, so a
   * missing one throws, as in Handlebars' strict mode.
   */
  private path(path: hbs.AST.PathExpression, strict: boolean): Value {
    if (path.data) throw new Unsupported('@data');
    const parts = path.parts;
    const depth = path.depth;
    if (depth > 0) this.usesDepths = true;
    const base: Value = depth === 0 ? (ctx) => ctx : (_ctx, depths) => depthAt(depths, depth);
    if (parts.length === 0) return base;
    const last = parts[parts.length - 1]!;
    const leading = parts.slice(0, -1);
    if (leading.length === 0) {
      if (strict) return (ctx, depths) => strictLookup(base(ctx, depths), last);
      return (ctx, depths) => lookup(base(ctx, depths), last);
    }
    return (ctx, depths) => {
      let value = base(ctx, depths);
      for (const part of leading) value = lookup(value, part);
      return strict ? strictLookup(value, last) : lookup(value, last);
    };
  }

  private block(node: hbs.AST.BlockStatement): Piece {
    if (node.hash) throw new Unsupported('hash');
    if (node.path.type !== 'PathExpression') throw new Unsupported('literal block');
    const path = node.path as hbs.AST.PathExpression;
    const name = path.parts.length === 1 && path.depth === 0 && !path.data ? path.parts[0] : undefined;
    if ((name !== 'if' && name !== 'each') || node.params.length !== 1) throw new Unsupported(`block ${path.original}`);
    const param = this.expression(node.params[0]!);
    const fn = this.program(node.program);
    const inverse = node.inverse ? this.program(node.inverse) : null;
    const otherwise = (self: unknown, depths: Depths | undefined) => (inverse ? inverse(self, enter(self, depths)) : '');
    if (name === 'if') {
      return (ctx, depths) => {
        const self = ctx != null ? ctx : NULL_CONTEXT;
        let condition = param(ctx, depths);
        if (typeof condition === 'function') condition = (condition as (this: unknown) => unknown).call(self);
        if (!condition || (Array.isArray(condition) && condition.length === 0)) return otherwise(self, depths);
        return fn(self, enter(self, depths));
      };
    }
    return (ctx, depths) => {
      const self = ctx != null ? ctx : NULL_CONTEXT;
      const list = param(ctx, depths);
      if (!Array.isArray(list)) {
        // Handlebars iterates objects, iterables and what functions return: it renders those itself.
        if (list !== null && (typeof list === 'object' || typeof list === 'function')) throw FALLBACK;
        return otherwise(self, depths);
      }
      const chunks: string[] = [];
      let rows: unknown[] = [];
      let count = 0;
      for (let i = 0; i < list.length; i++) {
        if (!(i in list)) continue; // a hole, as Handlebars skips it
        const item: unknown = list[i];
        rows.push(fn(item, enter(item, depths)));
        count++;
        if (rows.length === ROWS_PER_CHUNK) {
          chunks.push(rows.join(''));
          rows = [];
        }
      }
      if (count === 0) return otherwise(self, depths);
      chunks.push(rows.join(''));
      return chunks.length === 1 ? chunks[0]! : chunks.join('');
    };
  }

  /** `{{> name}}` with the current context, or `{{> name value}}` with that value as the partial's context. */
  private partial(node: hbs.AST.PartialStatement): Piece {
    if (node.hash || node.params.length > 1 || (node as { indent?: string }).indent) throw new Unsupported('partial hash, parameters or indent');
    if (node.name.type !== 'PathExpression') throw new Unsupported('dynamic partial');
    const path = node.name as hbs.AST.PathExpression;
    if (path.data || path.depth !== 0 || path.parts.length !== 1) throw new Unsupported('partial name');
    const name = path.original;
    const env = this.env;
    const context: Value = node.params.length === 1 ? this.expression(node.params[0]!) : (ctx) => ctx;
    return (ctx, depths) => {
      const render = env.partial(name);
      if (!render) throw FALLBACK;
      return render(context(ctx, depths));
    };
  }
}

/** Handlebars' lookupProperty: own properties only (its prototype guard; what it logs aside). */
function lookup(parent: unknown, name: string): unknown {
  const value = (parent as Record<string, unknown>)[name];
  if (value == null) return value;
  return Object.prototype.hasOwnProperty.call(parent, name) ? value : undefined;
}

/** Handlebars' `container.strict`: the property must be there (`in`), then it is looked up. */
function strictLookup(parent: unknown, name: string): unknown {
  if (!parent || !(name in (parent as object))) throw new Error(`"${name}" not defined in ${String(parent)}`);
  return lookup(parent, name);
}

function depthAt(depths: Depths | undefined, depth: number): unknown {
  let frame = depths;
  for (let i = 0; i < depth && frame; i++) frame = frame.up;
  return frame?.ctx;
}

/** The depths inside a block whose context is `ctx` (Handlebars' wrapProgram, loose `!=` included). */
function enter(ctx: unknown, depths: Depths | undefined): Depths | undefined {
  // eslint-disable-next-line eqeqeq
  if (depths && ctx != depths.ctx && !(ctx === NULL_CONTEXT && depths.ctx === null)) return { ctx, up: depths };
  return depths;
}
