/** `drc build`: lint, emit family by family into a staging folder swapped in at the end; `--check` compares instead. */
import { dirname, join, resolve } from 'node:path';
import { emitContext, emitInto, FolderComparison, outFolderFor, StagingFolder, type BuildWarning } from '../build/index.js';
import { preferThisThread } from '../build/priority.js';
import { BuildWorker, buildThreads, bundledScript, emitThreaded } from '../build/threads.js';
import { WRITER_THREAD_MIN_BYTES, WriterThread } from '../build/writer-thread.js';
import { lintText } from '../checker/index.js';
import { byPath } from '../emitters/layout.js';
import { toPosixPath } from '../reporters/common.js';
import { escapeData, escapeProperty } from '../reporters/github.js';
import { displayPath, EXIT, readPolicy, UsageError, type Io } from './io.js';
import { exitCodeFor, outputTargets, printReports } from './lint.js';

export interface BuildOptions {
  out: string;
  check?: boolean;
  format?: string;
}

export async function runBuild(io: Io, file: string, opts: BuildOptions): Promise<number> {
  const text = readPolicy(io, file);
  // Refused before lint and before anything is written: `--check` only reads, so it takes any folder.
  const outDir = opts.check ? resolve(io.cwd, opts.out) : replaceableOut(io, file, opts.out);
  // A large policy is built on several threads: the workers start now and load the emitters during lint.
  const threads = buildThreads(text, io.env);
  const script = threads > 1 ? bundledScript('build-worker.js') : null;
  const workers = script ? Array.from({ length: threads - 1 }, () => BuildWorker.start(script)) : [];
  try {
    return await lintAndBuild(io, file, text, opts, outDir, workers);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

async function lintAndBuild(io: Io, file: string, text: string, opts: BuildOptions, outDir: string, workers: BuildWorker[]): Promise<number> {
  const shown = displayPath(io.cwd, file);
  const lint = lintText(text, shown);
  const lintExit = exitCodeFor(lint.diagnostics);
  if (lint.diagnostics.some((d) => !d.suppressed) || lintExit !== EXIT.ok) {
    // Diagnostics go to stderr so stdout stays the build's own report.
    const targets = outputTargets(opts.format ? [opts.format] : undefined, undefined, io.env);
    const errIo: Io = { ...io, stdout: io.stderr };
    await printReports(errIo, targets, lint.diagnostics, lint.rules, new Map([[shown, text]]), true);
  }
  // Positions were only needed for the diagnostics above: let the yaml tree go before emitting.
  lint.policy?.source.release();
  const context = emitContext(lint);
  if (lintExit !== EXIT.ok || !context) {
    io.stderr(`drc: ${shown} has errors; nothing was written\n`);
    return lintExit === EXIT.ok ? EXIT.findings : lintExit;
  }
  // Warnings about files the consuming tool will refuse (CloudFormation's quotas): printed once the build is done.
  const warnings: BuildWarning[] = [];
  const emit = (sink: StagingFolder | FolderComparison) =>
    workers.length ? emitThreaded(context, sink, workers, warnings) : emitInto(context, sink, warnings);
  const github = opts.format?.split(':')[0] === 'github';
  const warn = () => {
    for (const w of warnings.sort(byPath)) io.stderr(warningText(w, opts.out, github));
  };
  if (opts.check) {
    const exit = await checkFolder(io, opts.out, new FolderComparison(outDir), emit);
    warn();
    return exit;
  }
  // A large build writes its files on a thread of its own while this one renders the next.
  const writer = text.length >= WRITER_THREAD_MIN_BYTES ? bundledScript('build-writer.js') : null;
  const staging = new StagingFolder(outDir, writer ? (root) => new WriterThread(root, writer) : undefined);
  // This thread renders every file: the writer thread and V8's helper threads yield their cores to it.
  if (writer && workers.length === 0) preferThisThread();
  let count: number;
  try {
    count = await emit(staging);
  } catch (error) {
    await staging.abort();
    throw error;
  }
  await staging.commit();
  io.stdout(`wrote ${count} files to ${opts.out}\n`);
  warn();
  return EXIT.ok;
}

/** The folder the build replaces (a symbolic link's target); a usage error when that would delete the policy or the user's files. */
function replaceableOut(io: Io, file: string, out: string): string {
  const policy = resolve(io.cwd, file);
  const holdsPolicy = `the policy ${displayPath(io.cwd, file)}`;
  // The policy file itself as well as its folder: a symbolic link to a policy elsewhere keeps both.
  const kept = [
    { path: policy, holds: holdsPolicy },
    { path: dirname(policy), holds: holdsPolicy },
    { path: io.cwd, holds: 'the current directory' },
  ];
  const folder = outFolderFor(out, io.cwd, kept);
  if (folder.refusal !== undefined) throw new UsageError(folder.refusal);
  return folder.target;
}

/** A build warning on stderr: a line, or with `--format github` (as for the diagnostics) an annotation on the file. */
export function warningText(warning: BuildWarning, shownOut: string, github: boolean): string {
  const file = toPosixPath(join(shownOut, warning.path));
  if (github) return `::warning file=${escapeProperty(file)},title=${escapeProperty('drc build')}::${escapeData(warning.message)}\n`;
  return `drc: warning: ${file}: ${warning.message}\n`;
}

/** `--check`: exit 1 and list what differs when the folder is not what a build would write now. */
async function checkFolder(io: Io, shownOut: string, comparison: FolderComparison, emit: (sink: FolderComparison) => Promise<number>): Promise<number> {
  const count = await emit(comparison);
  const drift = comparison.drift();
  if (drift.length === 0) {
    io.stdout(`${shownOut} is up to date (${count} files)\n`);
    return EXIT.ok;
  }
  io.stdout(`${shownOut} differs from what drc build would write:\n`);
  for (const d of drift) io.stdout(`  ${d.change.padEnd(7)} ${d.path}\n`);
  return EXIT.findings;
}
