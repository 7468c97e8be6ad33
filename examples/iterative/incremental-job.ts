/** The module every worker imports for the incremental examples on several workers (see `runIncremental`). */
import type { Worker } from '../../src/workers/worker.js';
import { runIncremental, type IncrementalArgs, type IncrementalPart } from './incremental.js';

export default function incrementalJob(worker: Worker, args: IncrementalArgs): Promise<IncrementalPart> {
  return runIncremental(worker, args);
}
