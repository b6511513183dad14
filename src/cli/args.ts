/**
 * Command-line parsing for `tessera`: node's own parseArgs, with unknown options reported by the
 * one options check (util/options.ts): the command, the option, and the options it accepts. Each
 * option carries its help line, so `tessera <command> --help` lists them all.
 */
import { parseArgs } from 'node:util';
import { ArgumentError } from '../util/errors.js';
import { unknownOptionError } from '../util/options.js';

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  /** What the option does, for --help (say the default there). */
  help: string;
  /** The value's placeholder in --help, e.g. 'N' (string options; default 'VALUE'). */
  value?: string;
}
export type OptionSpec = Record<string, OptionDef>;

/** What parseCommand needs of a command: its name, options and positional arguments. */
export interface CommandSyntax {
  name: string;
  options: OptionSpec;
  /** The positional arguments it takes, in order, with their help lines; more is an error. */
  arguments?: readonly (readonly [name: string, help: string])[];
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** The options every command takes. */
const COMMON: OptionSpec = {
  json: { type: 'boolean', help: 'print one JSON object as the last line of stdout (the rest goes to stderr)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** A negative number as an option value (`--epochs -1`), which parseArgs takes for an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * `--name -1` as `--name=-1` for string options, so a negative value reaches the option's own
 * check (which says what it expects) instead of parseArgs's "argument is ambiguous".
 */
function joinNegativeValues(argv: readonly string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parseCommand(command: CommandSyntax, rawArgv: string[]): Parsed {
  const name = command.name;
  const all: OptionSpec = { ...COMMON, ...command.options };
  // parseArgs takes only its own keys (type, short).
  const options = Object.fromEntries(
    Object.entries(all).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
  );
  const known = Object.keys(options).map((k) => `--${k}`);
  const argv = joinNegativeValues(rawArgv, all);
  // Unknown options first, through the one options check (the same message as everywhere else).
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'option' && !Object.hasOwn(options, token.name))
      throw unknownOptionError(`tessera ${name}`, token.rawName, known);
  }
  let parsed: Parsed;
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    parsed = { values: values as Parsed['values'], positionals };
  } catch (e) {
    throw new ArgumentError(`tessera ${name}: ${(e as Error).message}; expected options: ${known.join(', ')}`);
  }
  const expected = command.arguments ?? [];
  if (parsed.positionals.length > expected.length) {
    const extra = parsed.positionals.slice(expected.length);
    const takes = expected.length === 0 ? 'no arguments besides options' : `only ${expected.map(([a]) => a).join(' ')}`;
    throw new ArgumentError(
      `tessera ${name}: got extra argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => JSON.stringify(a)).join(' ')}; expected ${takes} (see tessera ${name} --help)`,
    );
  }
  return parsed;
}

/** `tessera <command> --help`: the usage line, the summary, the arguments and every option. */
export function commandHelp(command: CommandSyntax & { usage: string; summary: string }): string {
  const rows: [string, string][] = [];
  for (const [key, o] of Object.entries({ ...command.options, ...COMMON })) {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${key}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    rows.push([flag, o.help]);
  }
  const width = Math.max(...rows.map(([f]) => f.length), ...(command.arguments ?? []).map(([a]) => a.length)) + 2;
  const lines = [`usage: ${command.usage}`, '', command.summary];
  if (command.arguments?.length) {
    lines.push('', 'arguments:');
    for (const [a, h] of command.arguments) lines.push(`  ${a.padEnd(width)}${h}`);
  }
  lines.push('', 'options:');
  for (const [f, h] of rows) lines.push(`  ${f.padEnd(width)}${h}`);
  return lines.join('\n');
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
