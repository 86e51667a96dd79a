/**
 * Expression text → AST: the one lexer, one CstParser instance (created on first use and
 * reused), and a CST visitor that builds the AST with source offsets on every node.
 *
 *   expression := orExpr
 *   orExpr     := andExpr ("or" andExpr)*
 *   andExpr    := notExpr ("and" notExpr)*
 *   notExpr    := "not" notExpr | comparison
 *   comparison := operand ( CompareOperator operand | "in" operand | "not" "in" operand )?
 *   operand    := literal | list | reference | "(" expression ")"
 *   literal    := Quantity | NumberLiteral | StringLiteral | "true" | "false" | "null"
 *   list       := "[" ( expression ( "," expression )* )? "]"
 *   reference  := Identifier ( "(" args? ")" | ( "." Identifier | "[" StringLiteral "]" )* )
 *
 * Comparisons do not chain (`a < b < c` is a syntax error). Never throws: problems come back as
 * ExprErrors with offsets inside the text. Recovery is off; the first syntax error is reported.
 */
import { SKIP_GRAMMAR_VALIDATIONS } from '../parser/chevrotain-options.js';
import { CstParser, EOF, type CstNode, type IRecognitionException, type IToken } from 'chevrotain';
import { parseDuration, parseRate, parseSize } from '../parser/values.js';
import { didYouMean } from '../model/suggest.js';
import type { CompareOp, Expr, ExprError, LiteralNode, PathSegment } from './ast.js';
import * as T from './tokens.js';
import type {
  AndExprCstChildren,
  ComparisonCstChildren,
  ExpressionCstChildren,
  ListCstChildren,
  LiteralCstChildren,
  NotExprCstChildren,
  OperandCstChildren,
  OrExprCstChildren,
  ReferenceCstChildren,
} from './cst.js';

class ExprParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: false, maxLookahead: 2, skipValidations: SKIP_GRAMMAR_VALIDATIONS });
    this.performSelfAnalysis();
  }

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.Or, { LABEL: 'operators' });
      this.SUBRULE2(this.andExpr, { LABEL: 'operands' });
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.And, { LABEL: 'operators' });
      this.SUBRULE2(this.notExpr, { LABEL: 'operands' });
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.operand, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.CompareOperator) },
        { ALT: () => this.CONSUME(T.In) },
        {
          ALT: () => {
            this.CONSUME(T.Not);
            this.CONSUME2(T.In);
          },
        },
      ]);
      this.SUBRULE2(this.operand, { LABEL: 'right' });
    });
  });

  operand = this.RULE('operand', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.literal) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.reference) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Quantity) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
    ]);
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: 'items' });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression, { LABEL: 'items' });
      });
    });
    this.CONSUME(T.RBracket);
  });

  reference = this.RULE('reference', () => {
    this.CONSUME(T.Identifier, { LABEL: 'head' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.OPTION(() => {
            this.SUBRULE(this.expression, { LABEL: 'args' });
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.expression, { LABEL: 'args' });
            });
          });
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () =>
          this.MANY2(() => {
            this.OR2([
              {
                ALT: () => {
                  this.CONSUME(T.Dot);
                  this.CONSUME2(T.Identifier, { LABEL: 'segments' });
                },
              },
              {
                ALT: () => {
                  this.CONSUME(T.LBracket);
                  this.CONSUME(T.StringLiteral, { LABEL: 'segments' });
                  this.CONSUME(T.RBracket);
                },
              },
            ]);
          }),
      },
    ]);
  });
}

let parser: ExprParser | undefined;

/** The one parser instance, created on first use (a lint without custom rules never builds it) and reused. */
export function expressionParser(): ExprParser {
  return (parser ??= new ExprParser());
}

// ---------------------------------------------------------------------------------------------
// CST → AST

interface AstBuilder {
  errors: ExprError[];
  visit(cst: CstNode): Expr;
}

let astBuilder: AstBuilder | undefined;

