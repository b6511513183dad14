/** `tessera bench`: tessera beside TensorFlow.js and PyTorch on the same cases, as ratios. */
import { runBench } from '../bench/run.js';
import type { Command } from './command.js';
import { parseCommand } from './args.js';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark GEMM, convolution, the seed CNN and memory against TensorFlow.js and PyTorch',
  usage: 'tessera bench [--quick] [--only TEXT] [--out FILE] [--json]',
  async run(argv, ctx) {
    const { values } = parseCommand('bench', argv, {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      out: { type: 'string' },
    });
    const report = await runBench({
      quick: values.quick === true,
      only: values.only as string | undefined,
      outFile: values.out as string | undefined,
      log: ctx.log,
    });
    return report.rows;
  },
};
