import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  tensor,
  manualSeed,
  rand,
  randn,
  sigmoid,
  softmax,
  getLoss,
  meanSquaredError,
  meanAbsoluteError,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  categoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
  ArgumentError,
  DTypeError,
  ShapeError,
  type Reduction,
  type ProbabilisticLossOptions,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

interface LossCase {
  name: string;
  loss: string;
  options: ProbabilisticLossOptions;
  pred: number[];
  predShape: number[];
  target: number[];
  targetShape: number[];
  targetDtype: 'float32' | 'int32';
  mean: number[];
  sum: number[];
  none: number[];
  noneShape: number[];
  gradMean: number[];
}

type Loss = (p: Tensor, t: Tensor, o?: ProbabilisticLossOptions) => Tensor;
const LOSSES: Record<string, Loss> = {
  meanSquaredError,
  meanAbsoluteError,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  categoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
};

const fixture = loadFixture<{ cases: LossCase[] }>('nn_losses.json');

function inputs(c: LossCase): [Tensor, Tensor] {
  return [tensor(c.pred, { shape: c.predShape }), tensor(c.target, { shape: c.targetShape, dtype: c.targetDtype })];
}

for (const c of fixture.cases) {
  test(`${c.name}: every reduction and the gradient match PyTorch`, () => {
    const loss = LOSSES[c.loss];
    assert.ok(loss, `unknown loss ${c.loss}`);
    for (const reduction of ['mean', 'sum', 'none'] as Reduction[]) {
      const [p, t] = inputs(c);
      const out = loss(p, t, { ...c.options, reduction });
      if (reduction === 'none') assert.deepEqual(out.shape, c.noneShape, `${c.name} none shape`);
      else assert.deepEqual(out.shape, [], `${c.name} ${reduction} is a scalar`);
      assertClose(out.dataSync(), c[reduction], 1e-5, 1e-4, `${c.name} ${reduction}`);
    }
    const [p, t] = inputs(c);
    p.requiresGrad = true;
    loss(p, t, c.options).backward();
    assertClose(p.grad!.dataSync(), c.gradMean, 1e-6, 1e-4, `${c.name} gradient`);
  });
}

test('the fixture covers every loss, extreme logits and every reduction', () => {
  const names = new Set(fixture.cases.map((c) => c.loss));
  for (const name of Object.keys(LOSSES)) assert.ok(names.has(name), `no fixture case for ${name}`);
  const extremes = fixture.cases.filter((c) => c.options.fromLogits || c.loss === 'binaryCrossEntropyWithLogits');
  assert.ok(
    extremes.every((c) => c.pred.some((v) => Math.abs(v) >= 100)),
    'every logits case includes ±100',
  );
});

test('gradcheck: every loss, with respect to predictions (and float targets)', () => {
  manualSeed(11);
  const probs = () => sigmoid(randn([3, 2])).detach();
  const soft = () => softmax(randn([3, 4])).detach();
  gradcheck((p, t) => meanSquaredError(p, t), [randn([3, 2]), randn([3, 2])]);
  gradcheck(
    (p, t) => meanAbsoluteError(p, t, { reduction: 'none' }),
    [
      tensor([
        [0.5, -1],
        [2, 0.3],
      ]),
      tensor([
        [0, 1],
        [-1, 1],
      ]),
    ],
  );
  gradcheck((p, t) => binaryCrossEntropy(p, t), [probs(), rand([3, 2])], { eps: 1e-3 });
  gradcheck((x, t) => binaryCrossEntropyWithLogits(x, t, { reduction: 'sum' }), [randn([3, 2]).mul(3), rand([3, 2])]);
  gradcheck(
    (x, t) => categoricalCrossEntropy(x, t, { fromLogits: true, reduction: 'none' }),
    [randn([3, 4]).mul(2), soft()],
  );
  gradcheck((p, t) => categoricalCrossEntropy(p, t), [soft(), soft()], { eps: 1e-3 });
  const labels = tensor([1, 0, 3], { dtype: 'int32' });
  gradcheck((x) => sparseCategoricalCrossEntropy(x, labels, { fromLogits: true }), [randn([3, 4]).mul(2)]);
  gradcheck((p) => sparseCategoricalCrossEntropy(p, labels, { reduction: 'sum' }), [soft()], { eps: 1e-3 });
});

test('binaryCrossEntropyWithLogits has the exact gradient σ(x) − y at x = 0', () => {
  // A zero-initialised output layer starts here; kinked relu/abs compositions get it wrong.
  const x = tensor([0, 0], { requiresGrad: true });
  binaryCrossEntropyWithLogits(x, tensor([1, 0]), { reduction: 'sum' }).backward();
  assertClose(x.grad!.dataSync(), [-0.5, 0.5], 1e-7);
});

