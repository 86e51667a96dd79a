/**
 * `drc verify [FILE]`: read the live buckets and backups with the S3 API and report drift, stale or
 * missing backups, missing replica copies, corrupt payloads (--deep) and stale restore tests
 * (policy-language.md §11; docs/verify.md). The AWS SDK is loaded here only, on demand.
 *
 * Exit: 0 no findings at error, 1 findings at error, 2 usage, unusable policy, or nothing could be
 * checked (e.g. the endpoint is unreachable for every bucket).
 */
import { resolve } from 'node:path';
import { lintText } from '../checker/index.js';
import { parseDirectives, suppresses } from '../checker/suppressions.js';
import { summarize, type Diagnostic } from '../diagnostics.js';
import { writesToS3 } from '../emitters/aws/names.js';
import { orderKeys } from '../reporters/json.js';
import { DRC_VERSION } from '../generated/version.js';
import { suggest } from '../model/suggest.js';
import { VERIFY_RULES } from '../verify/rules.js';
import type { VerifyResult } from '../verify/index.js';
import { displayPath, EXIT, readPolicy, UsageError, type Io } from './io.js';
import { exitCodeFor, outputTargets, printReports } from './lint.js';

export interface VerifyCliOptions {
  /** S3 endpoint for every region (DRC_ENDPOINT_URL_<REGION> overrides it per region); implies path-style addressing. */
  endpoint?: string;
  /** Only this service (and the buckets of its storage). */
  service?: string;
  /** Download the newest complete backup in every bucket and check sha256 and size against its manifest. */
  deep?: boolean;
  /** Output formats as for lint (`json` adds a `services` object with the measured RPO). */
  format?: string[];
  outputFile?: string[];
  /** AWS profile (else AWS_PROFILE / the SDK default credential chain). */
  profile?: string;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** false with --no-progress; the progress line is shown only when stderr is a terminal. */
  progress?: boolean;
  color?: boolean;
}

/** Lint rules whose errors make the Model unusable for verify (what build would emit is undefined). */
const STRUCTURAL_RULES = new Set(['syntax', 'schema', 'invalid-value', 'unknown-reference']);

export async function runVerify(io: Io, file: string, opts: VerifyCliOptions): Promise<number> {
  const targets = outputTargets(opts.format, opts.outputFile, io.env);
  const concurrency = opts.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--concurrency takes a whole number from 1 to 256, got "${opts.concurrency}"`);
  if (opts.endpoint !== undefined && !/^https?:\/\/[^/]/.test(opts.endpoint)) throw new UsageError(`--endpoint takes an http(s) URL, got "${opts.endpoint}"`);
  const text = readPolicy(io, file);
  const shown = displayPath(io.cwd, file);
  const lint = lintText(text, shown);
  const blocking = lint.diagnostics.filter((d) => !d.suppressed && d.severity === 'error' && STRUCTURAL_RULES.has(d.rule));
  if (!lint.policy || blocking.length > 0) {
    const errIo: Io = { ...io, stdout: io.stderr };
    await printReports(errIo, outputTargets(['stylish'], undefined, io.env), blocking.length ? blocking : lint.diagnostics, lint.rules, new Map([[shown, text]]), opts.color !== false);
    io.stderr(`drc: ${shown} has errors (drc lint); nothing was verified\n`);
    return EXIT.usage;
  }
  const policy = lint.policy;
  if (opts.service !== undefined) {
    const service = policy.servicesByName.get(opts.service);
    if (!service) {
      const guess = suggest(opts.service, [...policy.servicesByName.keys()]);
      throw new UsageError(`no service "${opts.service}" in ${shown}${guess ? ` (did you mean "${guess}"?)` : ''}`);
    }
    if (!writesToS3(service)) throw new UsageError(`service "${opts.service}" has no S3 storage to verify (kind ${service.kind})`);
  }

  const progress = progressLine(io, opts.progress !== false);
  const { createS3Access } = await import('../verify/s3.js');
  const { verifyPolicy } = await import('../verify/index.js');
  const access = await createS3Access({ endpoint: opts.endpoint, env: io.env, profile: opts.profile, concurrency });
  let result: VerifyResult;
  try {
    result = await verifyPolicy(policy, access, { service: opts.service, deep: opts.deep, onProgress: progress.update });
  } finally {
    progress.done();
    access.close();
  }

  const diagnostics = applyVerifySuppressions(text, result.diagnostics);
  const sources = new Map([[shown, text]]);
  for (const target of targets) {
    if (target.format === 'json') {
      const json = verifyJson(diagnostics, result);
      if (target.file === null) io.stdout(json);
      else io.writeFile(resolve(io.cwd, target.file), json);
    } else {
      await printReports(io, [target], diagnostics, [...VERIFY_RULES], sources, opts.color !== false);
    }
  }
  if (!result.checkedAnything) {
    io.stderr(`drc: nothing could be verified: ${result.firstError ?? 'every request to S3 failed'}\n`);
    return EXIT.usage;
  }
  return exitCodeFor(diagnostics);
}

/** `--format json`: the lint-shaped diagnostics and summary, plus what was measured per service. */
export function verifyJson(diagnostics: Diagnostic[], result: Pick<VerifyResult, 'services' | 'buckets'>): string {
  const ordered = diagnostics.map(orderKeys);
  return JSON.stringify({ diagnostics: ordered, summary: summarize(diagnostics), services: result.services, buckets: result.buckets, drc_version: DRC_VERSION }, null, 2) + '\n';
}

/**
 * `# drc-ignore <rule> -- <reason>` in the policy also suppresses verify findings at that line.
 * Directives that suppress nothing here are not reported (they may be for lint rules).
 */
export function applyVerifySuppressions(text: string, diagnostics: Diagnostic[]): Diagnostic[] {
  const directives = parseDirectives(text).filter((d) => d.reason !== '');
  if (directives.length === 0) return diagnostics;
  return diagnostics.map((d) => {
    const directive = directives.find((x) => suppresses(x, d));
    return directive ? { ...d, suppressed: { reason: directive.reason } } : d;
  });
}

/** A one-line progress display on stderr, only when stderr is a terminal. */
function progressLine(io: Io, wanted: boolean): { update: (done: number, total: number) => void; done: () => void } {
  const stderrIsTTY = (io as Io & { stderrIsTTY?: boolean }).stderrIsTTY ?? Boolean(process.stderr.isTTY);
  if (!wanted || !stderrIsTTY || io.env.CI === 'true') return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      shown = true;
      io.stderr(`\r\x1b[Kdrc verify: ${done}/${total} checked (buckets and services)`);
    },
    done() {
      if (shown) io.stderr('\r\x1b[K');
    },
  };
}
