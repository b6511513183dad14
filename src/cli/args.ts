/**
 * Command-line parsing for `tessera`: node's own parseArgs, with unknown options reported by the
 * one options check (util/options.ts): the command, the option, and the options it accepts.
 */
import { parseArgs } from 'node:util';
import { ArgumentError } from '../util/errors.js';
import { unknownOptionError } from '../util/options.js';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommand(command: string, argv: string[], spec: OptionSpec): Parsed {
  const options = { json: { type: 'boolean' as const }, help: { type: 'boolean' as const, short: 'h' }, ...spec };
  const known = Object.keys(options).map((k) => `--${k}`);
  // Unknown options first, through the one options check (the same message as everywhere else).
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'option' && !Object.hasOwn(options, token.name))
      throw unknownOptionError(`tessera ${command}`, token.rawName, known);
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new ArgumentError(`tessera ${command}: ${(e as Error).message}; expected options: ${known.join(', ')}`);
  }
}

/** A positive integer option, or the default; anything else is an error naming the option. */
export function intOption(
  command: string,
  name: string,
  value: string | boolean | undefined,
  dflt: number,
  min = 1,
): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min) {
    throw new ArgumentError(
      `tessera ${command}: --${name} got ${JSON.stringify(value)}; expected an integer >= ${min}`,
    );
  }
  return n;
}

export function numberOption(command: string, name: string, value: string | boolean | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n)) {
    throw new ArgumentError(`tessera ${command}: --${name} got ${JSON.stringify(value)}; expected a number`);
  }
  return n;
}
