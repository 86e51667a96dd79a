import type { RuleMeta } from '../checker/rule.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Policy } from '../model/types.js';

/** One output file, in memory until the build writes every file at once. */
export interface Artifact {
  /** Relative path inside the output folder, forward slashes. */
  path: string;
  content: string;
  /** 0o755 for scripts; 0o644 otherwise. */
  executable?: boolean;
  /**
   * Written all the same, but the tool that consumes the file will refuse it (e.g. a CloudFormation stack
   * over AWS's quotas): the build prints this after the path, on stderr.
   */
  warning?: string;
}

export interface EmitContext {
  policy: Policy;
  /** The lint run's diagnostics (no errors when emitting), for the compliance report. */
  diagnostics: Diagnostic[];
  rules: RuleMeta[];
  drcVersion: string;
}

/**
 * One of `count` parts of a family, so that build threads can share a family with a file per service:
 * the services whose position in name order is `index` modulo `count`, and, in part 0, the files the
 * services share. Without a part, the whole family.
 */
export interface EmitPart {
  index: number;
  count: number;
}

/**
 * An artifact family: data in, files out. No I/O. Families with many files yield them one at a time
 * (a generator), so the build writes and drops each one before the next is rendered.
 */
export type Emitter = (context: EmitContext, part?: EmitPart) => Iterable<Artifact>;
