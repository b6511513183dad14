/**
 * End-to-end learning with the nn floor alone: a small MLP learns XOR, then the two-spiral
 * problem. The optimiser is a minimal Adam written here so that these tests do not depend on the
 * optim floor; everything is seeded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  type Parameter,
  type Module,
  Dense,
  Sequential,
  tensor,
  manualSeed,
  noGrad,
  binaryCrossEntropyWithLogits,
  sparseCategoricalCrossEntropy,
  binaryAccuracy,
  accuracy,
} from '../../src/index.js';

/** Adam (Kingma & Ba) with bias correction, updating parameters in place. */
function adam(params: Parameter[], lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): () => void {
  const m = params.map((p) => new Float64Array(p.size));
  const v = params.map((p) => new Float64Array(p.size));
  let t = 0;
  return () => {
    t++;
    const c1 = 1 - beta1 ** t,
      c2 = 1 - beta2 ** t;
    params.forEach((p, k) => {
      if (!p.grad) return;
      const g = p.grad.dataSync(),
        w = p.dataSync();
      for (let i = 0; i < w.length; i++) {
        m[k][i] = beta1 * m[k][i] + (1 - beta1) * g[i];
        v[k][i] = beta2 * v[k][i] + (1 - beta2) * g[i] * g[i];
        w[i] -= (lr * (m[k][i] / c1)) / (Math.sqrt(v[k][i] / c2) + eps);
      }
      p.copy_(w);
    });
  };
}

function train(model: Module, lossFn: () => Tensor, steps: number, lr: number): number {
  const step = adam(model.parameters(), lr);
  let loss = Infinity;
  for (let i = 0; i < steps; i++) {
    model.zeroGrad();
    const l = lossFn();
    l.backward();
    step();
    loss = l.item();
  }
  return loss;
}

test('an MLP learns XOR to 100% accuracy', () => {
  manualSeed(42);
  const x = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const y = tensor([[0], [1], [1], [0]]);
  const model = new Sequential([
    new Dense({ units: 8, activation: 'tanh', inputDim: 2 }),
    new Dense({ units: 1, inputDim: 8 }),
  ]);
  const loss = train(model, () => binaryCrossEntropyWithLogits(model.call(x), y), 300, 0.05);
  const logits = noGrad(() => model.call(x));
  assert.equal(binaryAccuracy(logits, y, { threshold: 0 }), 1, `predictions ${logits.toFlatArray()}`);
  assert.ok(loss < 0.05, `final loss ${loss}`);
});

/** Two interleaved spirals, `perClass` points each, 1.75 turns, inside the unit disc. */
function twoSpirals(perClass: number): { x: Tensor; y: Tensor } {
  const points: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < perClass; i++) {
      const t = i / perClass;
      const r = 0.1 + 0.9 * t;
      const theta = 3.5 * Math.PI * t + c * Math.PI;
      points.push(r * Math.cos(theta), r * Math.sin(theta));
      labels.push(c);
    }
  }
  return { x: tensor(points, { shape: [2 * perClass, 2] }), y: tensor(labels, { dtype: 'int32' }) };
}

test('an MLP separates two spirals (2×100 points) to ≥ 95% training accuracy; a linear model cannot', () => {
  const { x, y } = twoSpirals(100);
  const loss = (model: Module) => () => sparseCategoricalCrossEntropy(model.call(x), y, { fromLogits: true });
  manualSeed(7);
  const linear = new Dense({ units: 2, inputDim: 2 });
  train(linear, loss(linear), 100, 0.05);
  const linearAcc = noGrad(() => accuracy(linear.call(x), y));
  assert.ok(linearAcc < 0.75, `the problem is not linearly separable (a linear model reached ${linearAcc})`);

  const model = new Sequential([
    new Dense({ units: 32, activation: 'relu' }),
    new Dense({ units: 32, activation: 'relu' }),
    new Dense({ units: 2 }),
  ]);
  model.build(x.shape);
  const start = Date.now();
  const before = noGrad(() => accuracy(model.call(x), y));
  const finalLoss = train(model, loss(model), 250, 0.02);
  const acc = noGrad(() => accuracy(model.call(x), y));
  const ms = Date.now() - start;
  assert.ok(before < 0.8, `an untrained model should not already separate them (${before})`);
  assert.ok(acc >= 0.95, `training accuracy ${acc}, loss ${finalLoss}`);
  console.log(
    `two spirals: linear ${linearAcc.toFixed(3)}; MLP ${before.toFixed(3)} → ${acc.toFixed(3)}, loss ${finalLoss.toFixed(4)}, ${ms} ms`,
  );
});
