/** bin/drc.js in a shell pipe: a reader that closes early, and a policy on stdin. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE, edit, tempDir, write } from '../diff/helpers.js';

const repo = resolve(import.meta.dirname, '..', '..');
const drc = join(repo, 'bin', 'drc.js');
/** BASE with one error (tier-objective: an RPO looser than its tier's). */
const FAILING = edit(BASE, '    rto: 1h\n    retention: 90d', '    rto: 1h\n    rpo: 1h\n    retention: 90d');

/**
 * Runs `drc ARGS | head -c 1` and returns drc's stderr and exit code. `head -c 1` reads one small chunk
 * and exits while drc still has output to write (schema and SARIF are larger than a pipe's 64 KiB
 * buffer), so drc's next write fails with EPIPE. A Node reader would not do: it reads 64 KiB at once.
 */
function intoClosingReader(args: string[], cwd = repo): { stderr: string; code: number } {
  const script = '{ "$0" "$@"; echo "drc exit $?" >&2; } | head -c 1 >/dev/null';
  const r = spawnSync('sh', ['-c', script, process.execPath, drc, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const exit = /drc exit (\d+)\n$/.exec(r.stderr);
  return { stderr: r.stderr.replace(/drc exit \d+\n$/, ''), code: exit ? Number(exit[1]) : -1 };
}

describe.skipIf(process.platform !== 'linux')('drc writing where the output cannot go', () => {
  it('a full disk (/dev/full) is one line on stderr and exit 2, not a stack trace', () => {
    const r = spawnSync('sh', ['-c', '"$0" "$@" >/dev/full', process.execPath, drc, 'schema'], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('drc: cannot write the output: ENOSPC: no space left on device, write\n');
  });
});

describe.skipIf(process.platform === 'win32')('drc writing into a pipe the reader closed', () => {
  it('drc schema | head stops quietly with exit 0', () => {
    const r = intoClosingReader(['schema']);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|\n +at /);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('drc lint --format sarif | head keeps the exit code of the findings', () => {
    const dir = tempDir();
    write(dir, 'drc.yaml', FAILING);
    const r = intoClosingReader(['lint', 'drc.yaml', '--format', 'sarif'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});

describe('drc lint -', () => {
  it('lints the policy on stdin, named <stdin>', () => {
    const r = spawnSync(process.execPath, [drc, 'lint', '-', '--format', 'json'], { cwd: tempDir(), input: BASE, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).summary.errors).toBe(0);
    const failing = spawnSync(process.execPath, [drc, 'lint', '-', '--format', 'github'], { cwd: tempDir(), input: FAILING, encoding: 'utf8' });
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/^::error file=<stdin>,line=\d+/m);
  });
});
