/**
 * Saving and resuming: k steps, stateDict, a fresh optimizer (and schedule) loaded from it, more
 * steps — bit for bit the same as a run that was never interrupted. Also the step mechanics:
 * null gradients are skipped, zeroGrad clears, nothing is recorded on the tape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  randn,
  manualSeed,
  type Tensor,
  type Optimizer,
  GradientDescent,
  SGD,
  Adam,
  AdamW,
  RMSprop,
  CosineAnnealingLR,
  LinearWarmup,
  SequentialLR,
  type LRScheduler,
  type OptimizerStateDict,
} from '../../src/index.js';

type Make = (params: Tensor[]) => Optimizer;
const configs: [string, Make][] = [
  ['GradientDescent', (p) => new GradientDescent(p, { lr: 0.1 })],
  ['SGD nesterov', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 })],
  [
    'AdamW groups',
    (p) =>
      new AdamW(
        [
          { params: [p[0]], lr: 0.02 },
          { params: [p[1]], weightDecay: 0 },
        ],
        { lr: 0.01 },
      ),
  ],
  ['RMSprop centered momentum', (p) => new RMSprop(p, { momentum: 0.9, centered: true })],
];
const shapes = [[3, 2], [5]];

/** A fixed gradient sequence, so both runs see the same gradients. */
function gradients(steps: number): Float32Array[][] {
  manualSeed(7);
  return Array.from({ length: steps }, () => shapes.map((s) => randn(s).dataSync() as Float32Array));
}

function freshParams(): Tensor[] {
  manualSeed(3);
  return shapes.map((s) => randn(s, { requiresGrad: true }));
}

function run(opt: Optimizer, params: Tensor[], grads: Float32Array[][], schedule?: LRScheduler): void {
  for (const step of grads) {
    params.forEach((p, i) => {
      p.grad = tensor(step[i], { shape: p.shape });
    });
    opt.step();
    schedule?.step();
    opt.zeroGrad();
  }
}

/** What writing the state dict to JSON and reading it back gives: plain number arrays. */
function throughJson(dict: OptimizerStateDict): OptimizerStateDict {
  return JSON.parse(JSON.stringify(dict, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)));
}

function warmCosine(opt: Optimizer): LRScheduler {
  return new SequentialLR(
    opt,
    [new LinearWarmup(opt, { startFactor: 0.2, totalSteps: 3 }), new CosineAnnealingLR(opt, { tMax: 6 })],
    [3],
  );
}

for (const [name, make] of configs) {
  for (const viaJson of [false, true]) {
    test(`${name}: save after 4 steps, load into a fresh optimizer, continue = uninterrupted run, bit for bit${viaJson ? ' (through JSON)' : ''}`, () => {
      const grads = gradients(9);
      const straight = freshParams();
      const straightOpt = make(straight);
      run(straightOpt, straight, grads, warmCosine(straightOpt));

      const first = freshParams();
      const firstOpt = make(first);
      const firstSchedule = warmCosine(firstOpt);
      run(firstOpt, first, grads.slice(0, 4), firstSchedule);
      const saved = viaJson ? throughJson(firstOpt.stateDict()) : firstOpt.stateDict();
      const savedSchedule = JSON.parse(JSON.stringify(firstSchedule.stateDict()));
      const savedWeights = first.map((p) => Float32Array.from(p.dataSync())); // weights travel with the model
      // Keep stepping the original: the saved dict must be a copy, not a view of live state.
      run(firstOpt, first, grads.slice(4, 6), firstSchedule);

      const resumed = savedWeights.map((w, i) => tensor(w, { shape: shapes[i], requiresGrad: true }));
      const resumedOpt = make(resumed);
      const resumedSchedule = warmCosine(resumedOpt);
      resumedOpt.loadStateDict(saved);
      resumedSchedule.loadStateDict(savedSchedule);
      assert.deepEqual(
        resumedOpt.paramGroups.map((g) => g.lr),
        savedSchedule.lastLrs,
        'restored lr',
      );
      run(resumedOpt, resumed, grads.slice(4), resumedSchedule);
      resumed.forEach((p, i) =>
        assert.deepEqual(Array.from(p.dataSync()), Array.from(straight[i].dataSync()), `param ${i}`),
      );
      assert.deepEqual(
        resumedSchedule.getLastLr(),
        straightOpt.paramGroups.map((g) => g.lr),
      );
    });
  }
}

