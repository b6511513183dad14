/**
 * Elementwise, reduction and softmax ops: whether tessera's WebAssembly kernels beat its own
 * TypeScript loops (the portable backend, timed in the same process on the same data), and how
 * both compare with the peers. Sizes: a million elements (an activation map of a small CNN at
 * batch 128) and the seed CNN's own output layer at batch 32 (where a call costs more than its
 * arithmetic). The tessera row's `typescriptLoopMs` and `vsTypescriptLoop` (loop ms ÷ wasm ms)
 * are the evidence for which ops have a wasm kernel.
 */
import { add, exp, getBackend, randn, relu, setBackend, softmax, sum, tanh, type Tensor } from '../index.js';
import { measure, round, type Figures, type Timing } from './timing.js';
import { tfjsRow, timeTfjsOp, type Tf, type TfTensor } from './tfjs.js';
import type { BenchCase, BenchSettings, ElementwiseOp, Row } from './types.js';

export interface ElementwiseShape {
  op: ElementwiseOp;
  /**
   * The input's shape; `add` adds a vector of the last axis's length (a bias), `sum` and `softmax`
   * work along the last axis.
   */
  shape: readonly number[];
}

export const ELEMENTWISE_SHAPES: readonly ElementwiseShape[] = [
  { op: 'relu', shape: [1024, 1024] },
  { op: 'exp', shape: [1024, 1024] },
  { op: 'tanh', shape: [1024, 1024] },
  { op: 'add', shape: [8192, 128] },
  { op: 'sum', shape: [8192, 128] },
  { op: 'softmax', shape: [8192, 128] },
  { op: 'softmax', shape: [32, 10] },
];

const DESCRIPTION: Record<ElementwiseOp, string> = {
  relu: 'relu',
  exp: 'exp',
  tanh: 'tanh',
  add: 'add bias',
  sum: 'sum last axis',
  softmax: 'softmax last axis',
};

export function elementwiseCaseName(s: ElementwiseShape): string {
  return `${DESCRIPTION[s.op]} [${s.shape.join(',')}]`;
}

/** tessera's op on x (and the bias vector for add). */
function tesseraOp(op: ElementwiseOp, x: Tensor, bias: Tensor): () => Tensor {
  switch (op) {
    case 'relu':
      return () => relu(x);
    case 'exp':
      return () => exp(x);
    case 'tanh':
      return () => tanh(x);
    case 'add':
      return () => add(x, bias);
    case 'sum':
      return () => sum(x, -1);
    case 'softmax':
      return () => softmax(x, -1);
  }
}

function tfjsOp(tf: Tf, op: ElementwiseOp, x: TfTensor, bias: TfTensor): () => TfTensor {
  switch (op) {
    case 'relu':
      return () => tf.relu(x);
    case 'exp':
      return () => tf.exp(x);
    case 'tanh':
      return () => tf.tanh(x);
    case 'add':
      return () => tf.add(x, bias);
    case 'sum':
      return () => tf.sum(x, -1);
    case 'softmax':
      return () => tf.softmax(x, -1);
  }
}

function msFigures(t: Timing): Figures {
  return { ms: round(t.ms), peakRssMiB: round(t.peakRssMiB), runs: t.runs };
}

/** The op timed on the active backend, with inputs made on it. */
async function timeTessera(s: ElementwiseShape, settings: BenchSettings): Promise<Timing> {
  const x = randn(s.shape);
  const bias = randn([s.shape[s.shape.length - 1]]);
  return measure(tesseraOp(s.op, x, bias), settings.timing);
}

export async function elementwiseRows(s: ElementwiseShape, settings: BenchSettings): Promise<Row[]> {
  const name = elementwiseCaseName(s);
  const active = getBackend();
  const fast = await timeTessera(s, settings);
  let loop: Timing;
  try {
    setBackend('portable');
    loop = await timeTessera(s, settings);
  } finally {
    setBackend(active);
  }
  const rows: Row[] = [
    {
      case: name,
      engine: 'tessera',
      backend: active.name,
      ...msFigures(fast),
      typescriptLoopMs: round(loop.ms),
      vsTypescriptLoop: round(loop.ms / fast.ms),
    },
  ];
  for (const engine of ['tfjs-cpu', 'tfjs-wasm'] as const) {
    if (!settings.peers.includes(engine)) continue;
    rows.push(
      await tfjsRow(name, engine, settings, async (tf) => {
        const x = tf.randomNormal([...s.shape]);
        const bias = tf.randomNormal([s.shape[s.shape.length - 1]]);
        return msFigures(await timeTfjsOp(tf, [x, bias], tfjsOp(tf, s.op, x, bias), settings.timing));
      }),
    );
  }
  return rows;
}

export function elementwiseCases(): BenchCase[] {
  return ELEMENTWISE_SHAPES.map((s) => ({
    name: elementwiseCaseName(s),
    run: (settings) => elementwiseRows(s, settings),
    torch: { kind: 'elementwise', op: s.op, shape: s.shape },
  }));
}
