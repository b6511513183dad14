/**
 * How an op joins the autograd graph: after computing its output, it hands `record` the inputs and
 * a closure that maps the output's gradient to the inputs' gradients. Nothing is recorded under
 * `noGrad()` or when no input requires a gradient, so inference builds no graph at all.
 */
import type { Tensor, GradFn, MultiOutputGradFn } from '../tensor/tensor.js';
import { isGradEnabled } from '../tensor/grad-mode.js';
import { anomalyChecker, currentLayer } from '../tensor/anomaly.js';

export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  // Anomaly detection (autograd/anomaly.ts) checks every op's output and remembers its layer.
  const check = anomalyChecker();
  const layer = check === null ? null : currentLayer();
  if (check !== null) check('forward', name, layer, [out], inputs);
  if (!needsGrad(inputs)) return out;
  out.requiresGrad = true;
  out.gradFn = check === null ? { name, inputs, backward } : { name, inputs, backward, layer };
  return out;
}

/**
 * `record` for an op with several outputs: one node whose backward receives every output's
 * gradient (null where none reached it) and runs once per backward pass, however many of the
 * outputs the loss uses.
 */
export function recordOutputs(
  name: string,
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  backward: MultiOutputGradFn['backward'],
): void {
  const check = anomalyChecker();
  const layer = check === null ? null : currentLayer();
  if (check !== null) check('forward', name, layer, outputs, inputs);
  if (!needsGrad(inputs)) return;
  const multi: MultiOutputGradFn = { outputs, backward };
  for (const out of outputs) {
    out.requiresGrad = true;
    const own = (g: Tensor) => backward(outputs.map((o) => (o === out ? g : null)));
    out.gradFn =
      check === null ? { name, inputs, multi, backward: own } : { name, inputs, multi, backward: own, layer };
  }
}

/** Whether an op on `inputs` records a gradient (grad mode on and an input requires one). */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}
