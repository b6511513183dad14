#!/usr/bin/env node
/**
 * `tessera` — the command line. Every command accepts --json, and then prints exactly one JSON
 * value as its last line of stdout (human-readable progress goes to stderr), so scripts can read it.
 */
import { readFileSync } from 'node:fs';
import { NonFiniteError, TesseraError } from '../util/errors.js';
import type { Command, CommandContext } from './command.js';
import { commandHelp } from './args.js';
import { linregCommand } from './linreg.js';
import { infoCommand } from './info.js';
import { benchCommand } from './bench.js';
import { trainCommand } from './train.js';
import { evaluateCommand, predictCommand } from './evaluate.js';
import { generateCommand, pretrainCommand } from './gpt.js';
import { explainCommand } from './explain.js';
import { reportCommand } from './report.js';
import { exportCommand } from './export.js';
import { importCommand } from './pytorch.js';
import { embedCommand, similarCommand } from './embed.js';
import { baselinesCommand } from './baselines.js';
import { finetuneCommand } from './bert.js';

const commands: Command[] = [
  trainCommand,
  evaluateCommand,
  predictCommand,
  explainCommand,
  reportCommand,
  exportCommand,
  importCommand,
  pretrainCommand,
  finetuneCommand,
  generateCommand,
  embedCommand,
  similarCommand,
  baselinesCommand,
  linregCommand,
  infoCommand,
  benchCommand,
];

function help(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return [
    'usage: tessera <command> [options] [--json]',
    '',
    'commands:',
    ...rows,
    '',
    "tessera <command> --help shows a command's options; tessera --version the version.",
  ].join('\n');
}

/** The package's version, from its package.json (dist/src/cli/main.js is three folders down). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Exit status of an interrupted command, as shells report a SIGINT: 128 + 2. */
const INTERRUPTED = 130;

/**
 * Ctrl-C: say which command stopped and what it has (and has not) saved, instead of dying
 * silently. Where the command's own code also listens (fit saving a checkpoint on SIGINT), that
 * code finishes its work and ends the process; a second Ctrl-C then stops at once.
 */
function onInterrupt(command: Command, json: boolean): void {
  let count = 0;
  process.on('SIGINT', () => {
    count++;
    const message = `tessera ${command.name}: interrupted (Ctrl-C); ${command.interrupted?.()}`;
    if (count === 1) console.error(message);
    if (count === 1 && json) console.log(JSON.stringify({ error: message, interrupted: true }));
    if (count > 1 || process.listenerCount('SIGINT') === 1) process.exit(INTERRUPTED);
  });
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const ctx: CommandContext = {
    json,
    log: (line) => (json ? process.stderr : process.stdout).write(line + '\n'),
  };
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(json ? JSON.stringify({ version: version() }) : `tessera ${version()}`);
    return 0;
  }
  const named = commands.find((c) => c.name === name);
  if (!named) {
    const message = `tessera: unknown command "${name}"; expected one of: ${commands.map((c) => c.name).join(', ')}`;
    console.error(message);
    if (json) console.log(JSON.stringify({ error: message }));
    return 2;
  }
  const command = named.variant?.(rest) ?? named;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  if (command.interrupted) onInterrupt(command, json);
  try {
    const result = await command.run(rest, ctx);
    if (json) console.log(JSON.stringify(result));
    return ctx.exitCode ?? 0;
  } catch (e) {
    // Our own errors are the user's to fix: print the message, not a stack trace.
    const message = e instanceof TesseraError ? e.message : ((e as Error).stack ?? String(e));
    console.error(message);
    if (json) console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    // 3: the run itself went wrong (it diverged), 2: the command line or the input did.
    if (e instanceof NonFiniteError) return 3;
    return e instanceof TesseraError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
