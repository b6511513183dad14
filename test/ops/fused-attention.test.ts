/**
 * The transformer block's fused kernels (ops/fused-attention.ts) against the compositions they
 * replace and against finite differences: gelu's one-pass kernel vs ½x(1 + erf(x/√2)) composed of
 * elementwise ops, and scaledDotProductAttention's fused scale + causal mask + softmax (taken
 * without a mask tensor) vs the composed path (taken with an all-zero mask, which blocks nothing),
 * values and gradients, on the active backend and on the portable reference; and layerNorm's fused
 * pass over the last axis vs the composition of mean, sub, square, sqrt and friends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  erf,
  getBackend,
  gelu,
  grad,
  layerNorm,
  manualSeed,
  mean,
  mul,
  reciprocal,
  reshape,
  sqrt,
  square,
  sub,
  portableBackend,
  randn,
  scaledDotProductAttention,
  setBackend,
  tensor,
  zeros,
  type Tensor,
} from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

const composedGelu = (x: Tensor): Tensor => mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));

/** Run `f` on the active backend and on the portable one (tensors made inside `f`). */
function onBothBackends(f: (what: string) => void): void {
  const active = getBackend();
  f(active.name);
  setBackend(portableBackend);
  try {
    f('portable');
  } finally {
    setBackend(active);
  }
}

test('gelu (fused) equals the erf composition: values and gradient, small and large, tails included', () => {
  onBothBackends((be) => {
    manualSeed(40);
    for (const n of [7, 3 * 4096 + 5]) {
      // Spread wide enough to reach both erf branches and the far tails (Φ tiny and Φ ≈ 1).
      const x = mul(randn([n]), 4);
      const w = randn([n]);
      const what = `${be} n=${n}`;
      assertClose(gelu(x).dataSync(), composedGelu(x).dataSync(), 1e-6, 2e-6, `${what} forward`);
      const [dF] = grad((a: Tensor) => gelu(a).mul(w).sum())(x);
      const [dC] = grad((a: Tensor) => composedGelu(a).mul(w).sum())(x);
      assertClose(dF.dataSync(), dC.dataSync(), 1e-5, 1e-5, `${what} gradient`);
    }
  });
});

test('gelu (fused): closed-form points, NaN and infinities', () => {
  onBothBackends((be) => {
    // Φ(0) = ½, Φ(±1) = ½(1 ± erf(1/√2)) with erf(1/√2) = 0.6826894921370859.
    const x = tensor([0, 1, -1, 3, -3, Number.NaN, Infinity, -Infinity, ...new Array(200).fill(0.5)]);
    const y = gelu(x).dataSync();
    const phi1 = 0.5 * (1 + 0.6826894921370859);
    const want = [0, phi1, -(1 - phi1), 3 * 0.9986501019683699, -3 * 0.0013498980316301];
    assertClose(Array.from(y.slice(0, 5)), want, 1e-7, 1e-6, `${be} closed form`);
    // NaN and ±∞ as the composition has them: NaN, ∞, and −∞·0 = NaN.
    assertClose(y, composedGelu(x).dataSync(), 1e-7, 1e-6, `${be} special values`);
    assert.ok(Number.isNaN(y[5]) && y[6] === Infinity, `${be}: gelu(NaN) = ${y[5]}, gelu(∞) = ${y[6]}`);
  });
});

test('gelu (fused) gradchecks', () => {
  onBothBackends(() => {
    manualSeed(41);
    gradcheck((a) => gelu(a), [randn([3, 50]).mul(2)], { eps: 1e-2 });
  });
});

/** q, k, v [2, 3, t, 8] (batch, heads) with a few hundred scores per head, so the wasm kernel runs. */
function qkv(tq: number, tk: number): [Tensor, Tensor, Tensor] {
  return [randn([2, 3, tq, 8]), randn([2, 3, tk, 8]), randn([2, 3, tk, 8])];
}

