/**
 * The attribution methods by name, for callers that choose one at run time (the command line, a
 * playground's menu): `attribute(model, x, { method: 'integrated-gradients', steps: 64 })`.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { AnyModule } from '../nn/module.js';
import { ArgumentError, describe } from '../util/errors.js';
import { gradientXInput, saliency, smoothGrad } from './gradients.js';
import { integratedGradients } from './integrated-gradients.js';
import { occlusion } from './occlusion.js';
import { gradCam } from './grad-cam.js';
import type { Attribution, Target } from './score.js';

export const ATTRIBUTION_METHODS = [
  'saliency',
  'gradient-x-input',
  'smoothgrad',
  'integrated-gradients',
  'occlusion',
  'grad-cam',
] as const;

export type AttributionMethod = (typeof ATTRIBUTION_METHODS)[number];

export interface AttributeOptions {
  method: AttributionMethod;
  target?: Target;
  logits?: boolean;
  /** integrated-gradients: trapezoid intervals along the path (default 50). */
  steps?: number;
  /** smoothgrad: noisy copies (default 25). */
  samples?: number;
  /** grad-cam: the convolution layer (default the last). */
  layer?: string;
  /** occlusion: window size (default 4). */
  window?: number;
}

/** The result of any method; the method-specific numbers are present where the method has them. */
export interface AttributeResult extends Attribution {
  method: AttributionMethod;
  /** integrated-gradients only: Σ attributions − (f(x) − f(baseline)), per input. */
  completenessGap?: Tensor;
  /** integrated-gradients only: the trapezoid intervals used. */
  steps?: number;
  /** grad-cam only: the layer explained. */
  layer?: string;
}

/** A method name checked: an unknown one is refused with the list of known ones. */
export function attributionMethod(fn: string, name: unknown): AttributionMethod {
  if (typeof name === 'string' && (ATTRIBUTION_METHODS as readonly string[]).includes(name))
    return name as AttributionMethod;
  throw new ArgumentError(`${fn}: unknown method ${describe(name)}; expected one of ${ATTRIBUTION_METHODS.join(', ')}`);
}

/** Options that only some methods take, refused where they would be ignored. */
const ONLY: Record<string, AttributionMethod> = {
  steps: 'integrated-gradients',
  samples: 'smoothgrad',
  layer: 'grad-cam',
  window: 'occlusion',
};

/** Run the method named by `options.method` on x [batch, ...]. */
export function attribute(model: AnyModule, x: Tensor, options: AttributeOptions): AttributeResult {
  const fn = 'attribute';
  const method = attributionMethod(fn, options?.method);
  for (const [key, owner] of Object.entries(ONLY)) {
    if ((options as unknown as Record<string, unknown>)[key] !== undefined && owner !== method)
      throw new ArgumentError(`${fn}: got ${key} for method '${method}'; expected it only with method '${owner}'`);
  }
  const common = {
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.logits !== undefined ? { logits: options.logits } : {}),
  };
  switch (method) {
    case 'saliency':
      return { method, ...saliency(model, x, common) };
    case 'gradient-x-input':
      return { method, ...gradientXInput(model, x, common) };
    case 'smoothgrad':
      return { method, ...smoothGrad(model, x, { ...common, samples: options.samples }) };
    case 'integrated-gradients':
      return { method, ...integratedGradients(model, x, { ...common, steps: options.steps }) };
    case 'occlusion':
      return { method, ...occlusion(model, x, { ...common, window: options.window }) };
    case 'grad-cam':
      return { method, ...gradCam(model, x, { ...common, layer: options.layer }) };
  }
}
