/**
 * The build thread's precedence over its helper threads (src/build/priority.ts): on Linux each thread has
 * a nice value of its own. The unit tests lower only a thread they start; the CLI test watches a real
 * build's threads from outside.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKGROUND_NICE, currentThreadId, lowerThreadPriority, otherThreadIds } from '../../src/build/priority.js';
import { makeTempDir } from '../harness/tmp.js';

const linux = process.platform === 'linux';
const temp = makeTempDir('drc-priority-test');
afterAll(() => temp.cleanup());

/** A thread's nice value as the kernel reports it (/proc/<pid>/task/<tid>/stat, field 19). */
function niceOf(pid: number | 'self', tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return null; // the thread has exited
  }
}

/** A worker thread that reports its thread id and then idles until terminated. */
async function idleWorker(): Promise<{ worker: Worker; tid: number }> {
  const worker = new Worker(
    `const { readlinkSync } = require('node:fs');
     require('node:worker_threads').parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop()));
     setInterval(() => {}, 1000);`,
    { eval: true },
  );
  const tid = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, tid };
}

describe.runIf(linux)('thread priority (Linux)', () => {
  it('names this thread and lists the others, a worker thread among them', async () => {
    const self = currentThreadId();
    expect(self).not.toBeNull();
    expect(readdirSync('/proc/self/task').map(Number)).toContain(self);
    const { worker, tid } = await idleWorker();
    try {
      expect(tid).not.toBe(self);
      const others = otherThreadIds();
      expect(others).toContain(tid);
      expect(others).not.toContain(self);
    } finally {
      await worker.terminate();
    }
  });

  it('lowers one thread to the background nice value, and only that thread', async () => {
    const { worker, tid } = await idleWorker();
    try {
      const before = niceOf('self', currentThreadId()!);
      expect(niceOf('self', tid)).toBe(before);
      expect(lowerThreadPriority(tid)).toBe(true);
      expect(niceOf('self', tid)).toBe(BACKGROUND_NICE);
      expect(getPriority(tid)).toBe(BACKGROUND_NICE);
      expect(niceOf('self', currentThreadId()!)).toBe(before); // this thread kept its own
      expect(lowerThreadPriority(tid)).toBe(true); // already there: nothing to change
    } finally {
      await worker.terminate();
    }
    expect(lowerThreadPriority(2 ** 22 + 1)).toBe(false); // above Linux's largest thread id
  });

  it('drc build lowers its other threads below the build thread, and not when build threads are peers', async () => {
    const { generatePolicy } = await import('../../bench/generate.mjs');
    const policy = join(temp.path, 'p1000.yaml');
    writeFileSync(policy, generatePolicy(1000)); // over WRITER_THREAD_MIN_BYTES: a writer thread
    const repo = resolve(import.meta.dirname, '..', '..');
    // Samples every thread's nice value while the build runs: [main thread's, the others'].
    const watch = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, [join(repo, 'bin', 'drc.js'), 'build', policy, '--out', join(temp.path, `out-${env.DRC_BUILD_THREADS}`)], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const pid = child.pid!;
      const samples: { main: number | null; others: number[] }[] = [];
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        let tids: number[] = [];
        try {
          tids = readdirSync(`/proc/${pid}/task`).map(Number);
        } catch {
          break;
        }
        samples.push({ main: niceOf(pid, pid), others: tids.filter((t) => t !== pid).map((t) => niceOf(pid, t)).filter((n): n is number => n !== null) });
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(await exited).toBe(0);
      return samples;
    };
    const base = getPriority(); // what the build's threads start with (inherited)
    expect(base).toBeLessThan(BACKGROUND_NICE);
    const one = await watch({ DRC_BUILD_THREADS: '1' });
    expect(one.length).toBeGreaterThan(10);
    expect(one.every((s) => s.main === null || s.main === base)).toBe(true);
    // While it emits, the writer thread and V8's helper threads (at least four) run in the background.
    expect(one.some((s) => s.others.filter((n) => n === BACKGROUND_NICE).length >= 5)).toBe(true);
    const peers = await watch({ DRC_BUILD_THREADS: '2' });
    expect(peers.length).toBeGreaterThan(10);
    expect(peers.every((s) => s.others.every((n) => n === base))).toBe(true);
  });
});
