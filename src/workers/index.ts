/** The workers layer: the step loop that drives dataflows on a worker, and worker threads joined by shared memory. */
export { Worker, type WorkerOptions, type DataflowOptions, type WorkerStats } from './worker.js';
export { execute, type ExecuteOptions, type ExecuteResult } from './execute.js';
export { ThreadPool, type ThreadPoolOptions } from './pool.js';
export { runThread, type JobModule } from './thread.js';
export { WorkerError, WorkerErrorCode } from './errors.js';
export type { TrafficStats } from './mesh.js';
export type { Transport } from './transport.js';
