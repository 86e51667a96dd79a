// `npm run bench`: times drc against baselines measured in the same run (ratios, not absolute targets).
// Each measurement is a fresh process, median of several runs; peak memory from /usr/bin/time.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generatePolicy } from './generate.mjs';
import { median, root, timeChild } from './lib.mjs';

const work = join(root, '.tmp', 'bench');
mkdirSync(work, { recursive: true });
// Build output goes to memory (tmpfs) when the machine has it: on this VM's ext4, creating 69,000 files
// just after deleting the previous build's costs 1-20 s of kernel time from run to run, which measures
// the disk, not drc. BENCH_OUT_DIR=<folder> measures a disk of your choice.
const outRoot = process.env.BENCH_OUT_DIR ?? (existsSync('/dev/shm') ? mkdtempSync('/dev/shm/drc-bench-') : work);
const drc = join(root, 'bin', 'drc.js');
const runs = Number(process.env.BENCH_RUNS ?? 5);

/** Median wall time and the highest peak RSS of `runs` fresh `node args` processes; before() runs untimed. */
async function measure(args, { expectCodes = [0, 1], env = {}, before = () => {} } = {}) {
  const times = [];
  let rssMb = 0;
  for (let i = 0; i < runs; i++) {
    before();
    const r = await timeChild(process.execPath, args, { env: { ...process.env, ...env } });
    if (!expectCodes.includes(r.status)) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    times.push(r.ms);
    rssMb = Math.max(rssMb, r.rssMb ?? 0);
  }
  return { ms: median(times), rssMb };
}

const yamlOnly = join(work, 'yaml-only.mjs');
writeFileSync(yamlOnly, `import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from ${JSON.stringify(join(root, 'node_modules', 'yaml', 'dist', 'index.js'))};
const lineCounter = new LineCounter();
parseDocument(readFileSync(process.argv[2], 'utf8'), { lineCounter, uniqueKeys: false });
`);

const rows = [];
const row = (name, m, baseline, baselineName) => {
  rows.push({ name, ms: m.ms, rssMb: m.rssMb, ratio: baseline ? m.ms / baseline.ms : null, baselineName });
};

const bare = await measure(['-e', '0']);
row('node -e 0 (bare start-up)', bare);
const small = join(root, 'examples', 'acme', 'drc.yaml');
row('drc lint examples/acme (small policy)', await measure([drc, 'lint', small]), bare, 'node -e 0');

const only = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const skipBuild = process.env.BENCH_SKIP_BUILD === '1';
for (const count of only) {
  const file = join(work, `policy-${count}.yaml`);
  writeFileSync(file, generatePolicy(count));
  const yamlParse = await measure([yamlOnly, file]);
  row(`yaml parseDocument, ${count} services`, yamlParse);
  const lint = await measure([drc, 'lint', file, '--format', 'json']);
  row(`drc lint, ${count} services`, lint, yamlParse, 'yaml alone');
  if (!skipBuild) {
    const out = join(outRoot, `out-${count}`);
    // Into a fresh folder each time, as in CI; rebuilding over an old output adds deleting it.
    const fresh = () => rmSync(out, { recursive: true, force: true });
    // The default (threads by policy size and cores: src/build/threads.ts), then one and two threads.
    const build = await measure([drc, 'build', file, '--out', out], { before: fresh });
    row(`drc build, ${count} services (default)`, build, lint, 'drc lint');
    for (const threads of ['1', '2']) {
      const forced = await measure([drc, 'build', file, '--out', out], { env: { DRC_BUILD_THREADS: threads }, before: fresh });
      row(`drc build, ${count} services, ${threads === '1' ? 'one thread' : 'two threads'}`, forced, lint, 'drc lint');
    }
    fresh();
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('benchmark', 44)} ${pad('median ms', 10)} ${pad('peak MB', 8)} ratio`);
for (const r of rows) {
  const ratio = r.ratio === null ? '' : `${r.ratio.toFixed(2)}× ${r.baselineName}`;
  console.log(`${pad(r.name, 44)} ${pad(r.ms.toFixed(0), 10)} ${pad(r.rssMb ? r.rssMb.toFixed(0) : '-', 8)} ${ratio}`);
}
console.log(`(${runs} runs each, median; node ${process.version}; ${availableParallelism()} cores; build output in ${outRoot})`);
if (outRoot.startsWith('/dev/shm/drc-bench-')) rmSync(outRoot, { recursive: true, force: true });
