/** `tessera bench`: tessera beside TensorFlow.js and PyTorch on the same cases, as ratios. */
import { runBench } from '../bench/run.js';
import { PEERS, type Peer } from '../bench/types.js';
import { ArgumentError } from '../util/errors.js';
import type { Command } from './command.js';
import { parseCommand } from './args.js';

/** `--peers tfjs-cpu,pytorch` or `--peers none`; all of them when absent. */
function peersOption(value: string | boolean | undefined): readonly Peer[] {
  if (value === undefined) return PEERS;
  const names = String(value).split(',').map((s) => s.trim()).filter((s) => s && s !== 'none');
  const unknown = names.filter((n) => !PEERS.includes(n as Peer));
  if (unknown.length > 0) {
    throw new ArgumentError(`tessera bench: --peers got "${unknown.join(',')}"; expected a comma-separated list of ${PEERS.join(', ')}, or none`);
  }
  return names as Peer[];
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark GEMM, convolution, the seed CNN and memory against TensorFlow.js and PyTorch',
  usage: 'tessera bench [--quick] [--only TEXT] [--peers tfjs-cpu,tfjs-wasm,pytorch|none] [--out FILE] [--json]',
  async run(argv, ctx) {
    const { values } = parseCommand('bench', argv, {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      peers: { type: 'string' },
      out: { type: 'string' },
    });
    const report = await runBench({
      quick: values.quick === true,
      only: values.only as string | undefined,
      outFile: values.out as string | undefined,
      settings: { peers: peersOption(values.peers) },
      log: ctx.log,
    });
    return report.rows;
  },
};
