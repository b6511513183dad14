/**
 * How an op joins the autograd graph: after computing its output, it hands `record` the inputs and
 * a closure that maps the output's gradient to the inputs' gradients. Nothing is recorded under
 * `noGrad()` or when no input requires a gradient, so inference builds no graph at all.
 */
import type { Tensor, GradFn } from '../tensor/tensor.js';
import { isGradEnabled } from '../tensor/grad-mode.js';
import { anomalyChecker, currentLayer } from '../tensor/anomaly.js';

export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  // Anomaly detection (autograd/anomaly.ts) checks every op's output and remembers its layer.
  const check = anomalyChecker();
  const layer = check === null ? null : currentLayer();
  if (check !== null) check('forward', name, layer, [out], inputs);
  if (!isGradEnabled()) return out;
  let needed = false;
  for (const t of inputs)
    if (t.requiresGrad) {
      needed = true;
      break;
    }
  if (!needed) return out;
  out.requiresGrad = true;
  out.gradFn = check === null ? { name, inputs, backward } : { name, inputs, backward, layer };
  return out;
}
