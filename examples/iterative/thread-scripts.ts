/**
 * Where the examples' worker threads find their code: the jobs' modules and the script the threads start
 * with. A module of its own, so that the command line can start the threads before it loads the rest.
 */
import { statSync } from 'node:fs';

/** The module the worker threads of `runExampleOnThreads` run (give it to a ThreadPool's `preload`). */
export const THREADS_JOB = new URL('./threads-job.js', import.meta.url);

/** The module each process's threads run in an example across processes (see `runExampleOnShares`). */
export const SHARE_JOB = new URL('./share-job.js', import.meta.url);

/**
 * The script the examples' threads start with (give it to a ThreadPool's `entry`): the bundle the build
 * makes of threads-entry.ts, or that module itself where there is no bundle or the bundle is older than
 * the module (a build by `tsc` alone, which rewrites every module, would otherwise leave the threads
 * running the code of the build before).
 */
export const THREADS_ENTRY = entryScript(new URL('./threads-entry.bundle.js', import.meta.url), new URL('./threads-entry.js', import.meta.url));

/**
 * The limits the examples' threads start with (give them to a ThreadPool's `resourceLimits`): their
 * data lives in typed arrays, and their JavaScript heap holds a few MB, so a young generation of 12 MB
 * (4 MB semi-spaces) is room enough; left to grow to V8's 16 MB semi-spaces, a PageRank worker kept
 * up to some 30 MB more (random graph of 16 M edges, two workers, eight alternating pairs: peak RSS
 * 483–522 MB, median 508, against 484–503, median 496; the computation as fast).
 *
 * @example const pool = new ThreadPool({ start: 2, preload: [THREADS_JOB], entry: THREADS_ENTRY, resourceLimits: THREAD_LIMITS });
 */
export const THREAD_LIMITS = { maxYoungGenerationSizeMb: 12 } as const;

function entryScript(bundle: URL, module: URL): URL {
  try {
    return statSync(bundle).mtimeMs >= statSync(module).mtimeMs ? bundle : module;
  } catch {
    return module;
  }
}
