/**
 * Forward values against PyTorch (float32). The inputs and torch's outputs live in
 * test/fixtures/ops.json, written by test/fixtures/make_ops.py; this test never runs PyTorch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/gradcheck.js';

interface Encoded {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: (number | string)[];
}
interface Case {
  name: string;
  op: string;
  inputs: Encoded[];
  args: Args;
  output: Encoded;
}

const decodeValues = (e: Encoded): number[] =>
  e.data.map((v) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v));
const decode = (e: Encoded): Tensor => T.tensor(decodeValues(e), { shape: e.shape, dtype: e.dtype });

/** The keyword arguments of the fixture's cases (make_ops.py) that the runners read. */
interface Args {
  axis?: number;
  axes?: number[];
  alpha?: number;
  correction?: number;
  keepDims?: boolean;
}
const ops: Record<string, (xs: Tensor[], a: Args) => Tensor> = {
  softmax: ([x], a) => T.softmax(x, a.axis),
  logSoftmax: ([x], a) => T.logSoftmax(x, a.axis),
  gelu: ([x]) => T.gelu(x),
  gelu_tanh: ([x]) => T.gelu(x, { approximate: 'tanh' }),
  erf: ([x]) => T.erf(x),
  sigmoid: ([x]) => T.sigmoid(x),
  tanh: ([x]) => T.tanh(x),
  softplus: ([x]) => T.softplus(x),
  silu: ([x]) => T.silu(x),
  elu: ([x]) => T.elu(x),
  leakyRelu: ([x], a) => T.leakyRelu(x, a.alpha),
  logSumExp: ([x], a) => T.logSumExp(x, a.axes),
  variance: ([x], a) => T.variance(x, a.axes, { correction: a.correction, keepDims: a.keepDims }),
  std: ([x], a) => T.std(x, a.axes, { correction: a.correction }),
  mean: ([x], a) => T.mean(x, a.axes),
  max: ([x], a) => T.max(x, a.axes),
  argmax: ([x], a) => T.argmax(x, a.axis),
  argmin: ([x], a) => T.argmin(x, a.axis),
  matmul: ([x, y]) => T.matmul(x, y),
  pow: ([x, y]) => T.pow(x, y),
};

const { cases } = loadFixture<{ cases: Case[] }>('ops.json');

test('the PyTorch fixture covers the promised ops', () => {
  const seen = new Set(cases.map((c) => c.op));
  for (const op of [
    'softmax',
    'logSoftmax',
    'gelu',
    'gelu_tanh',
    'erf',
    'logSumExp',
    'variance',
    'matmul',
    'pow',
    'sigmoid',
    'argmax',
    'argmin',
  ]) {
    assert.ok(seen.has(op), `fixture has no case for ${op}`);
  }
});

for (const c of cases) {
  test(`matches PyTorch: ${c.name}`, () => {
    const run = ops[c.op];
    assert.ok(run, `no runner for op ${c.op}`);
    const out = run(c.inputs.map(decode), c.args);
    assert.deepEqual([...out.shape], c.output.shape, `${c.name}: shape`);
    assert.equal(out.dtype, c.output.dtype, `${c.name}: dtype`);
    const expected = decodeValues(c.output);
    if (out.dtype === 'int32') assert.deepEqual(out.toFlatArray(), expected, `${c.name}: indices`);
    // float32 tolerance: a few ulps relative, plus a small absolute floor for values near 0.
    else assertClose(out.dataSync(), expected, 2e-6, 2e-5, c.name);
  });
}
