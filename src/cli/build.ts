/** `drc build`: lint, emit, write atomically; `--check` compares instead of writing. */
import { resolve } from 'node:path';
import { buildPolicy, compareOutput, writeOutput } from '../build/index.js';
import { displayPath, EXIT, readPolicy, type Io } from './io.js';
import { exitCodeFor, outputTargets, printReports } from './lint.js';

export interface BuildOptions {
  out: string;
  check?: boolean;
  format?: string;
}

export async function runBuild(io: Io, file: string, opts: BuildOptions): Promise<number> {
  const text = readPolicy(io, file);
  const shown = displayPath(io.cwd, file);
  const result = await buildPolicy(text, shown);
  const lintExit = exitCodeFor(result.lint.diagnostics);
  const visible = result.lint.diagnostics.filter((d) => !d.suppressed);
  if (visible.length > 0 || lintExit !== EXIT.ok) {
    // Diagnostics go to stderr so stdout stays the build's own report.
    const targets = outputTargets(opts.format ? [opts.format] : undefined, undefined, io.env);
    const errIo: Io = { ...io, stdout: io.stderr };
    await printReports(errIo, targets, result.lint.diagnostics, result.lint.rules, new Map([[shown, text]]), true);
  }
  if (lintExit !== EXIT.ok) {
    io.stderr(`drc: ${shown} has errors; nothing was written\n`);
    return lintExit;
  }
  const outDir = resolve(io.cwd, opts.out);
  if (opts.check) {
    const drift = compareOutput(outDir, result.artifacts);
    if (drift.length === 0) {
      io.stdout(`${opts.out} is up to date (${result.artifacts.length} files)\n`);
      return EXIT.ok;
    }
    io.stdout(`${opts.out} differs from what drc build would write:\n`);
    for (const d of drift) io.stdout(`  ${d.change.padEnd(7)} ${d.path}\n`);
    return EXIT.findings;
  }
  writeOutput(outDir, result.artifacts);
  io.stdout(`wrote ${result.artifacts.length} files to ${opts.out}\n`);
  return EXIT.ok;
}
