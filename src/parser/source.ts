/**
 * Where every value of a policy came from. Built once while the YAML tree is turned into plain data,
 * so a JSON pointer resolves to a source range in O(depth) without walking YAML again.
 */
import { isMap, isScalar, type LineCounter, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

/** [start, end) offsets into the policy text. */
export type Span = [number, number];

export type ScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED' | 'OTHER';

/**
 * The yaml node a converted container came from. Children are looked up on the node itself (keeping
 * no per-key tables keeps large policies cheap); maps with many keys get a key index on first lookup.
 */
export type ContainerNode = YAMLMap | YAMLSeq;

interface Child {
  key: Span;
  value: Span;
  style: ScalarStyle;
}

export interface Position {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export class SourceIndex {
  /** Converted container → yaml node; emptied by `release()`. */
  containers = new WeakMap<object, ContainerNode>();
  private keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  private lines: LineCounter | null;

  constructor(
    readonly file: string,
    readonly text: string,
    lineCounter: LineCounter,
    readonly root: unknown,
  ) {
    this.lines = lineCounter;
  }

  /**
   * Drops the yaml tree (reachable only through the container map) and the line table, for callers done
   * with positions (`drc build` after lint: on a 10,000-service policy the tree is hundreds of megabytes).
   * Afterwards every pointer resolves to the start of the document, and `position` counts lines in the text.
   */
  release(): void {
    this.containers = new WeakMap();
    this.keyIndexes = new WeakMap();
    this.lines = null;
  }

  /** 1-based line/column range of the span. */
  position(span: Span): Position {
    const start = this.linePos(span[0]);
    const end = this.linePos(Math.max(span[0], span[1]));
    return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
  }

  private linePos(offset: number): { line: number; col: number } {
    if (this.lines) return this.lines.linePos(offset);
    // Released: count lines in the text (positions are rare after release).
    const at = Math.max(0, Math.min(offset, this.text.length));
    let line = 1;
    let start = 0;
    for (let i = this.text.indexOf('\n'); i >= 0 && i < at; i = this.text.indexOf('\n', i + 1)) {
      line++;
      start = i + 1;
    }
    return { line, col: at - start + 1 };
  }

  /** Key span, value span and scalar style of one child of a converted container. */
  child(container: object, key: string | number): Child | null {
    const node = this.containers.get(container);
    if (!node) return null;
    if (isMap(node)) {
      const pair = this.pairOf(node, String(key));
      if (!pair) return null;
      const keySpan = spanOf(pair.key as Node | null);
      const value = pair.value as Node | null;
      return { key: keySpan, value: value ? spanOf(value) : [keySpan[1], keySpan[1]], style: styleOf(value) };
    }
    const item = node.items[Number(key)] as Node | null | undefined;
    if (item === undefined) return null;
    const span = item ? spanOf(item) : spanOf(node);
    return { key: span, value: span, style: styleOf(item) };
  }

  /** The span of the container node itself. */
  selfSpan(container: object): Span | null {
    const node = this.containers.get(container);
    return node ? spanOf(node) : null;
  }

  private pairOf(node: YAMLMap, key: string): Pair | undefined {
    if (node.items.length <= 16) {
      // The first occurrence wins, as in the converted data (later duplicates are reported, not kept).
      return node.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
    }
    let index = this.keyIndexes.get(node);
    if (!index) {
      index = new Map();
      for (const pair of node.items) {
        if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair as Pair);
      }
      this.keyIndexes.set(node, index);
    }
    return index.get(key);
  }

  /**
   * The span of the value (or key) at a JSON pointer; when the pointer names something absent,
   * the key of the deepest ancestor that exists (so a missing field points at its owner).
   */
  span(pointer: string, atKey = false): Span {
    const segments = parsePointer(pointer);
    let node: unknown = this.root;
    let best: Span | null = null;
    for (let i = 0; i < segments.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const child = this.child(node, segments[i]!);
      if (!child) break;
      if (i === segments.length - 1) return atKey ? child.key : child.value;
      best = child.key;
      node = (node as Record<string, unknown>)[Array.isArray(node) ? Number(segments[i]) : segments[i]!];
    }
    if (best) return best;
    const self = this.root !== null && typeof this.root === 'object' ? this.selfSpan(this.root) : null;
    return self ? [self[0], self[0]] : [0, 0];
  }

  /** Whether the pointer names a value that is present in the document. */
  has(pointer: string): boolean {
    let node: unknown = this.root;
    for (const segment of parsePointer(pointer)) {
      if (node === null || typeof node !== 'object' || !this.child(node, segment)) return false;
      node = (node as Record<string, unknown>)[Array.isArray(node) ? Number(segment) : segment];
    }
    return true;
  }

  /**
   * The span of characters [offset, offset+length) inside the string scalar at the pointer, accounting
   * for quotes and simple escapes so a column points inside the YAML string as written.
   */
  innerSpan(pointer: string, offset: number, length: number): Span {
    const span = this.span(pointer);
    const style = this.styleOf(pointer);
    const raw = this.text.slice(span[0], span[1]);
    // A scalar over several lines is folded and re-indented by YAML: its characters are found by alignment.
    const value = raw.includes('\n') ? this.valueAt(pointer) : undefined;
    const aligned = typeof value === 'string' ? alignedOffsets(raw, value, style) : null;
    const map = (index: number): number => span[0] + (aligned ? alignedOffset(aligned, index, raw.length) : sourceOffset(raw, style, index));
    const start = map(offset);
    const end = length > 0 ? map(offset + length - 1) + 1 : start;
    return [start, Math.max(start, end)];
  }

  /** The converted value at a JSON pointer (undefined when absent). */
  private valueAt(pointer: string): unknown {
    let node: unknown = this.root;
    for (const segment of parsePointer(pointer)) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[Array.isArray(node) ? Number(segment) : segment];
    }
    return node;
  }

  styleOf(pointer: string): ScalarStyle {
    const segments = parsePointer(pointer);
    if (segments.length === 0) return 'OTHER';
    let node: unknown = this.root;
    for (const segment of segments.slice(0, -1)) {
      if (node === null || typeof node !== 'object') return 'OTHER';
      node = (node as Record<string, unknown>)[Array.isArray(node) ? Number(segment) : segment];
    }
    if (node === null || typeof node !== 'object') return 'OTHER';
    return this.child(node, segments[segments.length - 1]!)?.style ?? 'OTHER';
  }

  locate(pointer: string, atKey = false): Position {
    return this.position(this.span(pointer, atKey));
  }
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Offset in the scalar's source text of the character at `index` in its parsed value.
 * Exact for plain and single-line quoted scalars (escapes included); for block scalars it maps
 * through the content lines, skipping the header and indentation.
 */
export function sourceOffset(raw: string, style: ScalarStyle, index: number): number {
  switch (style) {
    case 'QUOTE_SINGLE': {
      let v = 0;
      for (let i = 1; i < raw.length; i++) {
        if (v === index) return i;
        if (raw[i] === "'" && raw[i + 1] === "'") i++;
        v++;
      }
      return Math.min(index + 1, raw.length);
    }
    case 'QUOTE_DOUBLE': {
      let v = 0;
      for (let i = 1; i < raw.length; i++) {
        if (v === index) return i;
        if (raw[i] === '\\') {
          const next = raw[i + 1];
          if (next === 'x') i += 3;
          else if (next === 'u') i += 5;
          else if (next === 'U') i += 9;
          else i += 1;
        }
        v++;
      }
      return Math.min(index + 1, raw.length);
    }
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED': {
      const headerEnd = raw.indexOf('\n');
      if (headerEnd < 0) return 0;
      let pos = headerEnd + 1;
      const firstLine = raw.slice(pos).match(/^ */);
      const indent = firstLine ? firstLine[0].length : 0;
      let v = 0;
      while (pos < raw.length) {
        pos += Math.min(indent, raw.slice(pos).match(/^ */)![0].length);
        const lineEnd = raw.indexOf('\n', pos);
        const end = lineEnd < 0 ? raw.length : lineEnd;
        const lineLength = end - pos;
        if (index - v <= lineLength) return pos + (index - v);
        v += lineLength + 1;
        pos = end + 1;
      }
      return raw.length;
    }
    default:
      return Math.min(index, raw.length);
  }
}

