/** Limits of one process's worker threads, apart so that a command can check them without loading the threads' code. */

/**
 * The most worker threads in one process. Every ordered pair of workers has a ring (4 MiB by default):
 * 64 workers already take 4,032 of them.
 */
export const MAX_WORKERS = 64;
