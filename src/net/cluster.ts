/**
 * execute across processes: this process's worker threads, joined to the other processes' by TCP links
 * (one per pair of processes, carried by this thread), as one computation of N × W workers. The options
 * are checked here; the links, the gateway and `ws` load only when a run spans processes
 * (processes.ts), so that a program on threads alone (and every thread importing the package) does not
 * load them.
 */
import { checkExecuteOptions, execute as executeThreads, type ExecuteResult } from '../workers/execute.js';
import { checkCluster, type ExecuteOptions } from './options.js';

export type { ExecuteOptions } from './options.js';

/**
 * Runs the module on this process's workers as part of a computation of `processes` processes, each
 * started with the same module, args and hosts and its own `process` index. Without `processes` (or
 * with 1), the same as the workers layer's execute: threads of this process only.
 *
 * Results: on process 0, every worker's result, by global index; on the others, their own workers'
 * (the rest of the array is empty). The first failure anywhere stops every process: each rejects with
 * it (a vertex that throws in process 1 is the same VERTEX_FAILED on process 0), or with PEER_LOST /
 * PEER_UNRESPONSIVE naming the process that went away.
 *
 * @example
 * // on machine A:  await execute('job.js', { workers: 2, processes: 2, process: 0, hosts, secret });
 * // on machine B:  await execute('job.js', { workers: 2, processes: 2, process: 1, hosts, secret });
 * const hosts = ['10.0.0.1:4100', '10.0.0.2:4100'];
 */
export async function execute<R>(module: string | URL, options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
  const processes = options.processes ?? 1;
  if (processes === 1 && options.process === undefined && options.hosts === undefined) return executeThreads<R>(module, options);
  const checked = checkExecuteOptions(module, options);
  const cluster = checkCluster(options, processes);
  // One process is the whole computation: nothing to connect to (its host line is only checked).
  if (processes === 1) return executeThreads<R>(module, options);
  const { executeProcesses } = await import('./processes.js');
  return executeProcesses<R>(module, options, checked, cluster);
}
