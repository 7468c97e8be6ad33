/** Command-line option parsing for `timely`: `--name value` pairs checked against what a command accepts. */

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'BAD_OPTION';
}

/** What an option takes: text, a positive or non-negative integer, seconds (a positive number), or nothing (a flag). */
export interface OptionSpec {
  readonly [name: string]: 'string' | 'count' | 'int' | 'seconds' | 'flag';
}

/** Short forms, as timely's: -w workers, -n processes, -p process, -h hostfile. */
const SHORT: Record<string, string> = { '-w': 'workers', '-n': 'processes', '-p': 'process', '-h': 'hostfile' };

/** Parses `--name value` (or `--name=value`, or a short form) options; unknown, repeated and valueless options are usage errors. */
export function parseOptions(args: readonly string[], spec: OptionSpec, command: string): Map<string, string | number | true> {
  const out = new Map<string, string | number | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = SHORT[args[i]!] !== undefined && spec[SHORT[args[i]!]!] !== undefined ? `--${SHORT[args[i]!]}` : args[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument '${arg}'`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`${command}: unknown option --${name} (accepted: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
    if (out.has(name)) throw new UsageError(`${command}: --${name} is given twice; give it once`);
    if (kind === 'flag') {
      if (value !== undefined) throw new UsageError(`${command}: --${name} takes no value`);
      out.set(name, true);
      continue;
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    }
    if (kind === 'string') out.set(name, value);
    else if (kind === 'seconds') {
      const n = Number(value);
      if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600) throw new UsageError(`${command}: --${name} must be seconds, a number above 0 and at most 3600, got '${value}'`);
      out.set(name, n);
    } else {
      const n = Number(value);
      const min = kind === 'count' ? 1 : 0;
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) {
        throw new UsageError(`${command}: --${name} must be ${kind === 'count' ? 'a positive' : 'a non-negative'} integer, got '${value}'`);
      }
      out.set(name, n);
    }
  }
  return out;
}
