// Shared by the benchmarks: timing of child processes, the median, and the test harness
// (test/harness/{ports,tools,moto,postgres}.ts) bundled with esbuild at run time.
// Importing this module loads neither esbuild nor the harness: bench/run.mjs only needs the timing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The median (the mean of the two middle values for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const hasTime = existsSync('/usr/bin/time');
const TIME_MARK = '@@bench-time@@';

// Process groups of running timeChild children: killed if this process exits first (Ctrl-C, an error),
// so no pipeline of a benchmark outlives it.
const live = new Set();
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * Runs `cmd args` to completion and measures it: wall time always; CPU seconds (user + sys) and peak
 * RSS in MB from /usr/bin/time when it is present, null otherwise (/usr/bin/time's line is removed
 * from the returned stderr). Resolves for any exit code: callers check `status`. `opts` are spawn's
 * (env, cwd…); stdin is /dev/null; the child has its own process group. Asynchronous, so servers this process started with piped output
 * (the harness's moto logs every request) keep being drained while the command runs.
 */
export function timeChild(cmd, args = [], opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const o = { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...opts };
    const child = hasTime ? spawn('/usr/bin/time', ['-f', `${TIME_MARK}%U %S %M`, cmd, ...args], o) : spawn(cmd, args, o);
    if (child.pid !== undefined) live.add(child.pid);
    const out = [];
    const err = [];
    child.stdout?.on('data', (b) => out.push(b));
    child.stderr?.on('data', (b) => err.push(b));
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('close', (status, signal) => {
      live.delete(child.pid);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let stderr = Buffer.concat(err).toString('utf8');
      let cpuS = null;
      let rssMb = null;
      const at = stderr.lastIndexOf(TIME_MARK);
      if (at >= 0) {
        const [u, s, m] = stderr.slice(at + TIME_MARK.length).trim().split(' ').map(Number);
        cpuS = u + s;
        rssMb = m / 1024;
        stderr = stderr.slice(0, at);
      }
      resolve({ ms, cpuS, rssMb, status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/**
 * Bundles TypeScript source with esbuild (loaded only here) and imports it. `exports` are the lines
 * of the entry module, with paths relative to the repository root. The bundle is written under
 * .tmp/bench-bundles (inside the repository, so its bare imports resolve to node_modules), through
 * a rename, so concurrent benchmarks never import a half-written file.
 */
export async function bundle(name, exports) {
  const { build } = await import('esbuild');
  const dir = join(root, '.tmp', 'bench-bundles');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.mjs`);
  const result = await build({
    stdin: { contents: exports.join('\n'), resolveDir: root, loader: 'ts' },
    outfile: out,
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  const tmp = `${out}.${process.pid}`;
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, out);
  return import(pathToFileURL(out).href);
}

/**
 * The test harness: ports.ts (freePort, waitForHttp), tools.ts (findTool, requireTool, run, runOk,
 * PG_BIN_DIR), moto.ts (startMoto, awsEnv, s3ClientConfig), postgres.ts (startPostgres, asPostgres,
 * runAsPostgres, chownToPostgres). Not test/harness/index.ts: its fixtures.ts imports vitest.
 */
export function loadHarness() {
  return bundle('harness', ['ports', 'tools', 'moto', 'postgres'].map((m) => `export * from './test/harness/${m}.ts';`));
}
