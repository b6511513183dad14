/**
 * Plain gradient descent, the seed's rule: θ ← θ − η ∇J(θ). No state, no extras: the baseline
 * every other optimizer is measured against.
 */
import type { Tensor } from '../tensor/tensor.js';
import { mul, sub } from '../ops/elementwise.js';
import { Optimizer, type BaseOptions, type ParamGroup, type ParamsArg } from './optimizer.js';
import { nonNegative, type OptionSpec } from './options.js';

export type GradientDescentOptions = BaseOptions;

const SPEC: OptionSpec<GradientDescentOptions> = {
  // 0.01 is the seed's learning rate.
  defaults: { lr: 0.01 },
  checks: { lr: nonNegative },
};

export class GradientDescent extends Optimizer<GradientDescentOptions> {
  /** @example const opt = new GradientDescent([theta], { lr: 0.01 }); */
  constructor(params: ParamsArg<GradientDescentOptions>, options?: Partial<GradientDescentOptions>) {
    super('GradientDescent', params, options, SPEC);
  }

  protected override update(p: Tensor, g: Tensor, _state: unknown, group: ParamGroup<GradientDescentOptions>): void {
    p.copy_(sub(p, mul(g, group.lr)));
  }
}
