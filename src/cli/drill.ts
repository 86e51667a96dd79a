/**
 * `drc drill [FILE] --service NAME` (policy-language.md §10.2; docs/drill.md): build the policy's scripts
 * in memory, run backup.sh, restore.sh --latest into a scratch target, verify.sh, remove the scratch
 * target, and report the measured recovery time and recovery point against the service's RTO and RPO.
 *
 * Exit: 0 every step succeeded and every declared objective was met; 1 an objective was missed or a step
 * failed; 2 usage (unknown service, a kind without scripts, a policy with lint errors, a bad option).
 */
import { buildPolicy } from '../build/index.js';
import { DrillUsageError, runDrill, whyNoDrill, type DrillReport } from '../drill/index.js';
import { drillJson, drillMarkdown, drillPassed } from '../drill/report.js';
import { suggest } from '../model/suggest.js';
import { displayPath, EXIT, readPolicy, UsageError, type Io } from './io.js';
import { exitCodeFor, outputTargets, printReports } from './lint.js';

export interface DrillCliOptions {
  service: string;
  format?: string;
  keep?: boolean;
  verbose?: boolean;
}

export async function runDrillCommand(io: Io, file: string, opts: DrillCliOptions): Promise<number> {
  const format = opts.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'json') throw new UsageError(`--format takes markdown or json, got "${format}"`);
  const text = readPolicy(io, file);
  const shown = displayPath(io.cwd, file);
  const result = await buildPolicy(text, shown);
  if (exitCodeFor(result.lint.diagnostics) !== EXIT.ok || !result.lint.policy) {
    const errIo: Io = { ...io, stdout: io.stderr };
    const errors = result.lint.diagnostics.filter((d) => d.severity === 'error' && !d.suppressed);
    await printReports(errIo, outputTargets(['stylish'], undefined, io.env), errors.length ? errors : result.lint.diagnostics, result.lint.rules, new Map([[shown, text]]), false);
    io.stderr(`drc: ${shown} has errors (drc lint); no drill was run\n`);
    return EXIT.usage;
  }
  const policy = result.lint.policy;
  const service = policy.servicesByName.get(opts.service);
  if (!service) {
    const guess = suggest(opts.service, [...policy.servicesByName.keys()]);
    throw new UsageError(`no service "${opts.service}" in ${shown}${guess ? ` (did you mean "${guess}"?)` : ''}; services: ${[...policy.servicesByName.keys()].join(', ')}`);
  }
  const why = whyNoDrill(service, result.artifacts);
  if (why) throw new UsageError(why);

  // Ctrl-C / SIGTERM: stop the running step, still remove the scratch target, then report.
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    io.stderr(`drc drill: ${signal}: stopping, then removing the scratch target\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: DrillReport;
  try {
    report = await runDrill({
      policy,
      service,
      artifacts: result.artifacts,
      env: io.env,
      keep: opts.keep,
      verbose: opts.verbose,
      progress: (line) => io.stderr(`${line}\n`),
      signal: controller.signal,
    });
  } catch (error) {
    if (error instanceof DrillUsageError) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  io.stdout(format === 'json' ? drillJson(report) : drillMarkdown(report));
  const failed = report.steps.find((s) => !s.ok);
  if (failed) io.stderr(`drc drill: step ${failed.name} failed:\n${failed.output_tail.replace(/^/gm, '  ')}\n`);
  if (report.rto_met === false && !failed) io.stderr(`drc drill: recovery time ${report.recovery_time_seconds} s exceeds the RTO of ${report.rto_seconds} s\n`);
  if (report.rpo_met === false && !failed) io.stderr(`drc drill: recovery point ${report.recovery_point_seconds} s exceeds the RPO of ${report.rpo_seconds} s\n`);
  return drillPassed(report) ? EXIT.ok : EXIT.findings;
}
