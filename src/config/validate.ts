/**
 * Validation of drc's own files (.drc.yaml, .drc-baseline.json) with the validators compiled at build
 * time, errors as `file:line:column: message` lines located with loadYaml's SourceIndex (JSON is YAML,
 * so the same loader gives positions for the baseline file).
 */
import type { ErrorObject } from 'ajv';
import { UsageError } from '../cli/io.js';
import { pointerSegment } from '../diagnostics.js';
import { loadYaml } from '../parser/load.js';
import type { SourceIndex } from '../parser/source.js';

/** A problem with a configuration or baseline file: exit 2, every line `file:line:column: message`. */
export class ConfigError extends UsageError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const TYPE_WORDS: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', 'string,array': 'a string or a list' };

/** Parses YAML/JSON text with positions; a syntax error is a ConfigError. */
export function parseWithPositions(text: string, file: string): { data: unknown; source: SourceIndex } {
  const loaded = loadYaml(text, file);
  const problems = loaded.findings.map((f) => {
    const position = f.span ? loaded.source.position(f.span) : loaded.source.locate(f.path, f.atKey);
    return `${file}:${position.line}:${position.column}: ${f.message}`;
  });
  if (problems.length > 0 || loaded.fatal) throw new ConfigError(problems.length ? problems : [`${file}:1:1: not valid YAML/JSON`]);
  return { data: loaded.data, source: loaded.source };
}

/** Runs the validator; every error as a located line (empty when valid). */
export function validationProblems(validate: CompiledValidator, data: unknown, source: SourceIndex, file: string): string[] {
  if (validate(data)) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    let at = error.instancePath;
    let atKey = false;
    let message: string;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'additionalProperties':
        at = `${at}/${pointerSegment(String(params.additionalProperty))}`;
        atKey = true;
        message = `unknown key "${String(params.additionalProperty)}"`;
        break;
      case 'propertyNames':
        continue; // the pattern error below says which name
      case 'pattern': {
        const name = (error as ErrorObject & { propertyName?: string }).propertyName;
        if (name !== undefined) {
          at = `${at}/${pointerSegment(name)}`;
          atKey = true;
          message = `"${name}" is not a rule id (expected e.g. rpo-feasible or acme/pci-kms)`;
        } else {
          message = `must match ${String(params.pattern)}`;
        }
        break;
      }
      case 'enum':
        message = `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(valueAt(data, at))}`;
        break;
      case 'const':
        message = `expected ${JSON.stringify(params.allowedValue)}, got ${JSON.stringify(valueAt(data, at))}`;
        break;
      case 'type': {
        const type = Array.isArray(params.type) ? params.type.join(',') : String(params.type);
        message = `expected ${TYPE_WORDS[type] ?? type}`;
        break;
      }
      case 'required':
        message = `missing required key "${String(params.missingProperty)}"`;
        break;
      default:
        message = error.message ?? 'invalid';
    }
    const position = source.locate(at, atKey);
    const line = `${file}:${position.line}:${position.column}: ${message}${at ? ` (at ${at})` : ''}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}
