/**
 * Whether terminal output should be coloured.
 * - FORCE_COLOR (Node / supports-color convention) wins when set: `0` or `false` disable, anything
 *   else (`1`, `2`, `3`, `true`, empty) enables. Node documents that it takes precedence over NO_COLOR.
 * - NO_COLOR (no-color.org): present and non-empty disables.
 * - Otherwise colour only on a TTY whose TERM is not `dumb`.
 */
export function shouldUseColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}
