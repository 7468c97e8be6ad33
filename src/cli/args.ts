/** Command-line option parsing for `timely`: `--name value` pairs checked against what a command accepts. */

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'BAD_OPTION';
}

export interface OptionSpec {
  readonly [name: string]: 'string' | 'count' | 'int';
}

/** Parses `--name value` (or `--name=value`) options; unknown, repeated and valueless options are usage errors. */
export function parseOptions(args: readonly string[], spec: OptionSpec, command: string): Map<string, string | number> {
  const out = new Map<string, string | number>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
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
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    }
    if (kind === 'string') out.set(name, value);
    else {
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
