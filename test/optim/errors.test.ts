/** Bad options and misuse are refused with errors that name the function, the value and what was expected. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  type Tensor,
  ArgumentError,
  DTypeError,
  ShapeError,
  GradientDescent,
  SGD,
  Adam,
  AdamW,
  RMSprop,
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearWarmup,
  LambdaLR,
  SequentialLR,
} from '../../src/index.js';

const param = (): Tensor => tensor([1, 2, 3], { requiresGrad: true });

function throwsWith(fn: () => unknown, kind: new (...args: never[]) => Error, pattern: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('out-of-range options name the optimizer, the option, the value and the range', () => {
  throwsWith(
    () => new Adam([param()], { lr: -1 }),
    ArgumentError,
    /^Adam: option "lr" got -1; expected a finite number >= 0$/,
  );
  throwsWith(
    () => new Adam([param()], { betas: [0.9, 1] }),
    ArgumentError,
    /^Adam: option "betas" got \[0\.9, 1\]; expected two numbers \[beta1, beta2\], each in \[0, 1\)$/,
  );
  throwsWith(() => new AdamW([param()], { betas: [-0.1, 0.9] }), ArgumentError, /^AdamW: option "betas"/);
  throwsWith(() => new AdamW([param()], { eps: NaN }), ArgumentError, /AdamW: option "eps" got NaN/);
  throwsWith(() => new SGD([param()], { momentum: -0.5 }), ArgumentError, /^SGD: option "momentum" got -0\.5/);
  throwsWith(
    () => new RMSprop([param()], { alpha: 1.5 }),
    ArgumentError,
    /^RMSprop: option "alpha" got 1\.5; expected a number in \[0, 1\]$/,
  );
  throwsWith(
    () => new RMSprop([param()], { centered: 1 as unknown as boolean }),
    ArgumentError,
    /RMSprop: option "centered" got 1; expected true or false/,
  );
  throwsWith(
    () => new GradientDescent([param()], { lr: Infinity }),
    ArgumentError,
    /GradientDescent: option "lr" got Infinity/,
  );
});

test('unknown option keys are refused, listing the known ones', () => {
  const typo = { weight_decay: 0.1 } as unknown as { weightDecay: number };
  throwsWith(
    () => new Adam([param()], typo),
    ArgumentError,
    /^Adam: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\); known options: lr, betas, eps, weightDecay, amsgrad, maximize$/,
  );
  throwsWith(
    () => new GradientDescent([param()], { momentum: 0.9 } as never),
    ArgumentError,
    /GradientDescent: unknown option 'momentum'; known options: lr$/,
  );
});

test('Nesterov without momentum, or with dampening, is refused (as PyTorch does)', () => {
  throwsWith(
    () => new SGD([param()], { nesterov: true }),
    ArgumentError,
    /SGD: option "nesterov" got true with momentum 0 and dampening 0; expected momentum > 0 and dampening 0/,
  );
  throwsWith(
    () => new SGD([param()], { nesterov: true, momentum: 0.9, dampening: 0.1 }),
    ArgumentError,
    /dampening 0\.1/,
  );
  throwsWith(
    () => new SGD([{ params: [param()], momentum: 0 }], { nesterov: true, momentum: 0.9 }),
    ArgumentError,
    /nesterov/,
  );
});

test('bad parameter lists are refused', () => {
  throwsWith(() => new Adam([]), ArgumentError, /Adam: got an empty parameter list/);
  throwsWith(
    () => new Adam(param() as never),
    ArgumentError,
    /Adam: got Tensor\(shape=\[3\], dtype=float32\) as params; expected an iterable of tensors/,
  );
  throwsWith(
    () => new Adam([tensor([1, 2], { dtype: 'int32' })]),
    DTypeError,
    /Adam: got a parameter of dtype int32; expected float32/,
  );
  const p = param();
  throwsWith(() => new Adam([p.mul(2)]), ArgumentError, /Adam: got a non-leaf tensor \(output of "mul"\)/);
  throwsWith(() => new SGD([p, p]), ArgumentError, /SGD: got the tensor .* twice/);
  throwsWith(() => new SGD([{ params: [p] }, { params: [p] }]), ArgumentError, /twice/);
  throwsWith(() => new SGD([p, { params: [p] }] as never), ArgumentError, /a mix of tensors/);
  throwsWith(() => new SGD([{ params: [param()], lr: -0.1 }]), ArgumentError, /SGD: option "lr" got -0\.1/);
});

test('lr set to a bad value and a gradient of the wrong size are refused', () => {
  const p = param();
  const opt = new Adam([p]);
  assert.throws(() => {
    opt.lr = -1;
  }, /Adam: option "lr" got -1/);
  assert.equal(opt.lr, 1e-3, 'the lr is unchanged after a refused set');
  p.grad = tensor([1, 2]);
  throwsWith(() => opt.step(), ShapeError, /Adam\.step: a parameter of shape \[3\] has a gradient Tensor\(shape=\[2\]/);
});

test('loadStateDict refuses a dict that does not fit, and changes nothing', () => {
  const p = param();
  const adam = new Adam([p], { lr: 0.1 });
  p.grad = tensor([1, 1, 1]);
  adam.step();
  const good = adam.stateDict();
  throwsWith(
    () => adam.loadStateDict(new SGD([param()], { momentum: 0.9 }).stateDict()),
    ArgumentError,
    /Adam\.loadStateDict: unknown option 'momentum'/,
  );
  throwsWith(
    () => adam.loadStateDict({ ...good, paramGroups: [] }),
    ArgumentError,
    /got 0 parameter groups; expected 1/,
  );
  throwsWith(
    () => adam.loadStateDict({ ...good, state: { 0: { step: 1, expAvg: [1, 2] } } }),
    ArgumentError,
    /state "expAvg" of parameter 0 got \[1, 2\]; expected a number or an array of 3 numbers/,
  );
  throwsWith(
    () => adam.loadStateDict({ ...good, state: { 5: { step: 1 } } }),
    ArgumentError,
    /state for parameter index 5, which no group lists/,
  );
  throwsWith(
    () => adam.loadStateDict({ ...good, paramGroups: [{ ...good.paramGroups[0], lr: -2 }] }),
    ArgumentError,
    /option "lr" got -2/,
  );
  assert.equal(adam.lr, 0.1);
  assert.equal(adam.stateOf(p).step, 1);
});

test('schedules refuse bad options and rules that give a bad lr', () => {
  const opt = new SGD([param()], { lr: 0.1 });
  throwsWith(
    () => new StepLR(opt, {} as never),
    ArgumentError,
    /^StepLR: option "stepSize" is required; expected an integer > 0$/,
  );
  throwsWith(
    () => new StepLR(opt, { stepSize: 2.5 }),
    ArgumentError,
    /StepLR: option "stepSize" got 2\.5; expected an integer > 0/,
  );
  throwsWith(() => new ExponentialLR(opt, { gamma: -1 }), ArgumentError, /ExponentialLR: option "gamma" got -1/);
  throwsWith(() => new CosineAnnealingLR(opt, { tMax: 0 }), ArgumentError, /CosineAnnealingLR: option "tMax" got 0/);
  throwsWith(
    () => new CosineAnnealingLR(opt, { tMax: 10, eta_min: 0 } as never),
    ArgumentError,
    /^CosineAnnealingLR: unknown option 'eta_min' \(did you mean 'etaMin'\?\); known options: tMax, etaMin$/,
  );
  throwsWith(
    () => new LinearWarmup(opt, { startFactor: 0 }),
    ArgumentError,
    /LinearWarmup: option "startFactor" got 0; expected a number in \(0, 1\]/,
  );
  throwsWith(() => new LambdaLR(opt, 3 as never), ArgumentError, /LambdaLR: got 3; expected a function/);
  const schedule = new LambdaLR(opt, (t) => (t < 2 ? 1 : NaN));
  schedule.step();
  throwsWith(
    () => schedule.step(),
    ArgumentError,
    /LambdaLR: step 2 gives group 0 the learning rate NaN; expected a finite number >= 0/,
  );
  const warm = new LinearWarmup(opt);
  throwsWith(
    () => new SequentialLR(opt, [warm, warm], [0]),
    ArgumentError,
    /SequentialLR: milestones got \[0\]; expected 1 increasing integers > 0/,
  );
  throwsWith(() => new SequentialLR(opt, [warm], [3]), ArgumentError, /milestones/);
  const other = new LinearWarmup(new SGD([param()]));
  throwsWith(
    () => new SequentialLR(opt, [warm, other], [3]),
    ArgumentError,
    /SequentialLR: schedule 1 \(LinearWarmup\) drives another optimizer/,
  );
  throwsWith(
    () => warm.loadStateDict({ lastEpoch: -1, baseLrs: [0.1], lastLrs: [] }),
    ArgumentError,
    /LinearWarmup\.loadStateDict/,
  );
});
