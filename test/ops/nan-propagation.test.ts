/**
 * NaN and ±∞ through activations, clamps, min/max, reductions, pooling and softmax, on every
 * backend, against PyTorch (test/fixtures/nan.json, written by test/fixtures/make_nan.py): a NaN
 * in the input must not vanish. Each entry is checked by kind — NaN exactly where PyTorch has NaN,
 * ±∞ exactly where it has ±∞ — and finite entries within float32 tolerance. Gradients are compared
 * the same way, except at the entries listed in GRADIENT_AT_NAN (see there).
 *
 * WebGPU runs on SwiftShader where available (eval "$(node scripts/webgpu-env.mjs)"), else skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import type { BackendName, Tensor } from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { webgpuSkipReason } from '../helpers/webgpu.js';

interface Encoded {
  shape: number[];
  data: (number | string)[];
}
interface Case {
  name: string;
  inputs: Encoded[];
  output: Encoded;
  grads?: Encoded[];
}

const { cases } = loadFixture<{ cases: Case[] }>('nan.json');
const values = (e: Encoded): number[] =>
  e.data.map((v) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v));

const ops: Record<string, (xs: Tensor[]) => Tensor> = {
  relu: ([x]) => T.relu(x),
  biasRelu: ([x, b]) => T.biasActivation(x, b, 'relu'),
  leakyRelu: ([x]) => T.leakyRelu(x, 0.3),
  elu: ([x]) => T.elu(x),
  relu6: ([x]) => T.getActivation('relu6')(x),
  clamp: ([x]) => T.clamp(x, -1, 1),
  sigmoid: ([x]) => T.sigmoid(x),
  tanh: ([x]) => T.tanh(x),
  softplus: ([x]) => T.softplus(x),
  silu: ([x]) => T.silu(x),
  gelu: ([x]) => T.gelu(x),
  abs: ([x]) => T.abs(x),
  maximum: ([x, y]) => T.maximum(x, y),
  minimum: ([x, y]) => T.minimum(x, y),
  max: ([x]) => T.max(x, -1),
  min: ([x]) => T.min(x, -1),
  argmax: ([x]) => T.argmax(x, -1),
  argmin: ([x]) => T.argmin(x, -1),
  softmax: ([x]) => T.softmax(x, -1),
  logSoftmax: ([x]) => T.logSoftmax(x, -1),
  softmaxAxis0: ([x]) => T.softmax(x, 0),
  logSumExp: ([x]) => T.logSumExp(x, -1),
  maxPool2d: ([x]) => T.maxPool2d(T.reshape(x, [1, 5, 5, 1]), { poolSize: 2, strides: 1 }),
};

/**
 * Gradient entries not compared: case name → per input, flat indices. At a NaN input PyTorch's
 * piecewise rules pick a branch by a comparison that NaN fails, so its gradient there is an
 * accident of how each rule is written (relu passes g, leaky relu the slope, clamp/relu6/abs 0,
 * maximum/minimum g to both sides); tessera's masks make other, equally arbitrary picks. The
 * forward output is NaN there on both, which is what matters (the loss turns NaN and so does g).
 * Row 0 column 1 of X is its NaN; Y and the bias B have NaN elsewhere (see make_nan.py).
 */
const NAN_IN_X = [1];
const NAN_IN_X_OR_Y = [0, 1, 2, 11, 13, 17];
const GRADIENT_AT_NAN: Record<string, number[][]> = {
  relu: [NAN_IN_X],
  biasRelu: [
    [1, 3, 8, 13, 18, 23],
    [1, 3],
  ],
  leakyRelu: [NAN_IN_X],
  relu6: [NAN_IN_X],
  clamp: [NAN_IN_X],
  abs: [NAN_IN_X],
  maximum: [NAN_IN_X_OR_Y, NAN_IN_X_OR_Y],
  minimum: [NAN_IN_X_OR_Y, NAN_IN_X_OR_Y],
};

/**
 * Row 1 of X holds +∞. PyTorch's softmax makes the whole row NaN (x − max is ∞ − ∞ at the ∞ and
 * −∞ elsewhere, whose exp-sum it then divides by); tessera's is NaN at the ∞ and 0 (log-softmax
 * −∞, gradient 1) at the others. The row still holds a NaN, so a loss over it is NaN on both:
 * the finite entries beside it are not compared.
 */
const ROW_WITH_INF = [5, 7, 8, 9];
const OUTPUT_SKIP: Record<string, number[]> = { softmax: ROW_WITH_INF, logSoftmax: ROW_WITH_INF };

function kind(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+∞';
  if (v === -Infinity) return '−∞';
  return 'finite';
}

/** The entries of `got` that differ from PyTorch's `want` in kind or (finite) value, described. */
function differences(what: string, got: ArrayLike<number>, want: number[], skip: number[] = []): string[] {
  if (got.length !== want.length) return [`${what}: ${got.length} entries, PyTorch ${want.length}`];
  const out: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const same = kind(g) === kind(w) && (kind(w) !== 'finite' || Math.abs(g - w) <= 1e-5 + 1e-4 * Math.abs(w));
    if (!same && !skip.includes(i)) out.push(`${what}[${i}]: got ${g}, PyTorch ${w}`);
  }
  return out;
}

const BACKENDS: BackendName[] = ['portable', 'wasm', 'wasm-simd', 'webgpu'];

for (const backend of BACKENDS) {
  test(`NaN/±∞ propagation on ${backend} matches PyTorch`, async (t) => {
    if (backend === 'webgpu') {
      const why = webgpuSkipReason();
      if (why !== null) {
        t.skip(why);
        return;
      }
    }
    const wrong: string[] = [];
    for (const c of cases) {
      const op = ops[c.name];
      assert.ok(op, `no runner for fixture case ${c.name}`);
      const grad = c.grads !== undefined;
      const xs: Tensor[] = [];
      for (const e of c.inputs) {
        const x = await T.tensor(values(e), { shape: e.shape }).to(backend);
        xs.push(grad ? x.requiresGrad_() : x);
      }
      const out = op(xs);
      wrong.push(...differences(`${c.name} output`, await out.data(), values(c.output), OUTPUT_SKIP[c.name]));
      if (!grad) continue;
      T.sum(out).backward();
      for (const [i, x] of xs.entries()) {
        assert.ok(x.grad, `${c.name}: no gradient`);
        const want = values(c.grads![i]);
        wrong.push(
          ...differences(
            `${c.name} grad[${i}]`,
            await x.grad.data(),
            want,
            c.name in OUTPUT_SKIP ? OUTPUT_SKIP[c.name] : GRADIENT_AT_NAN[c.name]?.[i],
          ),
        );
      }
    }
    assert.deepEqual(wrong, [], `${backend}: ${wrong.length} entries differ from PyTorch`);
  });
}
