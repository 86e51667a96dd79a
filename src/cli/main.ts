/**
 * The CLI: a thin shell over the library. The only module that touches process.* (via io).
 * Exit codes (policy-language.md §5): 0 clean, 1 findings at error (or too many warnings), 2 usage or unreadable input.
 */
import { Command, CommanderError, Option } from 'commander';
import { DRC_VERSION } from '../generated/version.js';
import { runLint } from './lint.js';
import { EXIT, UsageError, type Io } from './io.js';

export function buildProgram(io: Io): Command {
  const program = new Command('drc')
    .description('Disaster-recovery policy compiler and linter')
    .version(DRC_VERSION, '-v, --version')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  drc lint drc.yaml                          lint a policy (stylish output)
  drc lint drc.yaml --format sarif --output-file drc.sarif
  drc build drc.yaml --out out/              compile every artifact
  drc explain rpo-feasible                   why a rule exists, its thresholds and sources
  drc diff git:main:drc.yaml drc.yaml        what a change weakens`,
    );

  program
    .command('lint')
    .description('parse, validate and check policies; print diagnostics')
    .argument('[files...]', 'policy files; a directory means every *.yaml/*.yml under it; - reads stdin', ['drc.yaml'])
    .addOption(new Option('-f, --format <name...>', 'output format(s): stylish, json, sarif, github, junit, gitlab; name:file writes to a file'))
    .option('-o, --output-file <file...>', 'write to this file; files go to the last --formats without name:file, the others print')
    .option('--max-warnings <n>', 'exit 1 when there are more warnings than this', parseCount)
    .option('--config <file>', 'configuration file (default: .drc.yaml found upward)')
    .option('--baseline <old>', 'also report what weakened since OLD (file or git:REF:path)')
    .option('--update-baseline', 'accept the current findings into .drc-baseline.json')
    .option('--prune-baseline', 'drop baseline entries that no longer match a finding')
    .option('--baseline-file <path>', 'accepted-findings file (default: baseline: in .drc.yaml, else .drc-baseline.json next to it or in the cwd)')
    .option('--no-color', 'disable colours')
    .addHelpText('after', '\nExamples:\n  drc lint\n  drc lint policies/ --format json\n  drc lint drc.yaml --format stylish --format sarif --output-file drc.sarif\n')
    .action(async (files: string[], opts) => {
      io.exitCode = await runLint(io, files, opts);
    });

  program
    .command('diff')
    .description('compare the effective objectives of two policies; report weakenings (exit 1 on one at error)')
    .argument('<old>', 'the policy before: a file, or git:REF:path (e.g. git:main:drc.yaml)')
    .argument('<new>', 'the policy after: a file, or git:REF:path')
    .addOption(new Option('-f, --format <name...>', 'text (default), markdown, json, or a lint format (stylish, sarif, github, junit, gitlab); name:file writes to a file'))
    .option('-o, --output-file <file...>', 'write the matching --format to this file')
    .option('--config <file>', 'configuration file for rule severities (default: .drc.yaml found upward)')
    .option('--no-color', 'disable colours')
    .addHelpText('after', '\nExamples:\n  drc diff git:main:drc.yaml drc.yaml\n  drc diff old.yaml new.yaml --format markdown > comment.md\n')
    .action(async (oldSpec: string, newSpec: string, opts) => {
      const { runDiff } = await import('./diff.js');
      io.exitCode = await runDiff(io, oldSpec, newSpec, opts);
    });

  program
    .command('rules')
    .description('list the rule catalogue, one line each')
    .action(async () => {
      const { listRules } = await import('./rules.js');
      io.stdout(listRules());
    });

  program
    .command('explain')
    .description("a rule's rationale, thresholds, sources and examples")
    .argument('<rule>', 'rule id, e.g. rpo-feasible, or a custom rule such as acme/pci-kms')
    .argument('[file]', 'policy whose custom rules to include (default: drc.yaml when it exists)')
    .action(async (id: string, file: string | undefined) => {
      const { explainExtraMetas, explainRule } = await import('./rules.js');
      io.stdout(explainRule(id, explainExtraMetas(io, id, file)));
    });

  program
    .command('schema')
    .description('print the JSON Schema of the policy language')
    .action(async () => {
      const { policySchemaText } = await import('./schema.js');
      io.stdout(policySchemaText());
    });

  program
    .command('verify')
    .description('check the live buckets and backups against the policy (S3, read-only)')
    .argument('[file]', 'policy file', 'drc.yaml')
    .option('--endpoint <url>', 'S3 endpoint for every region (DRC_ENDPOINT_URL_<REGION> overrides it per region)')
    .option('--service <name>', 'only this service and its storage')
    .option('--deep', 'download the newest backup in every bucket and check its sha256 and size')
    .addOption(new Option('-f, --format <name...>', 'stylish, json, sarif, github, junit, gitlab; name:file writes to a file'))
    .option('-o, --output-file <file...>', 'write to this file; files go to the last --formats without name:file, the others print')
    .option('--profile <name>', 'AWS profile (default: the SDK credential chain)')
    .option('--concurrency <n>', 'S3 requests in flight (default 16)', (v) => Number(v))
    .option('--no-progress', 'no progress line on stderr')
    .option('--no-color', 'disable colours')
    .addHelpText('after', '\nExamples:\n  drc verify drc.yaml\n  drc verify drc.yaml --deep --format sarif:verify.sarif\n  drc verify --endpoint http://127.0.0.1:5000 --service production-db\n')
    .action(async (file: string, opts) => {
      const { runVerify } = await import('./verify.js');
      io.exitCode = await runVerify(io, file, opts);
    });

  program
    .command('build')
    .description('lint, then emit every artifact (nothing when lint has errors)')
    .argument('[file]', 'policy file', 'drc.yaml')
    .requiredOption('--out <dir>', 'output folder')
    .option('--check', 'exit 1 when DIR differs from what a build would write')
    .option('-f, --format <name>', 'format of diagnostics', 'stylish')
    .action(async (file: string, opts) => {
      const { runBuild } = await import('./build.js');
      io.exitCode = await runBuild(io, file, opts);
    });

  program
    .command('drill')
    .description("run a service's backup.sh, restore.sh --latest into a scratch target and verify.sh; measure recovery time and point against its RTO and RPO")
    .argument('[file]', 'policy file', 'drc.yaml')
    .requiredOption('--service <name>', 'the service to drill (kind postgresql, files or s3-bucket)')
    .option('-f, --format <name>', 'markdown (default) or json', 'markdown')
    .option('--keep', 'keep the temporary directory with the scripts and step logs')
    .option('--verbose', "also print the scripts' log lines on stderr")
    .addHelpText('after', '\nThe environment (AWS_*, DRC_*, PG*) passes through to the scripts. Exit: 0 objectives met, 1 missed or a step failed, 2 usage.\nExamples:\n  drc drill drc.yaml --service production-db\n  drc drill --service app-config --format json > drill.json\n')
    .action(async (file: string, opts) => {
      const { runDrillCommand } = await import('./drill.js');
      io.exitCode = await runDrillCommand(io, file, opts);
    });

  return program;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--max-warnings takes a whole number, got "${value}"`);
  return n;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return io.exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`drc: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    // Emitters refuse a value lint let through (an error accepted with drc-ignore) with a message of
    // their own, "drc: <what>"; anything else is a bug. One line either way, no stack trace unless asked for.
    io.stderr(message.startsWith('drc: ') ? `${message}\n` : `drc: internal error: ${message}\n`);
    if (process.env.DRC_DEBUG) io.stderr(`${(error as Error).stack}\n`);
    return EXIT.internal;
  }
}

/** Entry point of the bundled CLI (bin/drc.js). */
export async function cli(): Promise<void> {
  const { processIo } = await import('./io.js');
  const io = processIo();
  const code = await main(process.argv.slice(2), io);
  await io.flush();
  process.exitCode = code;
}