test('stateDict keys state by parameter index and keeps group hyper-parameters', () => {
  const params = freshParams();
  const opt = new Adam([{ params: [params[0]] }, { params: [params[1]], lr: 0.5 }], { lr: 0.01 });
  params[1].grad = tensor(new Float32Array(5).fill(1));
  opt.step();
  const dict = opt.stateDict();
  assert.deepEqual(Object.keys(dict.state), ['1'], 'only the parameter that stepped has state');
  assert.equal(dict.state['1'].step, 1);
  assert.ok(dict.state['1'].expAvg instanceof Float32Array);
  assert.deepEqual(Array.from(dict.state['1'].expAvg as Float32Array), new Array(5).fill(Math.fround(0.1)));
  assert.deepEqual(
    dict.paramGroups.map((g) => [g.params, g.lr, g.betas]),
    [
      [[0], 0.01, [0.9, 0.999]],
      [[1], 0.5, [0.9, 0.999]],
    ],
  );
});

test('loadStateDict restores group options such as an lr changed before saving', () => {
  const a = new SGD(freshParams(), { lr: 0.1, momentum: 0.9 });
  a.lr = 0.025;
  const b = new SGD(freshParams(), { lr: 0.1, momentum: 0.9 });
  b.loadStateDict(a.stateDict());
  assert.equal(b.lr, 0.025);
  assert.equal(b.paramGroups[0].momentum, 0.9);
});

test('params whose grad is null are skipped; zeroGrad sets grads to null', () => {
  const [a, b] = freshParams();
  const before = Array.from(b.dataSync());
  const opt = new Adam([a, b], { lr: 0.1 });
  a.grad = tensor(new Float32Array(6).fill(1), { shape: [3, 2] });
  opt.step();
  assert.deepEqual(Array.from(b.dataSync()), before);
  assert.deepEqual(Object.keys(opt.stateOf(b)), [], 'no state for a parameter that never had a gradient');
  assert.equal(opt.stateOf(a).step, 1);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
});

test('a step updates the parameter in place and records nothing on the tape', () => {
  const w = tensor([1, -2, 3], { requiresGrad: true });
  const storage = w.storage;
  const opt = new SGD([w], { lr: 0.5, momentum: 0.9 });
  w.mul(w).sum().backward(); // grad 2w
  opt.step();
  assert.equal(w.storage, storage, 'same storage');
  assert.deepEqual(w.toArray(), [0, 0, 0]);
  assert.equal(w.gradFn, null);
  assert.equal(w.requiresGrad, true);
  // The parameter still trains: a fresh forward and backward see the updated values.
  opt.zeroGrad();
  w.add(1).square().sum().backward();
  assert.deepEqual(w.grad!.toArray(), [2, 2, 2]);
});

test('step(closure) evaluates the loss with gradients on and returns it', () => {
  const w = tensor([2], { requiresGrad: true });
  const opt = new GradientDescent([w], { lr: 0.25 });
  const loss = opt.step(() => {
    opt.zeroGrad();
    const l = w.square().sum();
    l.backward();
    return l;
  });
  assert.equal(loss, 4);
  assert.deepEqual(w.toArray(), [1]); // 2 − 0.25·4
  assert.equal(opt.step(), undefined);
});

test('lr get/set applies to every group; a schedule keeps per-group base lrs', () => {
  const [a, b] = freshParams();
  const opt = new SGD([
    { params: [a], lr: 0.1 },
    { params: [b], lr: 0.01 },
  ]);
  assert.equal(opt.lr, 0.1);
  const schedule = new CosineAnnealingLR(opt, { tMax: 2 });
  schedule.step();
  assertLrs(opt, [0.05, 0.005]);
  schedule.step();
  assertLrs(opt, [0, 0]);
  opt.lr = 0.3;
  assertLrs(opt, [0.3, 0.3]);
  assert.deepEqual(schedule.baseLrs, [0.1, 0.01]);
});

function assertLrs(opt: Optimizer, expected: number[]): void {
  opt.paramGroups.forEach((g, i) =>
    assert.ok(Math.abs(g.lr - expected[i]) < 1e-15, `group ${i}: lr ${g.lr}, expected ${expected[i]}`),
  );
}
