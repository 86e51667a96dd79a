/** Format registry. Each reporter is imported on demand so the CLI only loads the one it prints. */
import type { Reporter } from './types.js';

export type { ReportInput, Reporter } from './types.js';
export { shouldUseColor } from './color.js';

export const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

const LOADERS: Record<Format, () => Promise<Reporter>> = {
  stylish: async () => (await import('./stylish.js')).stylish,
  json: async () => (await import('./json.js')).json,
  sarif: async () => (await import('./sarif.js')).sarif,
  github: async () => (await import('./github.js')).github,
  junit: async () => (await import('./junit.js')).junit,
  gitlab: async () => (await import('./gitlab.js')).gitlab,
};

/** Throws on an unknown name with the list of valid ones (the CLI turns that into exit 2). */
export async function loadReporter(name: string): Promise<Reporter> {
  if (!isFormat(name)) throw new Error(`unknown format "${name}"; expected one of: ${FORMATS.join(', ')}`);
  return LOADERS[name]();
}
