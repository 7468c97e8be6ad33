/**
 * Where the examples' worker threads find their code: the jobs' modules and the script the threads start
 * with. A module of its own, so that the command line can start the threads before it loads the rest.
 */
import { existsSync } from 'node:fs';

/** The module the worker threads of `runExampleOnThreads` run (give it to a ThreadPool's `preload`). */
export const THREADS_JOB = new URL('./threads-job.js', import.meta.url);

/** The module each process's threads run in an example across processes (see `runExampleOnShares`). */
export const SHARE_JOB = new URL('./share-job.js', import.meta.url);

/**
 * The script the examples' threads start with (give it to a ThreadPool's `entry`): the bundle the build
 * makes of threads-entry.ts, where there is one, or that module itself (a build by `tsc` alone).
 */
export const THREADS_ENTRY = existsSync(new URL('./threads-entry.bundle.js', import.meta.url))
  ? new URL('./threads-entry.bundle.js', import.meta.url)
  : new URL('./threads-entry.js', import.meta.url);
