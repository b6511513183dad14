/**
 * How an op joins the autograd graph: after computing its output, it hands `record` the inputs and
 * a closure that maps the output's gradient to the inputs' gradients. Nothing is recorded under
 * `noGrad()` or when no input requires a gradient, so inference builds no graph at all.
 */
import type { Tensor, GradFn, MultiOutputGradFn } from '../tensor/tensor.js';
import { isGradEnabled } from '../tensor/grad-mode.js';

export function record(name: string, out: Tensor, inputs: readonly Tensor[], backward: GradFn['backward']): Tensor {
  if (!needsGrad(inputs)) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs, backward };
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
  if (!needsGrad(inputs)) return;
  const multi: MultiOutputGradFn = { outputs, backward };
  for (const out of outputs) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, multi, backward: (g) => backward(outputs.map((o) => (o === out ? g : null))) };
  }
}

function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}
