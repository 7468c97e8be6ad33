/** The module every worker thread imports for `runExample`: run this worker's part of an example. */
import type { Worker } from '../../src/workers/worker.js';
import { runOn, type JobArgs, type NodeValues } from './run.js';

export default function job(worker: Worker, args: JobArgs): NodeValues {
  return runOn(worker, args.algorithm, args.edges, args.options);
}
