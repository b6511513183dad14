/**
 * The sequence cross-entropy (ignoreIndex, labelSmoothing) against PyTorch's F.cross_entropy,
 * finite differences, its registration for compile, and perplexity (closed form, metric).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  tensor,
  randn,
  manualSeed,
  softmax,
  sequenceCrossEntropy,
  sparseCategoricalCrossEntropy,
  perplexity,
  getLoss,
  getMetric,
  Loss,
  registeredLosses,
  registeredMetrics,
  Sequential,
  Embedding,
  Dense,
  Adam,
  init,
  ArgumentError,
  DTypeError,
  ShapeError,
  type Reduction,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

interface CeCase {
  name: string;
  logits: number[];
  logitsShape: number[];
  targets: number[];
  targetsShape: number[];
  options: { ignoreIndex: number; labelSmoothing: number };
  mean: number[];
  sum: number[];
  none: number[];
  gradMean: number[];
}

const fixture = loadFixture<{ crossEntropy: CeCase[] }>('seqblocks.json');
const ints = (values: number[], shape: number[]): Tensor => tensor(values, { shape, dtype: 'int32' });

for (const c of fixture.crossEntropy) {
  test(`sequenceCrossEntropy, ${c.name}: every reduction and the gradient match PyTorch's F.cross_entropy`, () => {
    const targets = ints(c.targets, c.targetsShape);
    for (const reduction of ['mean', 'sum', 'none'] as Reduction[]) {
      const logits = tensor(c.logits, { shape: c.logitsShape });
      const loss = sequenceCrossEntropy(logits, targets, { ...c.options, reduction });
      assert.deepEqual(loss.shape, reduction === 'none' ? c.targetsShape : []);
      assertClose(loss.dataSync(), c[reduction], 1e-5, 1e-5, reduction);
    }
    const logits = tensor(c.logits, { shape: c.logitsShape, requiresGrad: true });
    sequenceCrossEntropy(logits, targets, c.options).backward();
    assertClose(logits.grad!.dataSync(), c.gradMean, 1e-6, 1e-5, 'gradient');
  });
}

test('sequenceCrossEntropy: finite differences with ignored tokens and label smoothing', () => {
  manualSeed(4);
  const targets = ints([2, 0, -100, 4, 1, -100], [2, 3]);
  for (const options of [{}, { labelSmoothing: 0.1 }, { reduction: 'sum' as const, labelSmoothing: 0.3 }]) {
    gradcheck((x) => sequenceCrossEntropy(x, targets, options), [randn([2, 3, 5])]);
  }
  gradcheck(
    (x) => sequenceCrossEntropy(x, ints([3, 3, 0, 1], [2, 2]), { ignoreIndex: 0, reduction: 'none' }),
    [randn([2, 2, 4])],
  );
  // From probabilities (fromLogits: false): through the softmax, the same loss.
  gradcheck(
    (x) => sequenceCrossEntropy(softmax(x, -1), targets, { fromLogits: false, labelSmoothing: 0.2 }),
    [randn([2, 3, 5])],
  );
});

test('sequenceCrossEntropy: without ignores or smoothing it is the sparse categorical cross-entropy', () => {
  manualSeed(5);
  const x = randn([3, 4, 7]);
  const t = ints([0, 6, 2, 3, 1, 1, 5, 4, 6, 0, 2, 2], [3, 4]);
  assertClose(
    sequenceCrossEntropy(x, t).dataSync(),
    sparseCategoricalCrossEntropy(x, t, { fromLogits: true }).dataSync(),
    1e-6,
    1e-6,
  );
  // Probabilities give the same loss as their logits.
  assertClose(
    sequenceCrossEntropy(softmax(x, -1), t, { fromLogits: false }).dataSync(),
    sequenceCrossEntropy(x, t).dataSync(),
    1e-5,
    1e-5,
  );
  // 2-d [tokens, vocab] logits are accepted too.
  assert.deepEqual(sequenceCrossEntropy(randn([4, 3]), ints([0, 1, 2, 1], [4]), { reduction: 'none' }).shape, [4]);
});

test('sequenceCrossEntropy: an all-ignored batch gives 0 and a zero gradient (PyTorch: NaN)', () => {
  const x = tensor([[[1, 2, 3]]], { requiresGrad: true });
  const loss = sequenceCrossEntropy(x, ints([-100], [1, 1]));
  assert.equal(loss.item(), 0);
  loss.backward();
  assert.deepEqual(x.grad!.toArray(), [[[0, 0, 0]]]);
});

test('sequenceCrossEntropy: clear errors', () => {
  const x = randn([2, 3, 4]);
  assert.throws(
    () => sequenceCrossEntropy(x, ints([0, 1, 2, 3, 4, 1], [2, 3])),
    (e: Error) =>
      e instanceof ArgumentError &&
      /^sequenceCrossEntropy: target 4 at position \[1, 1\] is out of range; expected 0 <= target < 4 .* or ignoreIndex \(-100\)/.test(
        e.message,
      ),
  );
  assert.throws(() => sequenceCrossEntropy(x, ints([0, 1, 2, 3, -1, 1], [2, 3])), /target -1 at position \[1, 1\]/);
  assert.throws(() => sequenceCrossEntropy(x, tensor([[0, 1, 2]])), DTypeError);
  assert.throws(() => sequenceCrossEntropy(x, ints([0, 1, 2], [3])), ShapeError);
  assert.throws(
    () => sequenceCrossEntropy(x, ints([0, 1, 2, 3, 0, 1], [2, 3]), { labelSmoothing: 1.5 }),
    /labelSmoothing=1.5/,
  );
  assert.throws(
    () => sequenceCrossEntropy(x, ints([0, 1, 2, 3, 0, 1], [2, 3]), { ignore_index: 0 } as never),
    /ignore_index/,
  );
});

test("sequenceCrossEntropy is the registered loss 'sequence_crossentropy' (options bound by Loss)", () => {
  assert.ok(registeredLosses().includes('sequence_crossentropy'));
  const loss = new Loss('sequence_crossentropy', { ignoreIndex: 0, labelSmoothing: 0.1 });
  assert.equal(loss.kind, 'sparse');
  const x = randn([2, 3, 5]);
  const t = ints([1, 2, 0, 3, 0, 0], [2, 3]);
  assert.equal(loss.call(x, t).item(), sequenceCrossEntropy(x, t, { ignoreIndex: 0, labelSmoothing: 0.1 }).item());
  assert.equal(getLoss('sequenceCrossEntropy')(x, t).item(), sequenceCrossEntropy(x, t).item());
});

test('perplexity = exp(mean token NLL): closed forms and the registered metric', () => {
  // Uniform logits over V classes: every token has NLL log V, so perplexity V.
  const uniform = tensor(new Array(2 * 3 * 8).fill(0.5), { shape: [2, 3, 8] });
  const t = ints([1, 7, 0, 3, 3, -100], [2, 3]);
  assert.ok(Math.abs(perplexity(uniform, t) - 8) < 1e-4);
  // Two tokens with probabilities 1/2 and 1/8 (logits log p): exp(mean(log 2, log 8)) = √16 = 4.
  const logits = tensor([
    [
      [Math.log(0.5), Math.log(0.5)],
      [Math.log(1 / 8), Math.log(7 / 8)],
    ],
  ]);
  assert.ok(Math.abs(perplexity(logits, ints([0, 0], [1, 2])) - 4) < 1e-4);
  assert.ok(Math.abs(perplexity(softmax(logits, -1), ints([0, 0], [1, 2]), { fromLogits: false }) - 4) < 1e-4);
  // Ignored tokens do not count.
  assert.ok(Math.abs(perplexity(logits, ints([0, 5], [1, 2]), { ignoreIndex: 5 }) - 2) < 1e-4);
  assert.ok(registeredMetrics().includes('perplexity'));
  assert.equal(getMetric('perplexity'), perplexity);
});

test('compile with sequence_crossentropy and perplexity: a next-token model learns a cycle', async () => {
  manualSeed(12);
  // Sequences of the cycle 1 → 2 → 3 → 1 …, padded with 0 (ignored); the target is the next token.
  const seq = [1, 2, 3, 1, 2, 3, 1];
  const xs: number[] = [],
    ys: number[] = [];
  for (let start = 0; start < 3; start++) {
    const window = seq.slice(start, start + 5);
    xs.push(...window.slice(0, 4));
    ys.push(...window.slice(1, 5));
  }
  xs.push(2, 3, 0, 0);
  ys.push(3, 1, 0, 0);
  const x = ints(xs, [4, 4]),
    y = ints(ys, [4, 4]);
  const model = new Sequential([new Embedding({ inputDim: 4, outputDim: 8, paddingIdx: 0 }), new Dense({ units: 4 })]);
  model.compile({
    optimizer: (params) => new Adam(params, { lr: 0.05 }),
    loss: new Loss('sequence_crossentropy', { ignoreIndex: 0 }),
    metrics: ['perplexity'],
  });
  const before = model.evaluate(x, y);
  const history = await model.fit(x, y, { epochs: 60, batchSize: 4, verbose: 0 });
  const after = model.evaluate(x, y);
  assert.ok(before.perplexity > 2.5, `perplexity before training ${before.perplexity}`);
  assert.ok(after.perplexity < 1.5, `perplexity after training ${after.perplexity}`);
  // One batch: the metric is exactly exp(loss).
  assert.ok(Math.abs(after.perplexity - Math.exp(after.loss)) < 1e-4);
  assert.equal(history.history.loss.length, 60);
});

test("compile's perplexity reads probabilities when the model ends with softmax, and the loss's ignoreIndex", () => {
  manualSeed(13);
  const x = ints([1, 2, 3, 0, 3, 1, 0, 0], [2, 4]),
    y = ints([2, 3, 0, 0, 1, 2, 0, 0], [2, 4]);
  const logitsModel = new Sequential([new Embedding({ inputDim: 4, outputDim: 3 }), new Dense({ units: 4 })]);
  const softmaxModel = new Sequential([
    // Far from uniform, so that probabilities read as logits would give another number.
    new Embedding({ inputDim: 4, outputDim: 3, embeddingsInitializer: init.normal({ std: 1 }) }),
    new Dense({ units: 4, activation: 'softmax', kernelInitializer: init.normal({ std: 3 }) }),
  ]);
  for (const model of [logitsModel, softmaxModel]) {
    model.compile({
      optimizer: 'adam',
      loss: new Loss('sequence_crossentropy', { ignoreIndex: 0 }),
      metrics: ['perplexity'],
    });
  }
  const a = logitsModel.evaluate(x, y);
  assert.ok(Math.abs(a.perplexity - Math.exp(a.loss)) < 1e-4, `${a.perplexity} vs exp(${a.loss})`);
  const b = softmaxModel.evaluate(x, y);
  assert.ok(Math.abs(b.perplexity - Math.exp(b.loss)) < 1e-4, `${b.perplexity} vs exp(${b.loss})`);
});
