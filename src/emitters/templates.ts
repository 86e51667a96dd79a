/**
 * Handlebars for shell scripts and markdown only (architecture.md): strict mode (a missing value is an
 * error, not an empty string), no HTML escaping, and explicit helpers: `{{sh x}}` quotes for POSIX shells,
 * `{{md x}}` escapes a markdown table cell. A template that prints a policy value without one is a bug.
 * Templates are parsed by Handlebars and rendered by template-renderer.ts, which writes what Handlebars'
 * runtime writes without its per-call garbage, and leaves anything outside its subset to that runtime.
 */
import Handlebars from 'handlebars';
import { compile as compileRenderer, FALLBACK, type ValueHelper } from './template-renderer.js';

/** POSIX single-quote escaping: safe for any byte string except NUL. */
export function shellQuote(value: unknown): string {
  const text = String(value);
  if (text.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell script');
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Escapes a markdown table cell: pipes, backslashes, line breaks, and HTML-significant characters. */
const MARKDOWN_SPECIAL = /[\\|<>\r\n`*_[\]]/;
const MARKDOWN_ESCAPES = /\r?\n|[\\|<>`*_[\]]/g;
/** What each special character becomes; the emphasis characters (`` ` * _ [ ] ``) get a backslash. */
const MARKDOWN_ESCAPE: Readonly<Record<string, string>> = { '\\': '\\\\', '|': '\\|', '<': '&lt;', '>': '&gt;', '\n': '<br>', '\r\n': '<br>' };

export function markdownCell(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value ?? '');
  if (!MARKDOWN_SPECIAL.test(text)) return text;
  return text.replace(MARKDOWN_ESCAPES, (c) => MARKDOWN_ESCAPE[c] ?? `\\${c}`);
}

/** Helpers of values: the same functions for Handlebars and for template-renderer.ts (which calls them with exactly `length` parameters). */
const VALUE_HELPERS: Readonly<Record<string, ValueHelper>> = {
  sh: (value: unknown) => shellQuote(value),
  md: (value: unknown) => markdownCell(value),
  eq: (a: unknown, b: unknown) => a === b,
  join: (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(String(sep)) : ''),
};

const runtime = Handlebars.create();
// Handlebars adds its options argument, which these never read.
for (const [name, helper] of Object.entries(VALUE_HELPERS)) runtime.registerHelper(name, helper as Handlebars.HelperDelegate);

/**
 * Helpers templates may call: the ones above and handlebars' block helpers. Declaring them lets
 * handlebars call them directly instead of looking each name up at render time (10,000 runbooks:
 * ~860 -> ~720 ms), and makes an unknown helper a compile error.
 */
const KNOWN_HELPERS = Object.fromEntries(['sh', 'md', 'eq', 'join', 'if', 'unless', 'each', 'with'].map((name) => [name, true]));

/** Each template's own renderer (template-renderer.ts), for the partials a renderer includes. */
const renderers = new WeakMap<object, (ctx: unknown) => string>();
const partials = new Map<string, (ctx: unknown) => string>();

/** A template rendered by template-renderer.ts alone, or null when it uses what that renderer does not know. */
export function compileWithoutHandlebars(source: string): ((ctx: unknown) => string) | null {
  return compileRenderer(source, { helpers: VALUE_HELPERS, partial: (name) => partials.get(name) });
}

/** A template rendered by Handlebars alone (what template-renderer.ts must match). */
export function compileWithHandlebars<T>(source: string): (data: T) => string {
  return runtime.compile<T>(source, { strict: true, noEscape: true, knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true });
}

/**
 * A template: rendered by template-renderer.ts when it keeps to the subset that renderer knows (every
 * shipped template does: a test checks), else by Handlebars, which also renders whatever the renderer
 * refuses at render time. Both are compiled on first use.
 */
export function compileTemplate<T>(source: string): (data: T) => string {
  let handlebars: ((data: T) => string) | undefined;
  const slow = (data: T) => (handlebars ??= compileWithHandlebars<T>(source))(data);
  let fast: ((ctx: unknown) => string) | null | undefined;
  const render = (ctx: unknown): string => {
    if (fast === undefined) fast = compileWithoutHandlebars(source);
    if (fast === null) return slow(ctx as T);
    try {
      return fast(ctx);
    } catch (error) {
      if (error === FALLBACK) return slow(ctx as T);
      throw error;
    }
  };
  const template = (data: T): string => render(data);
  renderers.set(template, render);
  return template;
}

/** A compiled template that other templates include with `{{> name}}`. */
export function registerPartial(name: string, template: (data: never) => string): void {
  runtime.registerPartial(name, template as Handlebars.Template);
  const render = renderers.get(template);
  if (render) partials.set(name, render);
}