test('binaryCrossEntropy clamps probabilities so 0 and 1 give finite losses', () => {
  const loss = binaryCrossEntropy(tensor([0, 1, 1, 0]), tensor([1, 0, 1, 0]), { reduction: 'none' });
  // Clamped to [1e-7, 1 − 1e-7] as stored in float32 (1 − 1e-7 rounds to 1 − 1.19e-7).
  const lo = Math.fround(1e-7),
    hi = Math.fround(1 - 1e-7);
  assertClose(loss.dataSync(), [-Math.log(lo), -Math.log(1 - hi), -Math.log(hi), -Math.log(1 - lo)], 1e-6, 1e-4);
  assert.ok(loss.toFlatArray().every(Number.isFinite));
  const p = tensor([0, 1], { requiresGrad: true });
  binaryCrossEntropy(p, tensor([1, 0])).backward();
  assert.ok(p.grad!.toFlatArray().every(Number.isFinite), 'gradient is finite at the clamp');
});

test('categorical losses from logits stay finite at ±1000', () => {
  const logits = tensor([
    [1000, -1000, 0],
    [-1000, 1000, 1000],
  ]);
  const sparse = sparseCategoricalCrossEntropy(logits, tensor([1, 2], { dtype: 'int32' }), {
    fromLogits: true,
    reduction: 'none',
  });
  assertClose(sparse.dataSync(), [2000, Math.LN2], 1e-3, 1e-6);
  const bce = binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([0, 0]), { reduction: 'none' });
  assertClose(bce.dataSync(), [1000, 0], 1e-3);
});

test('sparse labels may carry a trailing axis of 1, as in Keras', () => {
  manualSeed(2);
  const x = randn([4, 3]);
  const a = sparseCategoricalCrossEntropy(x, tensor([0, 1, 2, 1], { dtype: 'int32' }), { fromLogits: true });
  const b = sparseCategoricalCrossEntropy(x, tensor([[0], [1], [2], [1]], { dtype: 'int32' }), { fromLogits: true });
  assert.equal(a.item(), b.item());
});

test('losses refuse inputs that would silently compute the wrong thing', () => {
  const p = tensor([
    [0.2, 0.8],
    [0.6, 0.4],
  ]);
  const throwsWith = (f: () => unknown, cls: new (...a: never[]) => Error, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof cls && re.test(e.message), `expected ${cls.name} matching ${re}`);
  // Shape mismatch that broadcasting would accept.
  throwsWith(
    () => meanSquaredError(tensor([[1], [2], [3]]), tensor([[1, 2, 3]])),
    ShapeError,
    /meanSquaredError: predictions have shape \[3, 1\] but targets \[1, 3\]/,
  );
  throwsWith(
    () => categoricalCrossEntropy(p, tensor([0, 1], { dtype: 'int32' })),
    ShapeError,
    /sparseCategoricalCrossEntropy/,
  );
  throwsWith(() => binaryCrossEntropy(p, tensor([1, 0, 1, 0])), ShapeError, /expected the same shape/);
  // Labels.
  throwsWith(() => sparseCategoricalCrossEntropy(p, tensor([0, 1])), DTypeError, /int32 class indices/);
  throwsWith(
    () => sparseCategoricalCrossEntropy(p, tensor([0, 2], { dtype: 'int32' })),
    ArgumentError,
    /label 2 at position 1 is out of range; expected 0 <= label < 2/,
  );
  throwsWith(() => sparseCategoricalCrossEntropy(p, tensor([0, -1], { dtype: 'int32' })), ArgumentError, /label -1/);
  throwsWith(
    () => sparseCategoricalCrossEntropy(p, tensor([0, 1, 1], { dtype: 'int32' })),
    ShapeError,
    /expected labels of shape \[2\]/,
  );
  // Logits passed as probabilities.
  throwsWith(
    () => binaryCrossEntropy(tensor([2.5, -1]), tensor([1, 0])),
    ArgumentError,
    /not a probability.*fromLogits/,
  );
  throwsWith(() => categoricalCrossEntropy(tensor([[3, -1]]), tensor([[1, 0]])), ArgumentError, /not a probability/);
  // NaN.
  throwsWith(
    () => meanSquaredError(tensor([1, NaN]), tensor([1, 2])),
    ArgumentError,
    /predictions contain NaN at position 1/,
  );
  throwsWith(
    () => binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([NaN, 1])),
    ArgumentError,
    /targets contain NaN at position 0/,
  );
  // Options.
  throwsWith(
    () => meanSquaredError(p, p, { reduction: 'avg' as Reduction }),
    ArgumentError,
    /reduction="avg"; expected "mean", "sum" or "none"/,
  );
  throwsWith(() => getLoss('cross_entropy' as never), ArgumentError, /sparse_categorical_crossentropy/);
});

test('getLoss resolves Keras names and binds options', () => {
  manualSeed(3);
  const x = randn([4, 3]);
  const y = tensor([2, 0, 1, 1], { dtype: 'int32' });
  const byName = getLoss('sparse_categorical_crossentropy', { fromLogits: true })(x, y);
  assert.equal(byName.item(), sparseCategoricalCrossEntropy(x, y, { fromLogits: true }).item());
  const a = randn([3, 1]),
    b = randn([3, 1]);
  assert.equal(getLoss('mse')(a, b).item(), meanSquaredError(a, b).item());
  assert.equal(getLoss('mae')(a, b).item(), meanAbsoluteError(a, b).item());
});
