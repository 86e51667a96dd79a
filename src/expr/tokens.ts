/**
 * Tokens of the custom-rule expression language (policy-language.md §8) and the one lexer built
 * from them. Order matters: quantities (`30d`, `200GiB`, `300MiB/s`) before plain numbers, keywords
 * before identifiers (with `longer_alt` so `android` is an identifier, not `and` + `roid`),
 * two-character operators before one-character ones.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });

/** A number followed by a unit, optionally `/s`: a duration, size or rate; the visitor classifies it. */
export const Quantity = createToken({ name: 'Quantity', pattern: /\d+(?:\.\d+)?[A-Za-z]+(?:\/[A-Za-z]*)?/ });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?/ });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/ });

/** Path segments and function names; `-` is allowed inside (label keys such as `cost-center`). */
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/ });

const keyword = (name: string, word: string): TokenType =>
  createToken({ name, pattern: new RegExp(`${word}`), longer_alt: Identifier });
export const And = keyword('And', 'and');
export const Or = keyword('Or', 'or');
export const Not = keyword('Not', 'not');
export const In = keyword('In', 'in');
export const True = keyword('True', 'true');
export const False = keyword('False', 'false');
export const Null = keyword('Null', 'null');

export const CompareOperator = createToken({ name: 'CompareOperator', pattern: Lexer.NA });
const compare = (name: string, text: string): TokenType =>
  createToken({ name, pattern: text, categories: [CompareOperator] });
export const EqualEqual = compare('EqualEqual', '==');
export const NotEqual = compare('NotEqual', '!=');
export const LessEqual = compare('LessEqual', '<=');
export const GreaterEqual = compare('GreaterEqual', '>=');
export const Less = compare('Less', '<');
export const Greater = compare('Greater', '>');

export const LParen = createToken({ name: 'LParen', pattern: '(' });
export const RParen = createToken({ name: 'RParen', pattern: ')' });
export const LBracket = createToken({ name: 'LBracket', pattern: '[' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']' });
export const Comma = createToken({ name: 'Comma', pattern: ',' });
export const Dot = createToken({ name: 'Dot', pattern: '.' });

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Quantity,
  NumberLiteral,
  StringLiteral,
  And,
  Or,
  Not,
  In,
  True,
  False,
  Null,
  Identifier,
  CompareOperator,
  EqualEqual,
  NotEqual,
  LessEqual,
  GreaterEqual,
  Less,
  Greater,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Dot,
];

let lexer: Lexer | undefined;

/** Created on first use (a lint without custom rules never builds it), reused for every expression. */
export function exprLexer(): Lexer {
  return (lexer ??= new Lexer(ALL_TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: false }));
}
