/** A minimal INI serialiser for pgBackRest configuration: data in, text out, every value checked. */

export interface IniSection {
  name: string;
  /** Comment lines written above the section header (without `#`). */
  comment?: string[];
  entries: [key: string, value: string | number | boolean][];
}

const KEY = /^[a-z0-9][a-z0-9-]*$/;
const SECTION = /^[a-z0-9][a-z0-9:-]*$/;

export function iniValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'y' : 'n';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`drc: ini value ${value} is not a finite number`);
    return String(value);
  }
  if (/[\r\n\0]/.test(value)) throw new Error(`drc: ini value ${JSON.stringify(value)} contains a line break or NUL`);
  if (value !== value.trim()) throw new Error(`drc: ini value ${JSON.stringify(value)} has leading or trailing blanks`);
  if (value === '') throw new Error('drc: empty ini value');
  return value;
}

function commentLine(text: string): string {
  if (/[\r\n\0]/.test(text)) throw new Error('drc: ini comment contains a line break');
  return text === '' ? '#' : `# ${text}`;
}

export function toIni(sections: IniSection[], header: string[] = []): string {
  const lines: string[] = header.map(commentLine);
  const seen = new Set<string>();
  for (const section of sections) {
    if (!SECTION.test(section.name)) throw new Error(`drc: invalid ini section name "${section.name}"`);
    if (seen.has(section.name)) throw new Error(`drc: duplicate ini section "${section.name}"`);
    seen.add(section.name);
    if (lines.length > 0) lines.push('');
    for (const c of section.comment ?? []) lines.push(commentLine(c));
    lines.push(`[${section.name}]`);
    const keys = new Set<string>();
    for (const [key, value] of section.entries) {
      if (!KEY.test(key)) throw new Error(`drc: invalid ini key "${key}"`);
      if (keys.has(key)) throw new Error(`drc: duplicate ini key "${key}" in [${section.name}]`);
      keys.add(key);
      lines.push(`${key}=${iniValue(value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
