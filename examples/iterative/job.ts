/** The module every worker thread imports for `runExample`: run this worker's part of an example. */
import type { Worker } from '../../src/workers/worker.js';
import { timedRuns, type JobArgs, type WorkerPart } from './run.js';

export default function job(worker: Worker, args: JobArgs): WorkerPart {
  return timedRuns(worker, args.algorithm, args.edges, args.options, args.runs, args.parts);
}
