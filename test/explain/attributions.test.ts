/**
 * Attribution methods against independent oracles: a linear model's exact attributions in closed
 * form (computed on the host in float64), occlusion against a hand computation, Integrated
 * Gradients' completeness on the seed's CNN, and the errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dense,
  Sequential,
  type Tensor,
  tensor,
  manualSeed,
  rand,
  add,
  mul,
  sliceAxis,
  reshape,
  saliency,
  gradientXInput,
  smoothGrad,
  integratedGradients,
  occlusion,
  attribute,
  ArgumentError,
  ShapeError,
  mnist,
} from '../../src/index.js';
import { seedMnistCnn } from '../../src/zoo/index.js';
import { assertClose } from '../helpers/gradcheck.js';

// f(x) = x·W + b with W [4, 3]: the score of class c is Σ_i W[i][c]·x_i + b_c.
const W = [
  [0.5, -1.0, 0.25],
  [2.0, 0.75, -0.5],
  [-1.5, 0.5, 1.0],
  [0.25, -0.25, 2.0],
];
const B = [0.1, -0.2, 0.3];
const X = [
  [1.0, -2.0, 0.5, 3.0],
  [-0.5, 1.5, 2.0, -1.0],
];

function linearModel(): Sequential {
  const model = new Sequential([new Dense({ units: 3, inputShape: [4] })]);
  model.loadStateDict({ '0.weight': tensor(W), '0.bias': tensor(B) });
  return model;
}

/** Host oracle: per input, W[:, t] (the gradient) and W[:, t]·x (gradient × input = IG from 0). */
function column(t: number): number[] {
  return W.map((row) => row[t]);
}

test('linear model: saliency is W[:, target], gradient × input and IG from zero are W[:, target]·x, exactly', () => {
  const model = linearModel();
  const x = tensor(X);
  const targets = [0, 2];
  const grad = targets.flatMap(column);
  const contrib = targets.flatMap((t, n) => column(t).map((w, i) => w * X[n][i]));
  const scores = targets.map((t, n) => column(t).reduce((s, w, i) => s + w * X[n][i], B[t]));

  const s = saliency(model, x, { target: targets });
  assertClose(s.attributions.dataSync(), grad, 1e-6, 0, 'saliency');
  assert.deepEqual(s.targets.toFlatArray(), targets);
  assertClose(s.scores.dataSync(), scores, 1e-5, 0, 'scores');
  assertClose(gradientXInput(model, x, { target: targets }).attributions.dataSync(), contrib, 1e-6, 0, 'grad × input');

  const ig = integratedGradients(model, x, { target: targets, steps: 4 });
  assertClose(ig.attributions.dataSync(), contrib, 1e-5, 0, 'IG');
  assertClose(ig.completenessGap.dataSync(), [0, 0], 1e-5, 0, 'completeness gap');
  assertClose(
    ig.baselineScores.dataSync(),
    targets.map((t) => B[t]),
    1e-6,
    0,
    'baseline scores',
  );

  // Any baseline x': (x − x')·W[:, t].
  const base = [0.5, 0.5, -1, 2];
  const fromBase = targets.flatMap((t, n) => column(t).map((w, i) => w * (X[n][i] - base[i])));
  const igb = integratedGradients(model, x, { target: targets, baseline: tensor(base), steps: 2 });
  assertClose(igb.attributions.dataSync(), fromBase, 1e-5, 0, 'IG from a baseline');

  // The gradient of a linear model is the same at every noisy copy.
  manualSeed(1);
  assertClose(
    smoothGrad(model, x, { target: targets, samples: 5 }).attributions.dataSync(),
    grad,
    1e-6,
    0,
    'SmoothGrad',
  );
});

test('the default target is the predicted class; model parameters and modes are left as they were', () => {
  const model = linearModel();
  model.train();
  const r = saliency(model, tensor(X));
  const predicted = X.map((x) => {
    const s = [0, 1, 2].map((t) => column(t).reduce((acc, w, i) => acc + w * x[i], B[t]));
    return s.indexOf(Math.max(...s));
  });
  assert.deepEqual(r.targets.toFlatArray(), predicted);
  assert.ok(model.training, 'training mode restored');
  assert.ok(
    model.parameters().every((p) => p.requiresGrad && p.grad === null),
    'parameters still learn, and got no .grad',
  );
});

