/**
 * Where every value of a policy came from. Built once while the YAML tree is turned into plain data,
 * so a JSON pointer resolves to a source range in O(depth) without walking YAML again.
 */
import type { LineCounter } from 'yaml';

/** [start, end) offsets into the policy text. */
export type Span = [number, number];

export type ScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED' | 'OTHER';

/** Ranges of one container's children, keyed by map key or array index. */
export interface ContainerRanges {
  self: Span;
  keys: Map<string | number, Span>;
  values: Map<string | number, Span>;
  styles: Map<string | number, ScalarStyle>;
}

export interface Position {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export class SourceIndex {
  readonly containers = new WeakMap<object, ContainerRanges>();

  constructor(
    readonly file: string,
    readonly text: string,
    readonly lineCounter: LineCounter,
    readonly root: unknown,
  ) {}

  /** 1-based line/column range of the span. */
  position(span: Span): Position {
    const start = this.lineCounter.linePos(span[0]);
    const end = this.lineCounter.linePos(Math.max(span[0], span[1]));
    return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
  }

  /**
   * The span of the value (or key) at a JSON pointer; when the pointer names something absent,
   * the key of the deepest ancestor that exists (so a missing field points at its owner).
   */
  span(pointer: string, atKey = false): Span {
    const segments = parsePointer(pointer);
    let node: unknown = this.root;
    let best: Span = [0, 0];
    for (let i = 0; i < segments.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const ranges = this.containers.get(node);
      if (!ranges) break;
      const key: string | number = Array.isArray(node) ? Number(segments[i]) : segments[i]!;
      const value = ranges.values.get(key);
      const keySpan = ranges.keys.get(key);
      if (!value) break;
      const last = i === segments.length - 1;
      if (last) return atKey && keySpan ? keySpan : value;
      best = keySpan ?? value;
      node = (node as Record<string | number, unknown>)[key];
    }
    if (best[0] === 0 && best[1] === 0) {
      const rootRanges = this.root !== null && typeof this.root === 'object' ? this.containers.get(this.root) : undefined;
      if (rootRanges) return [rootRanges.self[0], rootRanges.self[0]];
    }
    return best;
  }

  /** Whether the pointer names a value that is present in the document. */
  has(pointer: string): boolean {
    const segments = parsePointer(pointer);
    let node: unknown = this.root;
    for (const segment of segments) {
      if (node === null || typeof node !== 'object') return false;
      const ranges = this.containers.get(node);
      const key: string | number = Array.isArray(node) ? Number(segment) : segment;
      if (!ranges?.values.has(key)) return false;
      node = (node as Record<string | number, unknown>)[key];
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
    const map = (index: number): number => span[0] + sourceOffset(raw, style, index);
    const start = map(offset);
    const end = length > 0 ? map(offset + length - 1) + 1 : start;
    return [start, Math.max(start, end)];
  }

  styleOf(pointer: string): ScalarStyle {
    const segments = parsePointer(pointer);
    if (segments.length === 0) return 'OTHER';
    const parentPointer = segments.slice(0, -1);
    let node: unknown = this.root;
    for (const segment of parentPointer) {
      if (node === null || typeof node !== 'object') return 'OTHER';
      node = (node as Record<string, unknown>)[Array.isArray(node) ? Number(segment) : segment];
    }
    if (node === null || typeof node !== 'object') return 'OTHER';
    const last = segments[segments.length - 1]!;
    return this.containers.get(node)?.styles.get(Array.isArray(node) ? Number(last) : last) ?? 'OTHER';
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
