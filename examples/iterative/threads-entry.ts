/**
 * The script the examples' worker threads start with: the runtime with the examples' jobs linked in.
 * The build bundles it, with everything it imports, into threads-entry.bundle.js beside it: a thread
 * then loads one file instead of some sixty modules, which on few cores is most of what a small
 * example costs on more threads (see docs/performance.md, "Starting threads").
 */
import { runThread } from '../../src/workers/thread.js';
import shareJob from './share-job.js';
import { SHARE_JOB, THREADS_JOB } from './thread-scripts.js';
import threadsJob from './threads-job.js';

await runThread({ [THREADS_JOB.href]: { default: threadsJob }, [SHARE_JOB.href]: { default: shareJob } });