/** The CST visitor, defined on first use: its base class comes from the parser instance. */
function createAstBuilder(): AstBuilder {
  const BaseVisitor = expressionParser().getBaseCstVisitorConstructor<void, Expr>();

  class AstBuilder extends BaseVisitor {
    errors: ExprError[] = [];

    constructor() {
      super();
      this.validateVisitor();
    }

    expression(ctx: ExpressionCstChildren): Expr {
      return this.visit(ctx.orExpr[0]!);
    }

    orExpr(ctx: OrExprCstChildren): Expr {
      return this.chain(ctx.operands, 'or');
    }

    andExpr(ctx: AndExprCstChildren): Expr {
      return this.chain(ctx.operands, 'and');
    }

    private chain(operands: CstNode[], op: 'and' | 'or'): Expr {
      let left = this.visit(operands[0]!);
      for (let i = 1; i < operands.length; i++) {
        const right = this.visit(operands[i]!);
        left = { kind: 'logical', op, left, right, start: left.start, end: right.end };
      }
      return left;
    }

    notExpr(ctx: NotExprCstChildren): Expr {
      if (ctx.comparison) return this.visit(ctx.comparison[0]!);
      const operand = this.visit(ctx.notExpr![0]!);
      return { kind: 'not', operand, start: ctx.Not![0]!.startOffset, end: operand.end };
    }

    comparison(ctx: ComparisonCstChildren): Expr {
      const left = this.visit(ctx.left[0]!);
      if (!ctx.right) return left;
      const right = this.visit(ctx.right[0]!);
      const span = { start: left.start, end: right.end };
      if (ctx.CompareOperator) {
        const token = ctx.CompareOperator[0]!;
        return { kind: 'compare', op: token.image as CompareOp, opStart: token.startOffset, opEnd: token.startOffset + token.image.length, left, right, ...span };
      }
      const inToken = ctx.In![ctx.In!.length - 1]!;
      const first = ctx.Not ? ctx.Not[0]! : inToken;
      return { kind: 'in', negated: Boolean(ctx.Not), opStart: first.startOffset, opEnd: inToken.startOffset + inToken.image.length, left, right, ...span };
    }

    operand(ctx: OperandCstChildren): Expr {
      if (ctx.literal) return this.visit(ctx.literal[0]!);
      if (ctx.list) return this.visit(ctx.list[0]!);
      if (ctx.reference) return this.visit(ctx.reference[0]!);
      const inner = this.visit(ctx.expression![0]!);
      // Parentheses widen the node, so an error about a parenthesised operand covers them.
      return { ...inner, start: ctx.LParen![0]!.startOffset, end: ctx.RParen![0]!.startOffset + 1 };
    }

    literal(ctx: LiteralCstChildren): Expr {
      const token = (ctx.Quantity ?? ctx.NumberLiteral ?? ctx.StringLiteral ?? ctx.True ?? ctx.False ?? ctx.Null)![0]!;
      const start = token.startOffset;
      const end = start + token.image.length;
      const base = { kind: 'literal' as const, start, end, text: token.image };
      if (ctx.NumberLiteral) return { ...base, type: 'number', value: Number(token.image) };
      if (ctx.StringLiteral) return { ...base, type: 'string', value: unquote(token.image) };
      if (ctx.True) return { ...base, type: 'bool', value: true };
      if (ctx.False) return { ...base, type: 'bool', value: false };
      if (ctx.Null) return { ...base, type: 'null', value: null };
      return this.quantity(token);
    }

    private quantity(token: IToken): LiteralNode {
      const text = token.image;
      const start = token.startOffset;
      const base = { kind: 'literal' as const, start, end: start + text.length, text };
      const unit = text.replace(/^[\d.]+/, '');
      let result:
        | { ok: true; type: 'duration' | 'size' | 'rate'; value: number }
        | { ok: false; message: string; offset: number; length: number };
      if (unit.includes('/')) {
        const r = parseRate(text);
        result = r.ok ? { ok: true, type: 'rate', value: r.value.bytesPerSecond } : r;
      } else if (DURATION_UNITS.includes(unit)) {
        const r = parseDuration(text);
        result = r.ok ? { ok: true, type: 'duration', value: r.value.seconds } : r;
      } else if (SIZE_UNITS.includes(unit)) {
        const r = parseSize(text);
        result = r.ok ? { ok: true, type: 'size', value: r.value.bytes } : r;
      } else {
        const offset = text.length - unit.length;
        result = {
          ok: false,
          message: `unknown unit "${unit}" in ${text}: a duration takes ${DURATION_UNITS.join(', ')}; a size ${SIZE_UNITS.join(', ')}${didYouMean(unit, [...DURATION_UNITS, ...SIZE_UNITS])}`,
          offset,
          length: unit.length,
        };
      }
      if (result.ok) return { ...base, type: result.type, value: result.value };
      this.errors.push({ message: result.message, offset: start + result.offset, length: Math.max(1, result.length) });
      return { ...base, type: 'null', value: null };
    }

    list(ctx: ListCstChildren): Expr {
      const items = (ctx.items ?? []).map((node) => this.visit(node));
      return { kind: 'list', items, start: ctx.LBracket[0]!.startOffset, end: ctx.RBracket[0]!.startOffset + 1 };
    }

    reference(ctx: ReferenceCstChildren): Expr {
      const head = ctx.head[0]!;
      const start = head.startOffset;
      if (ctx.LParen) {
        const args = (ctx.args ?? []).map((node) => this.visit(node));
        return { kind: 'call', name: head.image, nameEnd: start + head.image.length, args, start, end: ctx.RParen![0]!.startOffset + 1 };
      }
      const segments: PathSegment[] = [{ name: head.image, start, end: start + head.image.length }];
      for (const token of ctx.segments ?? []) {
        const name = token.tokenType === T.StringLiteral ? unquote(token.image) : token.image;
        segments.push({ name, start: token.startOffset, end: token.startOffset + token.image.length });
      }
      // Segments come in order; a closing bracket extends the path past its string.
      const lastBracket = ctx.RBracket ? ctx.RBracket[ctx.RBracket.length - 1]!.startOffset + 1 : 0;
      const end = Math.max(segments[segments.length - 1]!.end, lastBracket);
      return { kind: 'path', segments, start, end };
    }
  }

  return new AstBuilder();
}