/**
 * The source offset of each character of a multi-line scalar's value. YAML folds a line break between
 * two lines of a flow or folded scalar into a space, drops indentation and the spaces around breaks,
 * and turns escapes and `''` into one character; walking the source alongside the value, each value
 * character is the next source character that can produce it. Exact for the characters a message points
 * at (everything but the spaces a fold makes, which map to the line break).
 */
export function alignedOffsets(raw: string, value: string, style: ScalarStyle): number[] {
  const out: number[] = [];
  const block = style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED';
  let i = block ? raw.indexOf('\n') + 1 : style === 'QUOTE_SINGLE' || style === 'QUOTE_DOUBLE' ? 1 : 0;
  for (let v = 0; v < value.length; v++) {
    const c = value[v]!;
    while (i < raw.length) {
      const r = raw[i]!;
      if (style === 'QUOTE_DOUBLE' && r === '\\' && raw[i + 1] !== '\n' && raw[i + 1] !== '\r') {
        out.push(i);
        i += escapeLength(raw, i);
        break;
      }
      if (style === 'QUOTE_SINGLE' && r === "'" && raw[i + 1] === "'" && c === "'") {
        out.push(i);
        i += 2;
        break;
      }
      if (r === c || (r === '\n' && (c === ' ' || c === '\n'))) {
        out.push(i);
        i++;
        break;
      }
      i++; // indentation, spaces around a fold, `\r`, an escaped line break
    }
    if (out.length === v) out.push(raw.length); // not found: the end
  }
  return out;
}

/** Source length of the escape sequence at `i` of a double-quoted scalar. */
function escapeLength(raw: string, i: number): number {
  const next = raw[i + 1];
  return next === 'x' ? 4 : next === 'u' ? 6 : next === 'U' ? 10 : 2;
}

/** The source offset of value index `index` (one past the last character for the end). */
function alignedOffset(aligned: readonly number[], index: number, rawLength: number): number {
  if (index < aligned.length) return aligned[index]!;
  return aligned.length > 0 ? Math.min(rawLength, aligned[aligned.length - 1]! + 1) : 0;
}

export function spanOf(node: Node | null | undefined): Span {
  const range = node?.range;
  if (!range) return [0, 0];
  return [range[0], range[1]];
}

export function styleOf(node: Node | null | undefined): ScalarStyle {
  if (!node || !isScalar(node)) return 'OTHER';
  switch (node.type) {
    case 'PLAIN':
    case 'QUOTE_SINGLE':
    case 'QUOTE_DOUBLE':
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      return node.type;
    default:
      return 'OTHER';
  }
}
