/**
 * Adam (L2 weight decay added to the gradient) and AdamW (weight decay decoupled from the
 * gradient: θ ← θ(1 − ηλ) before the Adam step), with PyTorch's bias corrections and AMSGrad:
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  v̂max ← max(v̂max, v) (AMSGrad)
 *   θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 */
import {
  Optimizer,
  zerosState,
  type BaseOptions,
  type ParamGroup,
  type ParamState,
  type ParamsArg,
} from './optimizer.js';
import { betaPair, flag, nonNegative, type OptionSpec } from './options.js';
import { backendOf } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';

export interface AdamOptions extends BaseOptions {
  /** Decay rates (β₁, β₂) of the first and second moment averages. */
  betas: readonly [number, number];
  /** Added to the denominator so tiny second moments do not blow the step up. */
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay rate λ. */
  weightDecay: number;
  /** Divide by the largest second moment seen so far (AMSGrad). */
  amsgrad: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
}

const checks: OptionSpec<AdamOptions>['checks'] = {
  lr: nonNegative,
  betas: betaPair,
  eps: nonNegative,
  weightDecay: nonNegative,
  amsgrad: flag,
  maximize: flag,
};
const ADAM: OptionSpec<AdamOptions> = {
  defaults: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
  checks,
};
const ADAMW: OptionSpec<AdamOptions> = { defaults: { ...ADAM.defaults, weightDecay: 1e-2 }, checks };

export class Adam extends Optimizer<AdamOptions> {
  /** @example const opt = new Adam(model.parameters(), { lr: 1e-3 }); */
  constructor(params: ParamsArg<AdamOptions>, options?: Partial<AdamOptions>) {
    super('Adam', params, options, ADAM);
  }

  protected override update(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(p, g, state, group, false);
  }
}

export class AdamW extends Optimizer<AdamOptions> {
  /** @example const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1 }); */
  constructor(params: ParamsArg<AdamOptions>, options?: Partial<AdamOptions>) {
    super('AdamW', params, options, ADAMW);
  }

  protected override update(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(p, g, state, group, true);
  }
}

/**
 * The step's scalars here; the loop over the weights is the backend's (adamStep), one fused
 * kernel that updates the parameter and both moments in place (wasm SIMD, or a WebGPU shader).
 */
function adamUpdate(p: Tensor, g: Tensor, state: ParamState, o: AdamOptions, decoupled: boolean): void {
  const [beta1, beta2] = o.betas;
  const step = ((state.step as number | undefined) ?? 0) + 1;
  state.step = step;
  const m = zerosState(state, 'expAvg', p);
  const v = zerosState(state, 'expAvgSq', p);
  const vMax = o.amsgrad ? zerosState(state, 'maxExpAvgSq', p) : null;
  backendOf('Adam.step', p, g, m, v, vMax).adamStep(p.storage, g.storage, m.storage, v.storage, vMax && vMax.storage, {
    beta1,
    beta2,
    c1: 1 - beta1,
    c2: 1 - beta2,
    l2: decoupled ? 0 : o.weightDecay,
    shrink: decoupled ? 1 - o.lr * o.weightDecay : 1,
    stepSize: o.lr / (1 - beta1 ** step),
    // √v / √(1 − β₂ᵗ), as a product: a multiply in the loop instead of a second division.
    invBc2Sqrt: 1 / Math.sqrt(1 - beta2 ** step),
    eps: o.eps,
    sign: o.maximize ? -1 : 1,
  });
}
