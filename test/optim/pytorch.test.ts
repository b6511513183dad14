/**
 * Optimizer trajectories, schedule lr sequences and gradient clipping against PyTorch's numbers
 * (test/fixtures/optim.json, made by test/fixtures/make_optim.py): the same start, the same
 * gradients, step by step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  type Tensor,
  type Optimizer,
  GradientDescent,
  SGD,
  Adam,
  AdamW,
  RMSprop,
  type LRScheduler,
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearWarmup,
  LambdaLR,
  SequentialLR,
  clipGradNorm,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/gradcheck.js';

interface OptimizerCase {
  name: string;
  optimizer: 'GradientDescent' | 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  shapes: number[][];
  init: number[][];
  grads: (number[] | null)[][];
  trajectory: number[][][];
}
interface ScheduleCase {
  name: string;
  schedule: string;
  options: Record<string, unknown>;
  baseLrs: number[];
  lrs: number[][];
}
interface ClipCase {
  maxNorm: number;
  normType: number | 'inf';
  grads: number[][];
  totalNorm: number;
  clipped: number[][];
}
const fixture = loadFixture<{ optimizers: OptimizerCase[]; schedules: ScheduleCase[]; clip: ClipCase[] }>('optim.json');

// The fixture's options are plain JSON; each constructor checks them, so the casts are safe here.
type Make = (params: never, options: never) => Optimizer;
const optimizers: Record<OptimizerCase['optimizer'], Make> = {
  GradientDescent: (p, o) => new GradientDescent(p, o),
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
};

for (const c of fixture.optimizers) {
  test(`${c.optimizer} matches PyTorch step by step: ${c.name}`, () => {
    const params = c.init.map((values, i) => tensor(values, { shape: c.shapes[i], requiresGrad: true }));
    const arg = c.groups === null ? params : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) }));
    const opt = optimizers[c.optimizer](arg as never, c.options as never);
    c.grads.forEach((stepGrads, k) => {
      params.forEach((p, i) => {
        const g = stepGrads[i];
        p.grad = g === null ? null : tensor(g, { shape: c.shapes[i] });
      });
      opt.step();
      params.forEach((p, i) =>
        assertClose(p.dataSync(), c.trajectory[k][i], 1e-6, 1e-5, `${c.name}: step ${k + 1}, param ${i}`),
      );
    });
    for (const p of params) assert.equal(p.gradFn, null, 'an update must not record a graph');
  });
}

const lambdaFactor =
  (decay: number) =>
  (t: number): number =>
    1 / (1 + decay * t);

function makeSchedule(c: ScheduleCase, opt: Optimizer): LRScheduler {
  const o = c.options as never;
  switch (c.schedule) {
    case 'StepLR':
      return new StepLR(opt, o);
    case 'ExponentialLR':
      return new ExponentialLR(opt, o);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(opt, o);
    case 'LinearWarmup':
      return new LinearWarmup(opt, o);
    case 'LambdaLR':
      return new LambdaLR(opt, lambdaFactor((c.options as { decay: number }).decay));
    case 'SequentialLR': {
      // The fixture's pair: a 5-step warm-up from 0.1×, then a cosine over 10 steps.
      const warm = new LinearWarmup(opt, { startFactor: 0.1, totalSteps: 5 });
      const cosine = new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 });
      return new SequentialLR(opt, [warm, cosine], (c.options as { milestones: number[] }).milestones);
    }
    default:
      throw new Error(`no schedule ${c.schedule}`);
  }
}

for (const c of fixture.schedules) {
  test(`${c.schedule} gives PyTorch's learning rates: ${c.name}`, () => {
    const opt = new SGD([
      { params: [tensor([0])], lr: c.baseLrs[0] },
      { params: [tensor([0])], lr: c.baseLrs[1] },
    ]);
    const schedule = makeSchedule(c, opt);
    c.lrs.forEach((expected, t) => {
      if (t > 0) schedule.step();
      assertClose(schedule.getLastLr(), expected, 1e-15, 1e-12, `${c.name}: lr after ${t} steps`);
      assertClose(
        opt.paramGroups.map((g) => g.lr),
        expected,
        1e-15,
        1e-12,
        `${c.name}: the optimizer's lr after ${t} steps`,
      );
    });
  });
}

for (const c of fixture.clip) {
  test(`clipGradNorm matches PyTorch: maxNorm ${c.maxNorm}, normType ${c.normType}`, () => {
    const params = c.grads.map((g) => {
      const p = tensor(new Float32Array(g.length), { requiresGrad: true });
      p.grad = tensor(g);
      return p;
    });
    const total = clipGradNorm(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType).item();
    assertClose([total], [c.totalNorm], 0, 1e-6, 'total norm');
    params.forEach((p, i) =>
      assertClose((p.grad as Tensor).dataSync(), c.clipped[i], 1e-12, 1e-6, `clipped grad ${i}`),
    );
  });
}
