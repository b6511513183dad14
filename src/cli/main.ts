#!/usr/bin/env node
/**
 * `tessera` — the command line. Every command accepts --json, and then prints exactly one JSON
 * value as its last line of stdout (human-readable progress goes to stderr), so scripts can read it.
 */
import { TesseraError } from '../util/errors.js';
import type { Command, CommandContext } from './command.js';
import { linregCommand } from './linreg.js';
import { infoCommand } from './info.js';
import { benchCommand } from './bench.js';
import { trainCommand } from './train.js';
import { evaluateCommand, predictCommand } from './evaluate.js';
import { generateCommand, pretrainCommand } from './gpt.js';
import { exportCommand, importCommand } from './pytorch.js';

const commands: Command[] = [
  trainCommand,
  evaluateCommand,
  predictCommand,
  pretrainCommand,
  generateCommand,
  exportCommand,
  importCommand,
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
    "tessera <command> --help shows a command's options.",
  ].join('\n');
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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const message = `tessera: unknown command "${name}"; expected one of: ${commands.map((c) => c.name).join(', ')}`;
    console.error(message);
    if (json) console.log(JSON.stringify({ error: message }));
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: ${command.usage}`);
    return 0;
  }
  try {
    const result = await command.run(rest, ctx);
    if (json) console.log(JSON.stringify(result));
    return 0;
  } catch (e) {
    // Our own errors are the user's to fix: print the message, not a stack trace.
    const message = e instanceof TesseraError ? e.message : ((e as Error).stack ?? String(e));
    console.error(message);
    if (json) console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    return e instanceof TesseraError ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
