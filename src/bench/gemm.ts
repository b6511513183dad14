/**
 * float32 GEMM C = A·B with A [m, k] and B [k, n]: square sizes, and the seed CNN's own products
 * (its second convolution as im2col·kernel, its first Dense layer at batch 32).
 */
import { getBackend, matmul, randn } from '../index.js';
import { gflopFigures, measure, type Figures, type Timing } from './timing.js';
import { tfjsRow, timeTfjsOp } from './tfjs.js';
import type { BenchCase, BenchSettings, Row } from './types.js';

export interface GemmShape {
  m: number;
  k: number;
  n: number;
  /** Where the shape comes from, shown in the case name. */
  label?: string;
}

export const GEMM_SHAPES: readonly GemmShape[] = [
  { m: 256, k: 256, n: 256 },
  { m: 512, k: 512, n: 512 },
  { m: 1024, k: 1024, n: 1024 },
  { m: 3872, k: 288, n: 64, label: 'conv2 as GEMM' },
  { m: 32, k: 576, n: 64, label: 'dense at batch 32' },
];

export function gemmCaseName(s: GemmShape): string {
  return `gemm ${s.m}x${s.k}x${s.n}${s.label ? ` (${s.label})` : ''}`;
}

export async function gemmRows(shape: GemmShape, settings: BenchSettings): Promise<Row[]> {
  const name = gemmCaseName(shape);
  const flop = 2 * shape.m * shape.k * shape.n;
  const figures = (t: Timing): Figures => gflopFigures(flop, t);
  const a = randn([shape.m, shape.k]);
  const b = randn([shape.k, shape.n]);
  // Operands without requiresGrad: the product records nothing, as in inference.
  const rows: Row[] = [
    {
      case: name,
      engine: 'tessera',
      backend: getBackend().name,
      ...figures(await measure(() => matmul(a, b), settings.timing)),
    },
  ];
  for (const engine of ['tfjs-cpu', 'tfjs-wasm'] as const) {
    if (!settings.peers.includes(engine)) continue;
    rows.push(
      await tfjsRow(name, engine, settings, async (tf) => {
        const ta = tf.randomNormal([shape.m, shape.k]);
        const tb = tf.randomNormal([shape.k, shape.n]);
        return figures(await timeTfjsOp(tf, [ta, tb], () => tf.matMul(ta, tb), settings.timing));
      }),
    );
  }
  return rows;
}

export function gemmCases(): BenchCase[] {
  return GEMM_SHAPES.map((shape) => ({
    name: gemmCaseName(shape),
    run: (settings) => gemmRows(shape, settings),
    torch: { kind: 'gemm', m: shape.m, k: shape.k, n: shape.n },
  }));
}
