/**
 * Phase 1: YAML text → plain data + a SourceIndex, in one walk of the yaml AST.
 * Duplicate keys are found here in linear time (yaml's own check is quadratic on large maps),
 * and alias expansion and nesting depth are bounded so hostile input cannot exhaust memory or stack.
 *
 * A number that is not finite (`.inf`, `.nan`, `1e400`) is reported here and handed on as `undefined`:
 * the one value YAML never produces, so later phases read it as absent and the schema phase knows it
 * was already reported (src/model/schema.ts).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLError } from 'yaml';
import type { Finding } from '../checker/rule.js';
import { pointerSegment } from '../diagnostics.js';
import { SourceIndex, spanOf, type ContainerNode, type Span } from './source.js';

/** Nodes an alias may bring in, in all; past this the document is rejected (alias bombs). */
export const MAX_ALIAS_NODES = 10_000;
/** Nesting past this depth is rejected before it can exhaust the stack. */
export const MAX_DEPTH = 64;

export interface LoadFinding extends Finding {
  rule: 'syntax' | 'schema';
  /** Absolute span in the text, for findings that have no pointer (syntax errors). */
  span?: Span;
}

export interface Loaded {
  data: unknown;
  source: SourceIndex;
  findings: LoadFinding[];
  /** True when the text is not usable YAML (syntax errors): later phases must not run. */
  fatal: boolean;
}

export function loadYaml(text: string, file: string): Loaded {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
    version: '1.2',
    strict: true,
    stringKeys: false,
  });
  const syntax = firstSyntaxError(text, doc.errors);
  if (syntax) {
    const source = new SourceIndex(file, text, lineCounter, null);
    return { data: null, source, findings: [syntax], fatal: true };
  }
  const findings: LoadFinding[] = [];
  const walker = new Walker(doc, text, findings);
  const data = doc.contents ? walker.convertRoot(doc.contents as Node) : null;
  const source = new SourceIndex(file, text, lineCounter, data);
  for (const [container, node] of walker.containers) source.containers.set(container, node);
  return { data, source, findings, fatal: walker.fatal };
}

/** The syntax error to report: yaml's first, unless a character YAML forbids comes before it. */
function firstSyntaxError(text: string, errors: readonly YAMLError[]): LoadFinding | null {
  const character = forbiddenCharacter(text);
  const first = errors[0];
  const parsed = first ? syntaxFinding(text, first) : null;
  if (character && (!parsed || character.span![0] <= parsed.span![0])) return character;
  return parsed;
}

function syntaxFinding(text: string, error: YAMLError): LoadFinding {
  const start = error.pos[0];
  if (error.code === 'MULTIPLE_DOCS') {
    // Point at the second document's first line (its `---`), not at everything after it.
    const lineEnd = text.indexOf('\n', start);
    const end = lineEnd < 0 ? text.length : lineEnd;
    return { rule: 'syntax', path: '', span: [start, Math.max(start + 1, end)], message: 'a policy is one YAML document; a second one starts here' };
  }
  return { rule: 'syntax', path: '', span: [start, Math.max(start + 1, error.pos[1])], message: firstLine(error.message) };
}

/**
 * C0 control characters other than tab, LF and CR are not allowed anywhere in YAML 1.2 (not even
 * quoted; `"\0"` escapes are fine), and a lone surrogate cannot come from UTF-8. U+FFFD is what a
 * byte sequence that is not UTF-8 becomes when the file is read, so it stands for invalid UTF-8.
 */
const FORBIDDEN_CHARACTER = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function forbiddenCharacter(text: string): LoadFinding | null {
  const match = FORBIDDEN_CHARACTER.exec(text);
  if (!match) return null;
  const start = match.index;
  const code = match[0].charCodeAt(0);
  const message =
    code === 0xfffd
      ? 'invalid UTF-8: these bytes are not UTF-8 text (read as U+FFFD); a policy must be UTF-8'
      : `character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in YAML${code < 0x20 ? ' (a control character)' : ''}`;
  return { rule: 'syntax', path: '', span: [start, start + 1], message };
}

