/**
 * RMSprop with PyTorch's semantics: s ← αs + (1 − α)g²; centered also tracks ḡ ← αḡ + (1 − α)g and
 * divides by √(s − ḡ²) (an estimate of the gradient's variance) instead of √s; with momentum the
 * scaled step g/(√s + ε) goes through a buffer b ← μb + g/(√s + ε) and θ ← θ − ηb.
 */
import type { Tensor } from '../tensor/tensor.js';
import { add, div, mul, neg, sqrt, square, sub } from '../ops/elementwise.js';
import {
  Optimizer,
  zerosState,
  type BaseOptions,
  type ParamGroup,
  type ParamState,
  type ParamsArg,
} from './optimizer.js';
import { flag, nonNegative, unitClosed, type OptionSpec } from './options.js';

export interface RMSpropOptions extends BaseOptions {
  /** Smoothing constant α of the squared-gradient average. */
  alpha: number;
  /** Added to the denominator for stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Momentum factor μ (0 = none). */
  momentum: number;
  /** Normalise by the variance of the gradient rather than its second moment. */
  centered: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

const SPEC: OptionSpec<RMSpropOptions> = {
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
  checks: {
    lr: nonNegative,
    alpha: unitClosed,
    eps: nonNegative,
    weightDecay: nonNegative,
    momentum: nonNegative,
    centered: flag,
    maximize: flag,
  },
};

export class RMSprop extends Optimizer<RMSpropOptions> {
  /** @example const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 }); */
  constructor(params: ParamsArg<RMSpropOptions>, options?: Partial<RMSpropOptions>) {
    super('RMSprop', params, options, SPEC);
  }

  protected override update(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay: wd, momentum } = group;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    let gi = group.maximize ? neg(g) : g;
    if (wd !== 0) gi = add(gi, mul(p, wd));
    const sq = add(mul(zerosState(state, 'squareAvg', p), alpha), mul(square(gi), 1 - alpha));
    state.squareAvg = sq;
    let second = sq;
    if (group.centered) {
      const mean = add(mul(zerosState(state, 'gradAvg', p), alpha), mul(gi, 1 - alpha));
      state.gradAvg = mean;
      second = sub(second, square(mean));
    }
    const scaled = div(gi, add(sqrt(second), eps));
    if (momentum > 0) {
      const buf = add(mul(zerosState(state, 'momentumBuffer', p), momentum), scaled);
      state.momentumBuffer = buf;
      p.copy_(sub(p, mul(buf, lr)));
    } else {
      p.copy_(sub(p, mul(scaled, lr)));
    }
  }
}
