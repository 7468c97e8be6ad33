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

function entryScript(bundle: URL, module: URL): URL {
  try {
    return statSync(bundle).mtimeMs >= statSync(module).mtimeMs ? bundle : module;
  } catch {
    return module;
  }
}