function firstLine(message: string): string {
  // yaml reports a stack overflow on extreme nesting as an ordinary error; say what it means.
  if (message.includes('Maximum call stack size exceeded')) return `nesting deeper than ${MAX_DEPTH} levels`;
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/** The field a pointer names, for messages: `/tiers/t1/min_regions` → `min_regions`, `/regions/secondary/0` → `secondary[0]`. */
function fieldName(pointer: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = segments.pop() ?? '';
  const parent = segments.pop();
  return /^\d+$/.test(last) && parent !== undefined ? `${parent}[${last}]` : last;
}

/** A number YAML can write but JSON and the policy cannot use; its source text is kept for the message. */
class NonFinite {
  constructor(readonly number: number, readonly text: string) {}
}

class Walker {
  readonly containers: [object, ContainerNode][] = [];
  fatal = false;
  private aliasNodes = 0;
  private readonly sizes = new Map<Node, number>();

  constructor(
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly text: string,
    private readonly findings: LoadFinding[],
  ) {}

  /** The document's data; a non-finite number alone is left as it is (the policy is not a mapping anyway). */
  convertRoot(node: Node): unknown {
    const value = this.convert(node, '', 0);
    return value instanceof NonFinite ? value.number : value;
  }

  private convert(node: Node, pointer: string, depth: number): unknown {
    if (this.fatal) return null;
    if (depth > MAX_DEPTH) {
      this.fail(node, `nesting deeper than ${MAX_DEPTH} levels`);
      return null;
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        // yaml leaves such an alias unresolved (read as null); YAML 1.2 says it is an error.
        this.fail(node, `alias "*${node.source}" refers to no anchor defined before it`, 'syntax');
        return null;
      }
      this.aliasNodes += this.size(target as Node, 0);
      if (this.aliasNodes > MAX_ALIAS_NODES) {
        this.fail(node, `aliases expand to more than ${MAX_ALIAS_NODES} nodes`);
        return null;
      }
      return this.convert(target as Node, pointer, depth + 1);
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      this.containers.push([out, node]);
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
          this.findings.push({
            rule: 'schema',
            path: pointer,
            span: spanOf(keyNode ?? node),
            message: 'keys must be plain strings',
          });
          continue;
        }
        const key = String(keyNode.value);
        const keySpan = spanOf(keyNode);
        // Pointers are only built where they can be needed: not for scalars, the bulk of a policy.
        const childPointer = () => `${pointer}/${pointerSegment(key)}`;
        if (Object.prototype.hasOwnProperty.call(out, key)) {
          this.findings.push({ rule: 'schema', path: childPointer(), span: keySpan, message: `duplicate key "${key}"` });
          continue;
        }
        const valueNode = pair.value as Node | null;
        const value = valueNode
          ? this.settle(this.convert(valueNode, isScalar(valueNode) ? '' : childPointer(), depth + 1), valueNode, childPointer)
          : null;
        // defineProperty keeps a key named __proto__ an ordinary key; plain assignment is much faster.
        if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
      return out;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      this.containers.push([out, node]);
      node.items.forEach((item, index) => {
        const itemNode = item as Node | null;
        const itemPointer = () => `${pointer}/${index}`;
        out.push(itemNode ? this.settle(this.convert(itemNode, itemPointer(), depth + 1), itemNode, itemPointer) : null);
      });
      return out;
    }
    if (isScalar(node)) {
      const value = typeof node.value === 'bigint' ? Number(node.value) : node.value;
      if (value instanceof Uint8Array) return this.text.slice(...spanOf(node));
      if (typeof value === 'number' && !Number.isFinite(value)) return new NonFinite(value, this.text.slice(...spanOf(node)));
      return value;
    }
    return null;
  }

  /** Node count of a subtree, memoised so nested aliases cost linear time to measure. */
  private size(node: Node, depth: number): number {
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    if (depth > MAX_DEPTH) return MAX_ALIAS_NODES + 1;
    let total = 1;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      total = target ? this.size(target as Node, depth + 1) : 1;
    } else if (isMap(node)) {
      for (const pair of node.items) {
        total += 1 + (pair.value ? this.size(pair.value as Node, depth + 1) : 0);
        if (total > MAX_ALIAS_NODES) break;
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        total += this.size(item as Node, depth + 1);
        if (total > MAX_ALIAS_NODES) break;
      }
    }
    this.sizes.set(node, total);
    return total;
  }

  /**
   * A value as its container keeps it: a non-finite number (reached directly or through an alias) is
   * reported where it is used and becomes undefined, i.e. absent for every later phase.
   */
  private settle(value: unknown, node: Node, pointer: () => string): unknown {
    if (!(value instanceof NonFinite)) return value;
    const path = pointer();
    this.findings.push({
      rule: 'schema',
      path,
      span: spanOf(node),
      message: `${fieldName(path)}: expected a finite number, got ${value.text}`,
      hint: 'YAML reads .inf, .nan and numbers beyond about 1.8e308 as not finite; write a finite number, or quote the value if it is text',
    });
    return undefined;
  }

  private fail(node: Node, message: string, rule: LoadFinding['rule'] = 'schema'): void {
    this.fatal = true;
    this.findings.push({ rule, path: '', span: spanOf(node), message });
  }
}