test('attention (fused softmax) equals the composed path: causal or not, values, weights, gradients', () => {
  onBothBackends((be) => {
    manualSeed(42);
    for (const [tq, tk] of [
      [17, 17],
      [5, 9],
      [9, 5],
    ]) {
      for (const causal of [true, false]) {
        const [q, k, v] = qkv(tq, tk);
        const w = randn([2, 3, tq, 8]);
        // An all-zero mask hides nothing but takes the composed path (mul, where, softmax).
        const none = zeros([tq, tk], { dtype: 'int32' });
        const what = `${be} tq=${tq} tk=${tk} causal=${causal}`;
        const fused = scaledDotProductAttention(q, k, v, { causal });
        const composed = scaledDotProductAttention(q, k, v, { causal, mask: none });
        assertClose(fused.weights.dataSync(), composed.weights.dataSync(), 1e-6, 1e-5, `${what} weights`);
        assertClose(fused.output.dataSync(), composed.output.dataSync(), 1e-6, 1e-5, `${what} output`);
        const loss = (mask: Tensor | null) => (a: Tensor, b: Tensor, c: Tensor) =>
          scaledDotProductAttention(a, b, c, { causal, mask }).output.mul(w).sum();
        const gF = grad(loss(null))(q, k, v);
        const gC = grad(loss(none))(q, k, v);
        for (let i = 0; i < 3; i++)
          assertClose(gF[i].dataSync(), gC[i].dataSync(), 1e-5, 1e-4, `${what} gradient ${'qkv'[i]}`);
      }
    }
  });
});

test('attention (fused softmax): causal rows are exactly 0 past the query, and gradchecks', () => {
  onBothBackends((be) => {
    manualSeed(43);
    const [q, k, v] = qkv(12, 12);
    const weights = scaledDotProductAttention(q, k, v, { causal: true }).weights.dataSync();
    for (let r = 0; r < 2 * 3 * 12; r++) {
      const i = r % 12;
      let total = 0;
      for (let j = 0; j < 12; j++) {
        const p = weights[r * 12 + j];
        if (j > i) assert.equal(p, 0, `${be}: row ${r} key ${j}`);
        total += p;
      }
      assert.ok(Math.abs(total - 1) < 1e-6, `${be}: row ${r} sums to ${total}`);
    }
    const [a, b, c] = [randn([1, 2, 6, 4]), randn([1, 2, 6, 4]), randn([1, 2, 6, 4])];
    gradcheck((x, y, z) => scaledDotProductAttention(x, y, z, { causal: true }).output, [a, b, c]);
    gradcheck((x, y, z) => scaledDotProductAttention(x, y, z, { scale: 0.7 }).output, [a, b, c]);
  });
});

/** layerNorm over the last axis, composed (what ops/normalization.ts does without the kernel). */
function composedLayerNorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  const centred = sub(x, mean(x, [-1], { keepDims: true }));
  let y = mul(centred, reciprocal(sqrt(add(mean(square(centred), [-1], { keepDims: true }), eps))));
  const cols = x.shape[x.rank - 1];
  if (w) y = mul(y, reshape(w, [1, 1, cols]));
  if (b) y = add(y, reshape(b, [1, 1, cols]));
  return y;
}

test('layerNorm (fused, last axis) equals the composition: values and gradients, with and without weight and bias', () => {
  onBothBackends((be) => {
    manualSeed(44);
    for (const shape of [
      [2, 3, 5],
      [4, 33, 70],
    ]) {
      const cols = shape[2];
      const x = add(mul(randn(shape), 3), 1.5);
      const w = add(randn([cols]), 1),
        b = randn([cols]);
      const gOut = randn(shape);
      for (const [wt, bt] of [
        [w, b],
        [null, null],
        [w, null],
      ] as const) {
        const what = `${be} ${JSON.stringify(shape)} weight=${wt !== null} bias=${bt !== null}`;
        const fused = layerNorm(x, { weight: wt, bias: bt, epsilon: 1e-5 });
        assertClose(fused.dataSync(), composedLayerNorm(x, wt, bt, 1e-5).dataSync(), 1e-5, 1e-5, `${what} forward`);
        const inputs = [x, ...(wt ? [wt] : []), ...(bt ? [bt] : [])];
        const call =
          (f: (a: Tensor, c: Tensor | null, d: Tensor | null) => Tensor) =>
          (...t: Tensor[]) =>
            f(t[0], wt ? t[1] : null, bt ? t[wt ? 2 : 1] : null)
              .mul(gOut)
              .sum();
        const gF = grad(call((a, c, d) => layerNorm(a, { weight: c, bias: d })))(...inputs);
        const gC = grad(call((a, c, d) => composedLayerNorm(a, c, d, 1e-5)))(...inputs);
        gF.forEach((g, i) => assertClose(g.dataSync(), gC[i].dataSync(), 1e-4, 1e-4, `${what} gradient ${i}`));
      }
    }
  });
});

test('layerNorm (fused) gradchecks', () => {
  onBothBackends(() => {
    manualSeed(45);
    const x = randn([2, 3, 6]);
    gradcheck((a, c, d) => layerNorm(a, { weight: c, bias: d }), [x, add(randn([6]), 1), randn([6])], {
      eps: 1e-2,
      atol: 3e-2,
    });
  });
});
