/**
 * Grad-CAM (Selvaraju et al. 2017) for a convolution layer: with A [batch, h, w, k] the layer's
 * output (after its activation, as Keras's Conv2D gives it) and dS/dA the gradient of the target
 * score, each channel's weight is α_k = mean over h, w of dS/dA_k, and the map is
 * ReLU(Σ_k α_k A_k) [batch, h, w], resized bilinearly to the input's height and width and scaled
 * to [0, 1] per input.
 *
 * A forward hook on the layer replaces its output by a detached copy that requires grad: the
 * backward pass then stops at the layer (nothing below it is differentiated) and the copy's
 * gradient is dS/dA.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Backend } from '../backend/types.js';
import { fromHostValues } from '../tensor/creation.js';
import { div, maximum, mul, relu } from '../ops/elementwise.js';
import { max, mean, sum } from '../ops/reduce.js';
import { mm } from '../ops/matmul.js';
import { permute, reshape, squeeze, unsqueeze } from '../ops/movement.js';
import { enableGrad } from '../autograd/mode.js';
import { gradientsOf } from '../autograd/backward.js';
import { Module, type AnyModule } from '../nn/module.js';
import { Conv2D } from '../nn/conv.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import {
  checkInput,
  inspecting,
  resolveTargets,
  scoreFunction,
  targetScores,
  type Attribution,
  type TargetOptions,
} from './score.js';
import { classNameOf } from '../util/class-names.js';

export interface GradCamOptions extends TargetOptions {
  /** The convolution's name in `model.namedModules()` (a Sequential's layers are '0', '1', …); default the last Conv2D. */
  layer?: string;
}

export interface GradCamResult extends Attribution {
  /** [batch, h, w]: ReLU(Σ_k α_k A_k) at the layer's resolution, unscaled. */
  map: Tensor;
  /** The layer explained. */
  layer: string;
}

/** The names of a model's convolution layers, in order. */
export function convolutionLayers(model: AnyModule): string[] {
  return model
    .namedModules()
    .filter(([, m]) => m instanceof Conv2D)
    .map(([name]) => name);
}

/**
 * Grad-CAM of each image of x [batch, height, width, channels]; `attributions` is the map resized
 * to [batch, height, width, 1] (broadcastable to the input) and scaled to [0, 1].
 * @example const { attributions, map } = gradCam(model, images, { layer: '4' });
 */
export function gradCam(model: AnyModule, x: Tensor, options: GradCamOptions = {}): GradCamResult {
  const fn = 'gradCam';
  const o = checkOptions(fn, options, ['target', 'logits', 'layer']) as GradCamOptions;
  if (!(model instanceof Module))
    throw new ArgumentError(`${fn}: got model ${describe(model)}; expected a Module with a Conv2D layer inside`);
  checkInput(fn, x);
  if (x.rank !== 4)
    throw new ShapeError(
      `${fn}: got an input of shape ${describe(x.shape)}; expected images [batch, height, width, channels]`,
    );
  const [name, layer] = findConvolution(fn, model, o.layer);
  const f = scoreFunction(fn, model, o.logits);
  return inspecting(model, () => {
    let activations: Tensor | null = null;
    const remove = layer.registerForwardHook((_m, _inputs, out) => {
      activations = out.detach().requiresGrad_();
      return activations;
    });
    let outputs: Tensor;
    try {
      outputs = enableGrad(() => f(x));
    } finally {
      remove();
    }
    const a = activations as Tensor | null;
    if (a === null)
      throw new ArgumentError(
        `${fn}: the layer "${name}" did not run in the model's forward pass; expected one that does`,
      );
    const targets = resolveTargets(fn, o.target, outputs);
    const scores = enableGrad(() => squeeze(targetScores(outputs, targets, 1), 0));
    const [g] = gradientsOf(sum(scores), [a]);
    const weights = mean(g!, [1, 2], { keepDims: true }); // α: [batch, 1, 1, k]
    const map = relu(sum(mul(weights, a.detach()), [3])); // [batch, h, w]
    const resized = resizeBilinear(map, x.shape[1], x.shape[2]);
    const peak = maximum(max(resized, [1, 2], { keepDims: true }), 1e-12);
    const attributions = unsqueeze(div(resized, peak), 3);
    return { attributions, targets, scores: scores.detach(), map, layer: name };
  });
}

function findConvolution(fn: string, model: AnyModule, layer: string | undefined): [string, AnyModule] {
  const convs = convolutionLayers(model);
  if (layer === undefined) {
    const last = convs.at(-1);
    if (last === undefined)
      throw new ArgumentError(`${fn}: the ${classNameOf(model)} has no Conv2D layer; expected a convolutional model`);
    return [last, model.namedModules().find(([n]) => n === last)![1]];
  }
  const found = model.namedModules().find(([n]) => n === layer);
  const known = convs.map((n) => `'${n}'`).join(', ') || '(none)';
  if (!found)
    throw new ArgumentError(
      `${fn}: got layer ${describe(layer)}, which the model does not have; expected a convolution: ${known}`,
    );
  if (!(found[1] instanceof Conv2D))
    throw new ArgumentError(
      `${fn}: got layer ${describe(layer)}, a ${classNameOf(found[1])}; expected a convolution: ${known}`,
    );
  return found;
}

/**
 * Bilinear resize of maps [batch, h, w] to [batch, height, width], as PyTorch's
 * interpolate(mode='bilinear', align_corners=False): two products with constant interpolation
 * matrices, rows then columns.
 */
export function resizeBilinear(maps: Tensor, height: number, width: number): Tensor {
  const [batch, h, w] = maps.shape;
  const rows = interpolationMatrix(h, height, maps.backend); // [height, h]
  const cols = interpolationMatrix(w, width, maps.backend); // [width, w]
  const byRows = mm(rows, reshape(permute(maps, [1, 0, 2]), [h, batch * w])); // [height, batch·w]
  const regrouped = reshape(permute(reshape(byRows, [height, batch, w]), [1, 0, 2]), [batch * height, w]);
  return reshape(mm(regrouped, cols, false, true), [batch, height, width]);
}

/** [out, in]: row i holds the weights of the (at most two) source pixels of output pixel i. */
function interpolationMatrix(size: number, out: number, backend: Backend): Tensor {
  const m = new Float32Array(out * size);
  const scale = size / out;
  for (let i = 0; i < out; i++) {
    const src = Math.max((i + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    const t = src - i0;
    m[i * size + i0] += 1 - t;
    m[i * size + i1] += t;
  }
  return fromHostValues(m, [out, size], {}, backend);
}
