/**
 * Phase 1: YAML text → plain data + a SourceIndex, in one walk of the yaml AST.
 * Duplicate keys are found here in linear time (yaml's own check is quadratic on large maps),
 * and alias expansion and nesting depth are bounded so hostile input cannot exhaust memory or stack.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
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
  const findings: LoadFinding[] = [];
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
    version: '1.2',
    strict: true,
    stringKeys: false,
  });
  for (const error of doc.errors) {
    const start = error.pos[0];
    findings.push({
      rule: 'syntax',
      path: '',
      span: [start, Math.max(start + 1, error.pos[1])],
      message: firstLine(error.message),
    });
  }
  if (findings.length > 0) {
    const source = new SourceIndex(file, text, lineCounter, null);
    return { data: null, source, findings: findings.slice(0, 1), fatal: true };
  }
  const walker = new Walker(doc, text, findings);
  const data = doc.contents ? walker.convert(doc.contents as Node, '', 0) : null;
  const source = new SourceIndex(file, text, lineCounter, data);
  for (const [container, node] of walker.containers) source.containers.set(container, node);
  return { data, source, findings, fatal: walker.fatal };
}

function firstLine(message: string): string {
  // yaml reports a stack overflow on extreme nesting as an ordinary error; say what it means.
  if (message.includes('Maximum call stack size exceeded')) return `nesting deeper than ${MAX_DEPTH} levels`;
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
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

  convert(node: Node, pointer: string, depth: number): unknown {
    if (this.fatal) return null;
    if (depth > MAX_DEPTH) {
      this.fail(node, `nesting deeper than ${MAX_DEPTH} levels`);
      return null;
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) return null;
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
        const value = valueNode ? this.convert(valueNode, isScalar(valueNode) ? '' : childPointer(), depth + 1) : null;
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
        out.push(itemNode ? this.convert(itemNode, `${pointer}/${index}`, depth + 1) : null);
      });
      return out;
    }
    if (isScalar(node)) {
      const value = node.value;
      if (typeof value === 'bigint') return Number(value);
      if (value instanceof Uint8Array) return this.text.slice(...spanOf(node));
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

  private fail(node: Node, message: string): void {
    this.fatal = true;
    this.findings.push({ rule: 'schema', path: '', span: spanOf(node), message });
  }
}
