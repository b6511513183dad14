/** `tessera info`: versions and the active backend. */
import os from 'node:os';
import { getBackend } from '../backend/registry.js';
import type { Command } from './command.js';
import { parseCommand } from './args.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'show the active backend, Node.js version and CPU',
  usage: 'tessera info [--json]',
  async run(argv, ctx) {
    parseCommand('info', argv, {});
    const result = {
      backend: getBackend().name,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
    };
    for (const [k, v] of Object.entries(result)) ctx.log(`${k.padEnd(10)} ${v}`);
    return result;
  },
};