const DURATION_UNITS = ['s', 'm', 'h', 'd', 'w', 'y'];
const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB'];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };

/** The value of a string literal: quotes removed, `\x` escapes resolved. */
export function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => ESCAPES[ch] ?? ch);
}

export type ParseResult = { ok: true; ast: Expr } | { ok: false; errors: ExprError[] };

/** Lexes and parses one expression. Never throws. */
export function parseExpression(text: string): ParseResult {
  const lexed = T.exprLexer().tokenize(text);
  if (lexed.errors.length > 0) return { ok: false, errors: [lexError(text, lexed.errors[0]!.offset)] };
  if (lexed.tokens.length === 0) {
    return { ok: false, errors: [{ message: 'the expression is empty', offset: 0, length: 0 }] };
  }
  const parser = expressionParser();
  parser.input = lexed.tokens;
  const cst = parser.expression();
  if (parser.errors.length > 0) return { ok: false, errors: [syntaxError(parser.errors[0]!, text)] };
  const builder = (astBuilder ??= createAstBuilder());
  builder.errors = [];
  const ast = builder.visit(cst);
  if (builder.errors.length > 0) return { ok: false, errors: builder.errors };
  return { ok: true, ast };
}

function lexError(text: string, offset: number): ExprError {
  const rest = text.slice(offset);
  const two = rest.slice(0, 2);
  if (rest[0] === '"' || rest[0] === "'") {
    return { message: `unterminated string: add the closing ${rest[0]}`, offset, length: 1 };
  }
  const replacement: Record<string, string> = { '&&': 'and', '||': 'or' };
  if (replacement[two]) return { message: `unexpected "${two}": write "${replacement[two]}"`, offset, length: 2 };
  if (rest[0] === '!') return { message: 'unexpected "!": write "not" (or "!=" to compare)', offset, length: 1 };
  if (rest[0] === '=') return { message: 'unexpected "=": write "==" to compare', offset, length: 1 };
  const ch = String.fromCodePoint(rest.codePointAt(0)!);
  if (/\d/.test(rest[0]!)) return { message: `unexpected "${rest.match(/^[\d.]+/)![0]}": not a number`, offset, length: rest.match(/^[\d.]+/)![0].length };
  return { message: `unexpected character "${ch}"`, offset, length: ch.length };
}

const TOKEN_WORDS: Record<string, string> = {
  RParen: '")"',
  RBracket: '"]"',
  LParen: '"("',
  Identifier: 'a field name',
  StringLiteral: 'a quoted string',
  In: '"in"',
  Comma: '","',
};

function describe(token: IToken): string {
  return token.tokenType === EOF ? 'the end of the expression' : `"${token.image}"`;
}

function syntaxError(error: IRecognitionException, text: string): ExprError {
  const token = error.token;
  const atEnd = token.tokenType === EOF || Number.isNaN(token.startOffset) || token.startOffset < 0;
  const previous = (error as IRecognitionException & { previousToken?: IToken }).previousToken;
  const ruleStack = error.context?.ruleStack ?? [];
  const rule = ruleStack[ruleStack.length - 1];
  let expected: string;
  if (error.name === 'MismatchedTokenException') {
    const name = /-->\s*(\w+)\s*<--/.exec(error.message)?.[1] ?? '';
    expected = TOKEN_WORDS[name] ?? `"${name}"`;
  } else if (error.name === 'NotAllInputParsedException') {
    expected = '"and", "or" or the end of the expression';
  } else if (rule === 'reference') {
    expected = 'a field name';
  } else {
    expected = 'a value (a field, a literal, a list or a parenthesised expression)';
  }
  if (atEnd) {
    // chevrotain's EOF token has offset -1: place the error at the last real token instead.
    const last = previous && previous.tokenType !== EOF && previous.startOffset >= 0 ? previous : null;
    const offset = last ? last.startOffset : text.length;
    return { message: `expected ${expected} after ${last ? `"${last.image}"` : 'the start'}, found the end of the expression`, offset, length: last ? last.image.length : 0 };
  }
  let message = `expected ${expected}, found ${describe(token)}`;
  if (error.name === 'NotAllInputParsedException' && token.tokenType === T.Identifier && /^(and|or|not|in)$/i.test(token.image)) {
    message += ` (operators are lowercase: ${token.image.toLowerCase()})`;
  } else if (error.name === 'NotAllInputParsedException' && token.tokenType.CATEGORIES?.includes(T.CompareOperator)) {
    message = `comparisons do not chain: found a second ${describe(token)}; combine two comparisons with "and"`;
  }
  return { message, offset: token.startOffset, length: token.image.length };
}
