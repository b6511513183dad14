/**
 * One convolution's forward and backward pass (gradients for both the input and the kernel) at
 * the three layer shapes of the seed's MNIST CNN at batch 32, 'valid' padding, stride 1. Every
 * engine differentiates sum(conv2d(x, k)), so the upstream gradient is all ones everywhere.
 */
import { conv2d, getBackend, randn } from '../index.js';
import { gflopFigures, measure, type Figures, type Timing } from './timing.js';
import { tfjsRow, type Tf } from './tfjs.js';
import type { BenchCase, BenchSettings, Row, TimingOptions } from './types.js';

export interface ConvShape {
  /** [batch, height, width, inChannels], channels-last. */
  x: readonly [number, number, number, number];
  /** [kernelH, kernelW, inChannels, outChannels]. */
  kernel: readonly [number, number, number, number];
}

export const CONV_SHAPES: readonly ConvShape[] = [
  { x: [32, 28, 28, 1], kernel: [3, 3, 1, 32] },
  { x: [32, 13, 13, 32], kernel: [3, 3, 32, 64] },
  { x: [32, 5, 5, 64], kernel: [3, 3, 64, 64] },
];

export function convCaseName(s: ConvShape): string {
  return `conv fwd+bwd x[${s.x.join(',')}] k[${s.kernel.join(',')}]`;
}

/** Multiply-adds ×2 of the forward product, and the same again for each of the two gradients. */
export function convFlop(s: ConvShape): number {
  const [n, h, w] = s.x;
  const [kh, kw, cin, cout] = s.kernel;
  const positions = n * (h - kh + 1) * (w - kw + 1);
  return 3 * 2 * positions * kh * kw * cin * cout;
}

export async function convRows(shape: ConvShape, settings: BenchSettings): Promise<Row[]> {
  const name = convCaseName(shape);
  const flop = convFlop(shape);
  const figures = (t: Timing): Figures => gflopFigures(flop, t);
  const x = randn(shape.x, { requiresGrad: true });
  const k = randn(shape.kernel, { requiresGrad: true });
  const step = (): void => {
    x.grad = null;
    k.grad = null;
    conv2d(x, k).sum().backward();
  };
  const rows: Row[] = [
    { case: name, engine: 'tessera', backend: getBackend().name, ...figures(await measure(step, settings.timing)) },
  ];
  if (settings.peers.includes('tfjs-cpu')) {
    rows.push(
      settings.quick
        ? {
            case: name,
            engine: 'tfjs-cpu',
            note: 'skipped under --quick: its convolution backward takes seconds per call; npm run bench measures it',
          }
        : await tfjsRow(name, 'tfjs-cpu', settings, (tf) => tfjsConv(tf, shape, settings.slowTiming, figures)),
    );
  }
  if (settings.peers.includes('tfjs-wasm')) {
    rows.push(await tfjsRow(name, 'tfjs-wasm', settings, (tf) => tfjsConv(tf, shape, settings.timing, figures)));
  }
  return rows;
}

async function tfjsConv(
  tf: Tf,
  shape: ConvShape,
  timing: TimingOptions,
  figures: (t: Timing) => Figures,
): Promise<Figures> {
  const x = tf.variable(tf.randomNormal([...shape.x]));
  const k = tf.variable(tf.randomNormal([...shape.kernel]));
  try {
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.conv2d(x, k, 1, 'valid')), [x, k]);
      grads[x.name].dataSync();
      grads[k.name].dataSync();
      tf.dispose([value, grads]);
    };
    return figures(await measure(step, timing));
  } finally {
    tf.dispose([x, k]);
  }
}

export function convCases(): BenchCase[] {
  return CONV_SHAPES.map((shape) => ({
    name: convCaseName(shape),
    run: (settings) => convRows(shape, settings),
    torch: { kind: 'conv', x: shape.x, kernel: shape.kernel },
  }));
}
