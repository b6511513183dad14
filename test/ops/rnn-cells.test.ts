/**
 * The fused recurrent cells (ops/rnn.ts over Backend.lstmCell / gruCell): equal to the same step
 * composed from elementwise ops, forward and backward, and checked against finite differences;
 * an LSTM step's h and c are one node, so its backward kernel runs once per step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  lstmCell,
  gruCell,
  randn,
  manualSeed,
  grad,
  sigmoid,
  tanh,
  sliceAxis,
  concat,
  getBackend,
  LSTM,
  ShapeError,
} from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

/** Gate block k (each `units` wide) of a [rows, gates·units] tensor. */
const block = (t: Tensor, k: number, units: number): Tensor => sliceAxis(t, 1, k * units, (k + 1) * units);

function lstmComposed(gx: Tensor, gh: Tensor, cPrev: Tensor): { h: Tensor; c: Tensor } {
  const u = cPrev.shape[1];
  const pre = gx.add(gh);
  const [i, f, g, o] = [0, 1, 2, 3].map((k) => (k === 2 ? tanh(block(pre, k, u)) : sigmoid(block(pre, k, u))));
  const c = f.mul(cPrev).add(i.mul(g));
  return { h: o.mul(tanh(c)), c };
}

function gruComposed(gx: Tensor, gh: Tensor, hPrev: Tensor): Tensor {
  const u = hPrev.shape[1];
  const r = sigmoid(block(gx, 0, u).add(block(gh, 0, u)));
  const z = sigmoid(block(gx, 1, u).add(block(gh, 1, u)));
  const n = tanh(block(gx, 2, u).add(r.mul(block(gh, 2, u))));
  return z.neg().add(1).mul(n).add(z.mul(hPrev));
}

test('lstmCell equals the composed LSTM step, forward and every gradient (h and c both used)', () => {
  manualSeed(5);
  const gx = randn([3, 16]),
    gh = randn([3, 16]),
    c0 = randn([3, 4]);
  const loss = (cell: typeof lstmComposed) => (a: Tensor, b: Tensor, c: Tensor) => {
    const { h, c: cn } = cell(a, b, c);
    return h.mul(cn).add(h.mul(2)).sum();
  };
  const fused = lstmCell(gx, gh, c0);
  const composed = lstmComposed(gx, gh, c0);
  assertClose(fused.h.dataSync(), composed.h.dataSync(), 1e-6, 1e-5, 'h');
  assertClose(fused.c.dataSync(), composed.c.dataSync(), 1e-6, 1e-5, 'c');
  const gf = grad(loss(lstmCell))(gx, gh, c0);
  const gc = grad(loss(lstmComposed))(gx, gh, c0);
  gf.forEach((g, i) => assertClose(g.dataSync(), gc[i].dataSync(), 1e-6, 1e-5, `gradient ${i}`));
});

test('gruCell equals the composed GRU step (PyTorch form), forward and every gradient', () => {
  manualSeed(6);
  const gx = randn([3, 12]),
    gh = randn([3, 12]),
    h0 = randn([3, 4]);
  assertClose(gruCell(gx, gh, h0).dataSync(), gruComposed(gx, gh, h0).dataSync(), 1e-6, 1e-5, 'h');
  const loss = (cell: typeof gruComposed) => (a: Tensor, b: Tensor, c: Tensor) => cell(a, b, c).square().sum();
  const gf = grad(loss(gruCell))(gx, gh, h0);
  const gc = grad(loss(gruComposed))(gx, gh, h0);
  gf.forEach((g, i) => assertClose(g.dataSync(), gc[i].dataSync(), 1e-6, 1e-5, `gradient ${i}`));
});

test('lstmCell and gruCell gradients match finite differences; wrong shapes are refused by name', () => {
  manualSeed(7);
  const gx = randn([2, 12]),
    gh = randn([2, 12]),
    c0 = randn([2, 3]);
  gradcheck((a, b, c) => lstmCell(a, b, c).h, [gx, gh, c0]);
  gradcheck((a, b, c) => lstmCell(a, b, c).c, [gx, gh, c0]);
  gradcheck(
    (a, b, c) => {
      const { h, c: cn } = lstmCell(a, b, c);
      return concat([h.mul(cn), cn], 1);
    },
    [gx, gh, c0],
  );
  const rx = randn([2, 9]),
    rh = randn([2, 9]),
    h0 = randn([2, 3]);
  gradcheck((a, b, c) => gruCell(a, b, c), [rx, rh, h0]);
  assert.throws(() => lstmCell(gx, gh, randn([2, 4])), ShapeError);
  assert.throws(() => gruCell(rx, randn([2, 12]), h0), /gruCell: got gh of shape \[2, 12\].*expected \[2, 9\]/);
});

test('an LSTM layer runs one lstmCellBackward per time step, with both h and c gradients from the second step back', () => {
  manualSeed(8);
  const layer = new LSTM({ units: 3, inputDim: 2, returnSequences: true });
  const x = randn([2, 5, 2]);
  const loss = layer.call(x).square().sum();
  const be = getBackend();
  const original = be.lstmCellBackward;
  const seen: [boolean, boolean][] = [];
  be.lstmCellBackward = (dh, dc, ...rest) => {
    seen.push([dh !== null, dc !== null]);
    return original.call(be, dh, dc, ...rest);
  };
  try {
    loss.backward();
  } finally {
    be.lstmCellBackward = original;
  }
  // The last step's c reaches nothing (returnSequences outputs h only); every earlier c feeds the next step.
  assert.deepEqual(seen, [
    [true, false],
    [true, true],
    [true, true],
    [true, true],
    [true, true],
  ]);
});
