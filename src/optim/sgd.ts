/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * with PyTorch's semantics: d = ∇ + λθ; b ← μb + (1 − τ)d (b = d on the first step);
 * θ ← θ − η(d + μb) with Nesterov, θ ← θ − ηb without.
 */
import { Tensor } from '../tensor/tensor.js';
import { add, mul, neg, sub } from '../ops/elementwise.js';
import { clone } from '../ops/movement.js';
import { ArgumentError } from '../util/errors.js';
import { Optimizer, type BaseOptions, type ParamGroup, type ParamState, type ParamsArg } from './optimizer.js';
import { flag, nonNegative, type OptionSpec } from './options.js';

export interface SGDOptions extends BaseOptions {
  /** Momentum factor μ (0 = none). */
  momentum: number;
  /** Dampening τ of the gradient's contribution to the momentum buffer. */
  dampening: number;
  /** L2 penalty λ added to the gradient. */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

const SPEC: OptionSpec<SGDOptions> = {
  // lr 1e-3 is PyTorch's default since 2.2.
  defaults: { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
  checks: {
    lr: nonNegative,
    momentum: nonNegative,
    dampening: nonNegative,
    weightDecay: nonNegative,
    nesterov: flag,
    maximize: flag,
  },
  validate(o, owner) {
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ArgumentError(
        `${owner}: option "nesterov" got true with momentum ${o.momentum} and dampening ${o.dampening}; expected momentum > 0 and dampening 0`,
      );
    }
  },
};

export class SGD extends Optimizer<SGDOptions> {
  /** @example const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true }); */
  constructor(params: ParamsArg<SGDOptions>, options?: Partial<SGDOptions>) {
    super('SGD', params, options, SPEC);
  }

  protected override update(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay: wd, nesterov } = group;
    let d = group.maximize ? neg(g) : g;
    if (wd !== 0) d = add(d, mul(p, wd));
    if (momentum === 0) {
      p.copy_(sub(p, mul(d, lr)));
      return;
    }
    const previous = state.momentumBuffer;
    // The buffer starts as the first gradient itself, undamped, as in PyTorch.
    const buf = previous instanceof Tensor ? add(mul(previous, momentum), mul(d, 1 - dampening)) : clone(d);
    state.momentumBuffer = buf;
    p.copy_(sub(p, mul(nesterov ? add(d, mul(buf, momentum)) : buf, lr)));
  }
}
