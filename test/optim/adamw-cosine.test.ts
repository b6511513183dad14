/**
 * Transformer-style optimisation: AdamW parameter groups without decay for biases and norm weights
 * (paramGroupsWithoutDecay), and the cosine schedule with linear warm-up checked against its
 * closed form (Hugging Face's get_cosine_schedule_with_warmup).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type Tensor,
  tensor,
  zerosLike,
  manualSeed,
  Module,
  Dense,
  Embedding,
  BatchNormalization,
  AdamW,
  Adam,
  SGD,
  paramGroupsWithoutDecay,
  CosineWithWarmup,
  ArgumentError,
} from '../../src/index.js';

class Block extends Module {
  embed = new Embedding({ inputDim: 5, outputDim: 4 });
  dense = new Dense({ units: 3, inputDim: 4 });
  norm = new BatchNormalization({ inputShape: [3] });
  forward(x: Tensor): Tensor {
    return this.norm.call(this.dense.call(this.embed.call(x)));
  }
}

test('paramGroupsWithoutDecay: matrices decay; biases and norm weights (rank <= 1) do not', () => {
  manualSeed(1);
  const model = new Block();
  const groups = paramGroupsWithoutDecay(model, { weightDecay: 0.1 });
  const named = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  assert.deepEqual(
    groups.map((g) => ({ ...g, params: g.params.map((p) => named.get(p)) })),
    [
      { params: ['embed.weight', 'dense.weight'], weightDecay: 0.1 },
      { params: ['dense.bias', 'norm.gamma', 'norm.beta'], weightDecay: 0 },
    ],
  );
  // Left out, the decayed group takes the optimizer's own weight decay; exclude takes out more.
  const byName = paramGroupsWithoutDecay(model, { exclude: (name) => name.startsWith('embed.') });
  assert.deepEqual(
    byName.map((g) => [g.params.map((p) => named.get(p)), g.weightDecay]),
    [
      [['dense.weight'], undefined],
      [['embed.weight', 'dense.bias', 'norm.gamma', 'norm.beta'], 0],
    ],
  );
  // [name, tensor] pairs work too; a group with nothing in it is left out.
  const w = tensor([1, 2]);
  assert.deepEqual(paramGroupsWithoutDecay([['bias', w]]), [{ params: [w], weightDecay: 0 }]);
  assert.throws(() => paramGroupsWithoutDecay(model, { weightDecay: -1 }), ArgumentError);
  assert.throws(() => paramGroupsWithoutDecay(model, { decay: 0.1 } as never), /decay/);
  assert.throws(() => paramGroupsWithoutDecay(42 as never), /expected a model \(with namedParameters\(\)\)/);
});

test('AdamW with those groups: decoupled decay θ(1 − ηλ) on matrices only; other optimizers take them too', () => {
  manualSeed(2);
  const model = new Block();
  const lr = 0.1,
    weightDecay = 0.5;
  const opt = new AdamW(paramGroupsWithoutDecay(model, { weightDecay }), { lr });
  const before = model.namedParameters().map(([n, p]) => [n, p.dataSync().slice()] as const);
  // A zero gradient isolates the decay: the Adam part of the step is 0 / (0 + ε) = 0.
  for (const p of model.parameters()) p.grad = zerosLike(p);
  opt.step();
  for (const [name, values] of before) {
    const p = model.namedParameters().find(([n]) => n === name)![1];
    const factor = p.rank >= 2 ? 1 - lr * weightDecay : 1;
    const expected = Array.from(values, (v) => Math.fround(v * factor));
    assert.deepEqual(Array.from(p.dataSync()), expected, name);
  }
  assert.equal(opt.paramGroups[1].weightDecay, 0);
  new Adam(paramGroupsWithoutDecay(model), { weightDecay: 0.01 });
  new SGD(paramGroupsWithoutDecay(model), { lr: 0.1, weightDecay: 0.01 });
});

/** Hugging Face's lr_lambda for get_cosine_schedule_with_warmup (num_cycles 0.5), written out. */
function hfCosine(step: number, warmup: number, total: number): number {
  if (step < warmup) return step / Math.max(1, warmup);
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
}

test('CosineWithWarmup: the closed form, step by step, for every group', () => {
  const p = [tensor([1]), tensor([2])];
  const opt = new AdamW(
    [
      { params: [p[0]], lr: 1e-3 },
      { params: [p[1]], lr: 4e-3 },
    ],
    {},
  );
  const schedule = new CosineWithWarmup(opt, { warmupSteps: 10, totalSteps: 50 });
  for (let t = 0; t <= 50; t++) {
    if (t > 0) schedule.step();
    for (const [i, base] of [1e-3, 4e-3].entries()) {
      const expected = base * hfCosine(t, 10, 50);
      assert.ok(
        Math.abs(opt.paramGroups[i].lr - expected) <= 1e-15,
        `step ${t} group ${i}: ${opt.paramGroups[i].lr} vs ${expected}`,
      );
    }
  }
  // Landmarks: 0 at the start, the base lr at the end of warm-up, half of it midway down, 0 at the end.
  assert.equal(schedule.lrAt(0), 0);
  assert.equal(schedule.lrAt(5), 0.5e-3);
  assert.equal(schedule.lrAt(10), 1e-3);
  assert.ok(Math.abs(schedule.lrAt(30) - 0.5e-3) < 1e-15);
  assert.ok(Math.abs(schedule.lrAt(50)) < 1e-18);
  // Past totalSteps it holds the floor (Hugging Face's would rise again).
  assert.ok(Math.abs(schedule.lrAt(70)) < 1e-18);
});

test('CosineWithWarmup: a floor (minLrRatio), no warm-up, resuming from its state, and option errors', () => {
  const opt = new SGD([tensor([1])], { lr: 0.2 });
  const schedule = new CosineWithWarmup(opt, { totalSteps: 8, minLrRatio: 0.1 });
  for (let t = 0; t <= 12; t++) {
    const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 8)) / 8));
    assert.ok(Math.abs(schedule.lrAt(t) - 0.2 * (0.1 + 0.9 * c)) < 1e-15, `step ${t}`);
  }
  assert.equal(opt.lr, 0.2);
  for (let t = 0; t < 3; t++) schedule.step();
  const saved = schedule.stateDict();
  const opt2 = new SGD([tensor([1])], { lr: 0.2 });
  const resumed = new CosineWithWarmup(opt2, { totalSteps: 8, minLrRatio: 0.1 });
  resumed.loadStateDict(saved);
  assert.equal(opt2.lr, opt.lr);

  assert.throws(() => new CosineWithWarmup(opt, {} as never), /CosineWithWarmup: option "totalSteps" is required/);
  assert.throws(
    () => new CosineWithWarmup(opt, { warmupSteps: 10, totalSteps: 5 }),
    /warmupSteps=10 and totalSteps=5; expected warmupSteps <= totalSteps/,
  );
  assert.throws(() => new CosineWithWarmup(opt, { totalSteps: 5, minLrRatio: 2 }), /minLrRatio/);
  assert.throws(() => new CosineWithWarmup(opt, { totalSteps: 5, warmup: 2 } as never), /warmup/);
});
