/** Settings read from the environment by the engine's process-wide tuning (`TIMELY_YOUNG_GROWTH`, `TIMELY_V8_NICE`). */
import { GraphError } from '../graph/errors.js';

/**
 * The integer setting `name` of `env`: `fallback` when unset or empty, INVALID_OPTION (naming the
 * range and `hint`) when it is not an integer from `min` to `max`.
 *
 * @example integerSetting(process.env, 'TIMELY_V8_NICE', 19, 0, 19, '0 leaves them alone'); // 19 unless set
 */
export function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, hint: string): number {
  const given = env[name];
  if (given === undefined || given === '') return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GraphError('INVALID_OPTION', `${name} must be an integer from ${min} to ${max} (${hint}), got '${given}'`);
  }
  return value;
}
