/** `tessera info`: versions and the active backend. */
import os from 'node:os';
import { backendInfo, backendReady } from '../backend/registry.js';
import type { Command } from './command.js';
import { parseCommand } from './args.js';

export const infoCommand: Command = {
  name: 'info',
  summary:
    'show the active backend (TESSERA_BACKEND, TESSERA_THREADS), its GPU adapter for webgpu, Node.js version and CPU',
  usage: 'tessera info [--json]',
  options: {},
  async run(argv, ctx) {
    parseCommand(infoCommand, argv);
    // Starts WebGPU when TESSERA_BACKEND=webgpu asks for it, so that the adapter can be named.
    await backendReady();
    const backend = backendInfo();
    const result = {
      backend: backend.name,
      threads: backend.threads,
      // Why a faster backend is not in use, when one was wanted (null when all is well).
      fallbackReason: backend.fallbackReason,
      threadProblem: backend.threadProblem,
      adapter: backend.adapter,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
    };
    for (const [k, v] of Object.entries(result)) if (v !== null) ctx.log(`${k.padEnd(14)} ${v}`);
    return result;
  },
};
