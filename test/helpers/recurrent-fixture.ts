/**
 * The PyTorch reference cases for the recurrent layers (test/fixtures/make_nn_recurrent.py), run
 * on whatever backend is current: test/nn/layers-recurrent.test.ts runs them on the CPU backends,
 * test/backend/webgpu-recurrent.test.ts on WebGPU. Values are read with `await t.data()` only, so
 * a device backend computes everything in place.
 */
import {
  type Tensor,
  SimpleRNN,
  LSTM,
  GRU,
  Bidirectional,
  type RecurrentLayer,
  tensor,
  zeros,
  grad,
  noGrad,
  sliceAxis,
  concat,
} from '../../src/index.js';
import { loadFixture } from './fixtures.js';
import { assertClose } from './gradcheck.js';

export interface RecurrentCase {
  kind: 'rnn' | 'lstm' | 'gru';
  bidirectional: boolean;
  shape: [number, number, number];
  units: number;
  /** Per sequence, its real steps (trailing padding); torch ran on the packed sequence. */
  lengths?: number[];
  x: number[];
  h0: number[];
  c0?: number[];
  weights: Record<string, number[]>;
  w: number[];
  wh: number[];
  wc?: number[];
  out: number[];
  hn: number[];
  cn?: number[];
  grads: Record<string, number[]>;
  dx: number[];
  dh0: number[];
  dc0?: number[];
}

export const RECURRENT_CASES = loadFixture<{ cases: RecurrentCase[] }>('nn_recurrent.json').cases;

export function caseName(c: RecurrentCase): string {
  const layer = `${c.bidirectional ? 'Bidirectional ' : ''}${c.kind.toUpperCase()}`;
  return c.lengths ? `${layer} with a mask (lengths ${c.lengths.join(', ')})` : layer;
}

export function makeLayer(kind: RecurrentCase['kind'], units: number, extra: object = {}): RecurrentLayer<Tensor[]> {
  const o = { units, returnSequences: true, returnState: true, ...extra };
  if (kind === 'lstm') return new LSTM<Tensor[]>(o);
  if (kind === 'gru') return new GRU<Tensor[]>(o);
  return new SimpleRNN<Tensor[]>(o);
}

/** torch's key for one of tessera's: Bidirectional's backward layer is torch's *_reverse set. */
function torchKey(key: string): string {
  if (key.startsWith('forwardLayer.')) return key.slice('forwardLayer.'.length);
  if (key.startsWith('backwardLayer.')) return `${key.slice('backwardLayer.'.length)}_reverse`;
  return key;
}

/** Keras's mask for the case's lengths: [batch, time] int32, 1 for the first `length` steps. */
function maskOf(c: RecurrentCase): Tensor | null {
  if (!c.lengths) return null;
  const [batch, time] = c.shape;
  const bits: number[] = [];
  for (let b = 0; b < batch; b++) for (let t = 0; t < time; t++) bits.push(t < c.lengths[b] ? 1 : 0);
  return tensor(bits, { shape: [batch, time], dtype: 'int32' });
}

/**
 * Build the case's layer with torch's weights, then compare the output sequence, the final
 * states, and the gradients of the input, the initial states and every weight with torch's.
 */
export async function checkRecurrentCase(c: RecurrentCase): Promise<void> {
  const [batch, time, features] = c.shape;
  const u = c.units;
  const inner = makeLayer(c.kind, u, { inputDim: features });
  const layer: RecurrentLayer<Tensor[]> | Bidirectional<Tensor[]> = c.bidirectional
    ? new Bidirectional<Tensor[]>(inner)
    : inner;
  layer.call(zeros([1, 1, features])); // builds the backward copy too
  const dict: Record<string, Tensor> = {};
  for (const [key, p] of layer.namedParameters()) dict[key] = tensor(c.weights[torchKey(key)], { shape: p.shape });
  if (Object.keys(dict).length !== Object.keys(c.weights).length)
    throw new Error(`${caseName(c)}: ${Object.keys(dict).length} weights; torch has ${Object.keys(c.weights).length}`);
  layer.loadStateDict(dict);

  const dirs = c.bidirectional ? 2 : 1;
  const mask = maskOf(c);
  const x = tensor(c.x, { shape: c.shape });
  const h0 = tensor(c.h0, { shape: [dirs, batch, u] });
  const c0 = c.c0 ? tensor(c.c0, { shape: [dirs, batch, u] }) : null;
  const run = (xs: Tensor, hs: Tensor, cs: Tensor | null): Tensor[] => {
    const perDir = (d: number): Tensor[] => {
      const h = sliceAxis(hs, 0, d, d + 1).reshape([batch, u]);
      return cs ? [h, sliceAxis(cs, 0, d, d + 1).reshape([batch, u])] : [h];
    };
    const init = c.bidirectional ? [...perDir(0), ...perDir(1)] : perDir(0);
    return layer.call(xs, { mask, initialState: init });
  };
  // torch stacks the final states of both directions: [dirs, batch, units]. states[k] is the
  // forward layer's k-th state; the backward layer's follow.
  const finalState = (states: Tensor[], k: number): Tensor =>
    c.bidirectional
      ? concat([states[k].reshape([1, batch, u]), states[k + states.length / 2].reshape([1, batch, u])])
      : states[k];
  const objective = (xs: Tensor, hs: Tensor, cs?: Tensor): Tensor => {
    const [out, ...states] = run(xs, hs, cs ?? null);
    let loss = out
      .mul(tensor(c.w, { shape: out.shape }))
      .sum()
      .add(
        finalState(states, 0)
          .mul(tensor(c.wh, { shape: [dirs, batch, u] }))
          .sum(),
      );
    if (cs)
      loss = loss.add(
        finalState(states, 1)
          .mul(tensor(c.wc!, { shape: [dirs, batch, u] }))
          .sum(),
      );
    return loss;
  };
  const name = caseName(c);
  const [out, ...states] = noGrad(() => run(x, h0, c0));
  if (out.shape.join() !== [batch, time, c.bidirectional ? 2 * u : u].join())
    throw new Error(`${name}: output shape [${out.shape.join(', ')}]`);
  assertClose(await out.data(), c.out, 1e-5, 1e-4, `${name}: output sequence`);
  assertClose(await finalState(states, 0).data(), c.hn, 1e-5, 1e-4, `${name}: final h`);
  if (c.cn) assertClose(await finalState(states, 1).data(), c.cn, 1e-5, 1e-4, `${name}: final c`);

  const inputs = c0 ? [x, h0, c0] : [x, h0];
  const grads = grad(objective)(...inputs);
  assertClose(await grads[0].data(), c.dx, 1e-5, 1e-4, `${name}: d input`);
  assertClose(await grads[1].data(), c.dh0, 1e-5, 1e-4, `${name}: d h0`);
  if (c0) assertClose(await grads[2].data(), c.dc0!, 1e-5, 1e-4, `${name}: d c0`);
  layer.zeroGrad();
  objective(x, h0, c0 ?? undefined).backward();
  for (const [key, p] of layer.namedParameters())
    assertClose(await p.grad!.data(), c.grads[torchKey(key)], 1e-5, 1e-4, `${name}: d ${key}`);
}
