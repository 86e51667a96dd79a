/**
 * The build thread is a large build's critical path: every file is rendered on it. Beside it run the
 * writer thread and V8's helper threads (garbage collection, the optimising compiler), which on a
 * 2-core machine kept taking its core: at 10,000 services it waited 0.4–0.55 s in the run queue while
 * emitting (docs/performance.md). Lowering their priority lets them use what the build thread leaves.
 *
 * Linux gives each thread a nice value of its own (setpriority(2), PRIO_PROCESS with a thread id), and
 * lists a process's threads in /proc/self/task. Elsewhere nothing changes. Raising a nice value needs no
 * privilege; the threads keep it until the process ends (the CLI exits after the build).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The lowest priority: the thread runs when a core is otherwise idle, or when the build thread waits. */
export const BACKGROUND_NICE = 19;

/** This thread's id (Linux), or null where threads have no nice value of their own. */
export function currentThreadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

/** The ids of this process's other threads (Linux), or [] elsewhere. */
export function otherThreadIds(): number[] {
  const self = currentThreadId();
  if (self === null) return [];
  try {
    return readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== self);
  } catch {
    return [];
  }
}

/** Lowers a thread's priority to BACKGROUND_NICE (if higher); false when it has exited or may not be changed. */
export function lowerThreadPriority(tid: number): boolean {
  try {
    if (getPriority(tid) < BACKGROUND_NICE) setPriority(tid, BACKGROUND_NICE);
    return true;
  } catch {
    return false;
  }
}

/**
 * Gives this thread precedence over every other thread of the process (Linux): call it from the build
 * thread once the threads that serve it exist. Not for builds with several build threads, which are peers.
 */
export function preferThisThread(): void {
  for (const tid of otherThreadIds()) lowerThreadPriority(tid);
}
