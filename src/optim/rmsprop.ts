/**
 * RMSprop with PyTorch's semantics: s ← αs + (1 − α)g²; centered also tracks ḡ ← αḡ + (1 − α)g and
 * divides by √(s − ḡ²) (an estimate of the gradient's variance) instead of √s; with momentum the
 * scaled step g/(√s + ε) goes through a buffer b ← μb + g/(√s + ε) and θ ← θ − ηb.
 */
import { Optimizer, zerosState, type BaseOptions, type ParamGroup, type ParamState, type ParamsArg } from './optimizer.js';
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
  checks: { lr: nonNegative, alpha: unitClosed, eps: nonNegative, weightDecay: nonNegative, momentum: nonNegative, centered: flag, maximize: flag },
};

export class RMSprop extends Optimizer<RMSpropOptions> {
  /** @example const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 }); */
  constructor(params: ParamsArg<RMSpropOptions>, options?: Partial<RMSpropOptions>) {
    super('RMSprop', params, options, SPEC);
  }

  protected override update(p: Float32Array, g: Float32Array, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const n = p.length;
    const { lr, alpha, eps, weightDecay: wd, momentum } = group;
    state.step = ((state.step as number | undefined) ?? 0) + 1;
    const sq = zerosState(state, 'squareAvg', n);
    const mean = group.centered ? zerosState(state, 'gradAvg', n) : null;
    const buf = momentum > 0 ? zerosState(state, 'momentumBuffer', n) : null;
    const sign = group.maximize ? -1 : 1;
    for (let i = 0; i < n; i++) {
      const gi = sign * g[i] + wd * p[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      let second = sq[i];
      if (mean !== null) {
        mean[i] = alpha * mean[i] + (1 - alpha) * gi;
        second -= mean[i] * mean[i];
      }
      const scaled = gi / (Math.sqrt(second) + eps);
      if (buf !== null) {
        buf[i] = momentum * buf[i] + scaled;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= lr * scaled;
      }
    }
  }
}
