/**
 * `tessera bench`: tessera beside TensorFlow.js and PyTorch on the same cases, as ratios. The
 * harness (src/bench) is not in the npm package: it needs devDependencies (TensorFlow.js) and the
 * repository's bench/ folder. So it is imported on use, and where it is absent the command says
 * where to run it instead of failing to start.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Peer } from '../bench/types.js';
import { ArgumentError } from '../util/errors.js';
import type { Command } from './command.js';
import { parseCommand } from './args.js';

type Harness = typeof import('../bench/run.js') & typeof import('../bench/types.js');

/** The harness, or an error saying where it lives (test/package.test.ts runs this in a packed tarball). */
async function loadBenchHarness(): Promise<Harness> {
  const run = new URL('../bench/run.js', import.meta.url);
  if (!existsSync(fileURLToPath(run))) {
    throw new ArgumentError(
      `tessera bench: the benchmark harness (${fileURLToPath(run)}) is not here; it is not part of the npm package, since it needs ` +
        'devDependencies (TensorFlow.js) and the bench/ folder of the repository. Run it in a clone of tessera: npm ci && npx tessera bench',
    );
  }
  const [runModule, types] = await Promise.all([import('../bench/run.js'), import('../bench/types.js')]);
  return { ...runModule, ...types };
}

/** `--peers tfjs-cpu,pytorch` or `--peers none`; all of them when absent. */
function peersOption(value: string | boolean | undefined, known: readonly Peer[]): readonly Peer[] {
  if (value === undefined) return known;
  const names = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'none');
  const unknown = names.filter((n) => !known.includes(n as Peer));
  if (unknown.length > 0) {
    throw new ArgumentError(
      `tessera bench: --peers got "${unknown.join(',')}"; expected a comma-separated list of ${known.join(', ')}, or none`,
    );
  }
  return names as Peer[];
}

export const benchCommand: Command = {
  name: 'bench',
  summary:
    'benchmark GEMM, convolution, the seed CNN, the GPT, BERT pre-training, an LSTM and memory against TensorFlow.js and PyTorch',
  usage: 'tessera bench [--quick] [--only TEXT] [--peers tfjs-cpu,tfjs-wasm,pytorch|none] [--out FILE] [--json]',
  options: {
    quick: { type: 'boolean', help: 'fewer repetitions and smaller cases: a minute instead of many' },
    only: { type: 'string', value: 'TEXT', help: 'run only the cases whose name contains TEXT' },
    peers: {
      type: 'string',
      value: 'LIST',
      help: 'comma-separated peers to compare with: tfjs-cpu, tfjs-wasm, pytorch, or none (default all)',
    },
    out: { type: 'string', value: 'FILE', help: 'also write the report as JSON to FILE' },
  },
  async run(argv, ctx) {
    const { values } = parseCommand(benchCommand, argv);
    const { runBench, PEERS } = await loadBenchHarness();
    const report = await runBench({
      quick: values.quick === true,
      only: values.only as string | undefined,
      outFile: values.out as string | undefined,
      settings: { peers: peersOption(values.peers, PEERS) },
      log: ctx.log,
    });
    // One object, as every command's --json: the rows, and the file written (or null).
    return { rows: report.rows, file: report.file };
  },
};