test('occlusion against a hand computation: f(x) = x0·x1 + x2 + 2·x3 at x = [1, 2, 3, 4]', () => {
  // Score 13. Windows of 2, stride 1, zeroed: {0,1} → 11 (drop 2), {1,2} → 8 (drop 5), {2,3} → 2
  // (drop 11). Each element's mean drop over the windows covering it: [2, 3.5, 8, 11].
  const f = (x: Tensor): Tensor => {
    const col = (i: number): Tensor => sliceAxis(x, 1, i, i + 1);
    return add(add(mul(col(0), col(1)), col(2)), mul(col(3), 2));
  };
  const x = tensor([[1, 2, 3, 4]]);
  const r = occlusion(f, x, { window: 2, strides: 1 });
  assertClose(r.attributions.dataSync(), [2, 3.5, 8, 11], 1e-6, 0, 'window 2');
  assertClose(r.scores.dataSync(), [13], 0, 0, 'score');
  // Window 3, stride 2: starts 0 and (flush with the end) 1: drops 13 − 8 = 5 and 13 − 0 = 13.
  assertClose(occlusion(f, x, { window: 3, strides: 2 }).attributions.dataSync(), [5, 9, 9, 13], 1e-6, 0, 'window 3');
  // Replacing by 1 instead of 0: {0,1} → 1 + 3 + 8 = 12 (drop 1), {1,2} → 1 + 1 + 8 = 10 (drop 3),
  // {2,3} → 2 + 1 + 2 = 5 (drop 8).
  assertClose(
    occlusion(f, x, { window: 2, strides: 1, baseline: 1 }).attributions.dataSync(),
    [1, 2, 5.5, 8],
    1e-6,
    0,
    'baseline 1',
  );
});

test('occlusion on an image batch equals the linear model closed form for 1×1 windows', () => {
  // With one-pixel windows on a linear model, each drop is exactly W[i][t]·x_i.
  const model = new Sequential([new Dense({ units: 2, inputShape: [4] })]);
  const f = (x: Tensor): Tensor => model.call(reshape(x, [x.shape[0], 4]));
  manualSeed(3);
  const x = rand([2, 2, 2, 1]);
  const r = occlusion(f, x, { window: 1, target: 1 });
  const g = gradientXInput(f, x, { target: 1 });
  assertClose(r.attributions.dataSync(), g.attributions.dataSync(), 1e-5, 1e-4, 'occlusion = grad × input');
});

test("Integrated Gradients on the seed's CNN, briefly trained: with 64 steps the completeness gap is below 1.5% of f(x) − f(0)", async () => {
  // 256 images, one epoch: biases move off zero, so the path crosses ReLU kinks (an untrained
  // network with zero biases is linear along the ray from a black image and would pass trivially).
  manualSeed(0);
  const model = seedMnistCnn();
  const [[xTrain, yTrain], [xTest]] = mnist.loadData({ limit: 256, divideBy: 255 });
  await model.fit(reshape(xTrain, [256, 28, 28, 1]), yTrain, { epochs: 1, batchSize: 32, verbose: 0 });
  const x = reshape(sliceAxis(xTest, 0, 0, 3), [3, 28, 28, 1]);
  for (const logits of [true, false]) {
    const r = integratedGradients(model, x, { steps: 64, logits });
    const gap = r.completenessGap.toFlatArray();
    const base = r.baselineScores.toFlatArray();
    const change = r.scores.toFlatArray().map((s, i) => s - base[i]);
    // Measured: at most 0.64% (logits and probabilities alike); 2 steps leave up to 5%.
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(change[i]) > 1e-3, `f(x) − f(0) = ${change[i]} is not trivially small`);
      assert.ok(
        Math.abs(gap[i]) < 0.015 * Math.abs(change[i]),
        `logits ${logits}, image ${i}: gap ${gap[i]} vs change ${change[i]}`,
      );
    }
    const coarse = integratedGradients(model, x, { steps: 2, logits }).completenessGap.toFlatArray();
    const total = (g: number[]): number => g.reduce((a, v) => a + Math.abs(v), 0);
    assert.ok(
      total(coarse) > 3 * total(gap),
      `the gap measures the integration error: 2 steps ${coarse}, 64 steps ${gap}`,
    );
  }
});

test('errors name the function, what it got and what it expected', () => {
  const model = linearModel();
  const x = tensor(X);
  assert.throws(
    () => saliency(model, x, { target: 3 }),
    (e: Error) => e instanceof ArgumentError && /saliency: got target 3; expected a class in 0\.\.2/.test(e.message),
  );
  assert.throws(() => saliency(model, x, { target: [0] }), /expected 2 classes \(one per input\)/);
  assert.throws(
    () => integratedGradients(model, x, { steps: 0 }),
    /integratedGradients: got steps=0; expected a positive integer/,
  );
  assert.throws(() => integratedGradients(model, x, { baseline: tensor([1, 2]) }), ShapeError);
  assert.throws(() => saliency(model, tensor([1, 2, 3, 4])), /expected a batch/);
  assert.throws(
    () => saliency((t: Tensor) => model.call(t), x, { logits: true }),
    /logits: true with a plain function/,
  );
  assert.throws(() => smoothGrad(model, x, { samples: 1.5 }), /samples=1\.5/);
  assert.throws(() => occlusion(model, x, { window: [2, 2] }), /expected a positive integer or 1 of them/);
  assert.throws(
    () => attribute(model, x, { method: 'lime' as never }),
    /unknown method "lime"; expected one of saliency, gradient-x-input, smoothgrad, integrated-gradients, occlusion, grad-cam/,
  );
  assert.throws(() => attribute(model, x, { method: 'saliency', steps: 5 }), /got steps for method 'saliency'/);
  assert.throws(() => saliency(model, x, { taget: 1 } as never), /unknown option 'taget'/);
});
