/** The workers layer: the step loop that drives dataflows on a worker. */
export { Worker, type WorkerOptions, type DataflowOptions, type WorkerStats } from './worker.js';
