/**
 * V8's background threads at a low CPU priority (Linux). Node gives V8 a pool of threads (four unless
 * `--v8-pool-size` says otherwise) on which it compiles hot code and helps its collector. On a machine
 * with few cores they take turns with the threads that run dataflows: one worker on two cores, while
 * the code of its first rounds becomes hot, waits for a core behind four compiling threads, a
 * scheduler tick (4 ms here) at a time. On Linux each thread has a nice value of its own; at 19 these
 * threads still run on every core the workers leave idle, and give a core up to a worker at once.
 *
 * Node creates these threads (and one that schedules V8's delayed tasks) when the process starts,
 * before any other: after the main thread, the first `pool + 1` threads to start are theirs. Threads
 * started later (libuv's pool for files and gzip, worker threads) are left as they are.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism, getPriority, setPriority } from 'node:os';
import { integerSetting } from './settings.js';

/** The nice value V8's background threads get, unless `TIMELY_V8_NICE` says otherwise (0 leaves them alone). */
export const BACKGROUND_NICE = 19;

let applied: number | undefined;

/**
 * Lowers the CPU priority of V8's background threads for the whole process, once: to nice
 * `TIMELY_V8_NICE` if set (an integer from 0 to 19; 0 leaves them alone), to `BACKGROUND_NICE`
 * otherwise. Only on Linux; a thread already at a higher nice value keeps it. Every `Worker` calls it
 * when made. Returns the threads' ids, or undefined when nothing was done (another system, 0, or
 * `/proc` not readable).
 *
 * @example
 * // TIMELY_V8_NICE=0 node job.js   → V8's threads keep the process's priority
 * lowerBackgroundThreads(); // e.g. [20460, 20461, 20462, 20463, 20464]
 */
export function lowerBackgroundThreads(env: NodeJS.ProcessEnv = process.env): number[] | undefined {
  const nice = integerSetting(env, 'TIMELY_V8_NICE', BACKGROUND_NICE, 0, 19, "0 leaves V8's background threads alone");
  if (applied === nice || nice === 0 || process.platform !== 'linux') return undefined;
  // Tried once per setting: what can fail here (no /proc, a priority not ours to change) fails again.
  applied = nice;
  try {
    const threads = backgroundThreads(poolSize(env));
    for (const tid of threads) if (getPriority(tid) < nice) setPriority(tid, nice);
    return threads;
  } catch {
    return undefined; // the process runs as it would without this
  }
}

/** V8's pool size for this process, as Node reads it (`--v8-pool-size`, 0 meaning one less than the cores). */
function poolSize(env: NodeJS.ProcessEnv): number {
  const flags = `${process.execArgv.join(' ')} ${env['NODE_OPTIONS'] ?? ''}`;
  let size = 4;
  for (const m of flags.matchAll(/--v8-pool-size(?:=|\s+)(\d+)/g)) size = Number(m[1]);
  return size > 0 ? size : Math.max(1, availableParallelism() - 1);
}

/** The first `pool + 1` threads of this process to start after its main thread (see the module's note). */
function backgroundThreads(pool: number): number[] {
  const self = Number(readlinkSync('/proc/thread-self').split('/').pop());
  const tasks: { tid: number; at: number }[] = [];
  for (const name of readdirSync('/proc/self/task')) {
    const tid = Number(name);
    if (tid === process.pid || tid === self) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile (a worker thread stopping, say)
    }
    tasks.push({ tid, at: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) });
  }
  tasks.sort((a, b) => a.at - b.at || a.tid - b.tid);
  return tasks.slice(0, pool + 1).map((t) => t.tid);
}
