/**
 * The script a worker thread starts with by default: it imports each job's module when the job comes
 * (see `runThread` for an entry that links jobs in).
 */
import { runThread } from './thread.js';

await runThread();
