/**
 * Reverse-mode differentiation: a topological order of the recorded graph, then one sweep from the
 * output back to the leaves, each node applying its op's local chain rule. After the sweep the
 * graph is released (every node forgets its inputs and saved tensors), so a training loop holds no
 * memory from one step to the next.
 */
import { Tensor, type MultiOutputGradFn } from '../tensor/tensor.js';
import { setGradEnabled } from '../tensor/grad-mode.js';
import { emptyTensor } from '../tensor/creation.js';
import { anomalyChecker } from '../tensor/anomaly.js';
import { sameShape } from '../tensor/shape.js';
import { add } from '../ops/elementwise.js';
import { clone } from '../ops/movement.js';
import { GradError, ShapeError, describe } from '../util/errors.js';

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (costs memory until dropped). */
  retainGraph?: boolean;
}

/** Nodes reachable from `root` through tensors that require grad, outputs before inputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long RNN unrolls) must not overflow the call stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const next = inputs[i];
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Gradients of `root` with respect to every tensor in its graph. Returns the map from tensor to
 * gradient for the leaves (and any `keep` tensors). Leaves' `.grad` is not touched here.
 */
export function computeGradients(
  root: Tensor,
  seed: Tensor,
  options: BackwardOptions = {},
  keep?: ReadonlySet<Tensor>,
): Map<Tensor, Tensor> {
  const order = topoOrder(root);
  const runsAt = multiOutputPositions(order);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  const result = new Map<Tensor, Tensor>();
  const previous = setGradEnabled(false);
  try {
    for (const t of order) {
      const fn = t.gradFn;
      const multi = fn?.multi;
      // An output of a multi-output op waits (its gradient kept) for the op's last output in the
      // order: by then every output's gradient is complete, and the op's backward runs once.
      if (multi !== undefined && runsAt.get(multi) !== t) continue;
      const outs = multi === undefined ? [t] : multi.outputs;
      const gs = outs.map((o) => grads.get(o) ?? null);
      if (gs.every((g) => g === null)) continue;
      outs.forEach((o, i) => {
        const g = gs[i];
        if (g === null) return;
        grads.delete(o); // free as we go
        if (o.gradFn === null || keep?.has(o)) result.set(o, g);
      });
      if (!fn) continue;
      if ((fn as { released?: boolean }).released) {
        throw new GradError(
          `backward: the graph through "${fn.name}" was already freed by an earlier backward(); pass { retainGraph: true } to the first call to go through it twice`,
        );
      }
      const inputGrads = multi === undefined ? fn.backward(gs[0]!) : multi.backward(gs);
      anomalyChecker()?.('backward', fn.name, fn.layer ?? null, inputGrads);
      fn.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi || !input.requiresGrad) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new ShapeError(
            `backward: op "${fn.name}" produced a gradient of shape ${describe(gi.shape)} for an input of shape ${describe(input.shape)}`,
          );
        }
        const acc = grads.get(input);
        grads.set(input, acc ? add(acc, gi) : gi);
      });
    }
  } finally {
    setGradEnabled(previous);
  }
  if (!options.retainGraph) release(order);
  return result;
}

/** For each multi-output op in the order, its output that comes last (where its node runs). */
function multiOutputPositions(order: readonly Tensor[]): Map<MultiOutputGradFn, Tensor> {
  const last = new Map<MultiOutputGradFn, Tensor>();
  for (const t of order) {
    const multi = t.gradFn?.multi;
    if (multi !== undefined) last.set(multi, t);
  }
  return last;
}

/**
 * Drop every node's closure (and the tensors it saved), marking it so reuse is reported clearly.
 * A multi-output op's node is dropped from all its outputs, those the pass did not reach too.
 */
function release(order: readonly Tensor[]): void {
  const drop = (t: Tensor): void => {
    const fn = t.gradFn;
    if (!fn) return;
    t.gradFn = { name: fn.name, inputs: [], backward: () => [], released: true } as Tensor['gradFn'];
  };
  for (const t of order) {
    const multi = t.gradFn?.multi;
    if (multi !== undefined) multi.outputs.forEach(drop);
    else drop(t);
  }
}

function checkSeed(root: Tensor, gradient: Tensor | undefined): Tensor {
  if (!root.requiresGrad) {
    throw new GradError(
      'backward: the tensor does not require grad, so there is nothing to differentiate; make an input with { requiresGrad: true }',
    );
  }
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new GradError(
        `backward: got a tensor of shape ${describe(root.shape)} and no gradient; expected a scalar (one element) output, or pass the output's gradient: backward(gradient)`,
      );
    }
    // On the root's backend (not the active one), so a graph on WebGPU is seeded on WebGPU.
    const seed = emptyTensor(root.shape, 'float32', root.backend, false);
    seed.backend.fill(seed.storage, 1);
    return seed;
  }
  if (!(gradient instanceof Tensor) || !sameShape(gradient.shape, root.shape)) {
    throw new ShapeError(
      `backward: got gradient ${describe(gradient)}; expected a tensor of the output's shape ${describe(root.shape)}`,
    );
  }
  return gradient;
}

/** d(root)/d(leaf) for every leaf that requires grad, accumulated into `leaf.grad`. */
export function backward(root: Tensor, gradient?: Tensor, options: BackwardOptions = {}): void {
  const seed = checkSeed(root, gradient);
  const grads = computeGradients(root, seed, options);
  for (const [leaf, g] of grads) {
    // A fresh copy on first assignment: one gradient tensor may reach several leaves (add sends
    // the same g to both sides), and in-place users such as clipGradNorm must not see aliases.
    leaf.grad = leaf.grad ? add(leaf.grad, g) : clone(g);
  }
}

/** Gradients of `root` with respect to `inputs` only, without touching any `.grad`. */
export function gradientsOf(
  root: Tensor,
  inputs: readonly Tensor[],
  gradient?: Tensor,
  options: BackwardOptions = {},
): (Tensor | null)[] {
  const seed = checkSeed(root, gradient);
  const grads = computeGradients(root, seed, options, new Set(inputs));
  return inputs.map((t) => grads.get(t) ?? null);
}
