/**
 * How fast V8's young generation grows. A dataflow makes objects in bursts that live for a step or two
 * (the records of a batch, the updates an input holds until the next step): V8 starts the young
 * generation at 1 MiB per semi-space and doubles it only after collections that found much of it alive,
 * so a load's first tens of collections each promote a batch that is about to die to the old
 * generation, which then grows, is collected, and faults its pages in again. Growing sixteenfold at
 * once reaches V8's usual ceiling (16 MiB per semi-space) on the first such collection. The ceiling
 * itself is unchanged, and a process that never keeps many young objects alive never grows at all.
 */
import { setFlagsFromString } from 'node:v8';
import { integerSetting } from './settings.js';

/** The factor the young generation grows by when objects survive in it, unless `TIMELY_YOUNG_GROWTH` says otherwise (V8's own is 2). */
export const YOUNG_GROWTH = 16;

/** The newest V8 major version known to read `--semi-space-growth-factor` at each growth (Node 20 to 24 ship 11 to 13). */
const NEWEST_V8 = 13;

let applied: number | undefined;

/**
 * Sets V8's young-generation growth factor for the whole process (every thread), once: to
 * `TIMELY_YOUNG_GROWTH` if set (an integer from 1 to 64; 2 is V8's own behaviour), to `YOUNG_GROWTH`
 * otherwise. Leaves V8 alone when the process was started with a semi-space flag of its own (on the
 * command line or in `NODE_OPTIONS`), or on a V8 newer than those known to read the flag. Every
 * `Worker` calls it when made.
 *
 * @example
 * // TIMELY_YOUNG_GROWTH=2 node job.js   → V8's own sizing
 * tuneYoungGeneration(); // returns the factor set, or undefined if V8 was left alone
 */
export function tuneYoungGeneration(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const factor = integerSetting(env, 'TIMELY_YOUNG_GROWTH', YOUNG_GROWTH, 1, 64, "2 is V8's own");
  if (applied === factor) return factor;
  // A semi-space flag of the process's own, on the command line or in NODE_OPTIONS (which Node accepts
  // `--max-semi-space-size` from), is the user's choice.
  if (process.execArgv.some((arg) => arg.includes('semi-space')) || (env['NODE_OPTIONS'] ?? '').includes('semi-space')) return undefined;
  if (Number(process.versions.v8.split('.')[0]) > NEWEST_V8) return undefined;
  setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  applied = factor;
  return factor;
}
