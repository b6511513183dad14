/**
 * How each tessera layer is written as PyTorch: the `nn.Module` it becomes (if it has weights or a
 * train/eval behaviour), the lines of `forward` that apply it, and how its weights change layout.
 *
 * Layouts differ in three places, and only there:
 * - images: tessera is channels-last (NHWC activations, [kh, kw, in, out] kernels), PyTorch
 *   channels-first (NCHW, [out, in, kh, kw]);
 * - Dense: tessera keeps Keras's [in, out] kernel, nn.Linear the transpose [out, in];
 * - Flatten of an image: tessera flattens (h, w, c), PyTorch (c, h, w), so the rows of the Dense
 *   that reads the flattened vector are reordered — the exported model is the natural PyTorch
 *   model (`torch.flatten(x, 1)`), not one that permutes its activations back to channels-last.
 * Recurrent layers, Embedding and LayerNormalization already use PyTorch's names and layouts.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { permute, reshape, transpose } from '../../ops/movement.js';
import type { LayerConfig } from '../../nn/registry.js';
import { ArgumentError } from '../../util/errors.js';

/** What the walker knows when it reaches a layer. */
export interface LayerSite {
  /** The layer's position in the Sequential (its state-dict prefix in tessera). */
  index: number;
  /** The module attribute in the generated class, e.g. `conv0`. */
  attr: string;
  layer: LayerConfig;
  /** The input shape, batch axis null (tessera's layout). */
  inShape: (number | null)[];
  /** Set when the input is an image flattened by tessera as (h, w, c): [h, w, c]. */
  flattenedImage: [number, number, number] | null;
}

/** One layer written as PyTorch. */
export interface TorchLayer {
  /** Short attribute stem (`conv`, `dense`, …); layers without a module leave it out. */
  stem?: string;
  /** The constructor expression of the module, e.g. `nn.Linear(576, 64)`. */
  module?(site: LayerSite): string;
  /** Lines of `forward` (x in, x out); `self.<attr>` is the module. */
  forward(site: LayerSite): string[];
  /** tessera state (names without the layer prefix) → PyTorch state (names without the attribute). */
  toTorch?(state: Record<string, Tensor>, site: LayerSite): Record<string, Tensor>;
  /** The inverse of toTorch. */
  fromTorch?(state: Record<string, Tensor>, site: LayerSite): Record<string, Tensor>;
  /** Elementwise layers pass a pending flatten order on to the next layer; others must consume it. */
  elementwise?: boolean;
}

const cfg = (site: LayerSite): Record<string, unknown> => site.layer.config;
const pair = (v: unknown): [number, number] =>
  typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]];
const py = (v: [number, number]): string => `(${v[0]}, ${v[1]})`;
const isImage = (site: LayerSite): boolean => site.inShape.length === 4;
/** A shape as users read it, batch axis `null`. */
const shapeText = (shape: readonly (number | null)[]): string => `[${shape.map(String).join(', ')}]`;
const num = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** A PyTorch dim for a tessera axis; images move the channel axis from last to 1. */
function torchDim(site: LayerSite, axis: number): number {
  const rank = site.inShape.length;
  const a = axis < 0 ? axis + rank : axis;
  return rank === 4 ? [0, 2, 3, 1][a] : a;
}

/** `F.relu(x)` for a named activation, or null for none; axis-taking ones get the right dim. */
export function activationExpr(site: LayerSite, name: string, x: string, softmaxAxis = -1): string {
  const dim = torchDim(site, softmaxAxis);
  const table: Record<string, string | null> = {
    linear: null,
    identity: null,
    relu: `F.relu(${x})`,
    relu6: `F.relu6(${x})`,
    sigmoid: `torch.sigmoid(${x})`,
    hard_sigmoid: `F.hardsigmoid(${x})`,
    tanh: `torch.tanh(${x})`,
    softmax: `F.softmax(${x}, dim=${dim})`,
    log_softmax: `F.log_softmax(${x}, dim=${dim})`,
    elu: `F.elu(${x})`,
    selu: `F.selu(${x})`,
    gelu: `F.gelu(${x})`,
    gelu_tanh: `F.gelu(${x}, approximate='tanh')`,
    silu: `F.silu(${x})`,
    swish: `F.silu(${x})`,
    softplus: `F.softplus(${x})`,
    softsign: `F.softsign(${x})`,
    leaky_relu: `F.leaky_relu(${x}, 0.3)`,
    exponential: `torch.exp(${x})`,
    mish: `F.mish(${x})`,
  };
  const aliases: Record<string, string> = {
    logSoftmax: 'log_softmax',
    leakyRelu: 'leaky_relu',
    hardSigmoid: 'hard_sigmoid',
    geluTanh: 'gelu_tanh',
  };
  const key = aliases[name] ?? name;
  if (!Object.hasOwn(table, key))
    throw new ArgumentError(
      `exportPytorch: layer ${site.index} uses activation "${name}", which has no PyTorch mapping`,
    );
  return table[key] ?? x;
}

function withActivation(site: LayerSite, call: string): string[] {
  const name = (cfg(site).activation as string | undefined) ?? 'linear';
  return [`x = ${activationExpr(site, name, call)}`];
}

/** TensorFlow's 'same' padding for one axis: [before, after] (the extra one goes after). */
function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function imageSize(site: LayerSite): [number, number, number] {
  const [, h, w, c] = site.inShape;
  if (h === null || w === null || c === null || h === undefined || w === undefined || c === undefined)
    throw new ArgumentError(
      `exportPytorch: layer ${site.index} (${site.layer.className}) has input shape ${shapeText(site.inShape)}; expected known image sizes [batch, h, w, c]`,
    );
  return [h, w, c];
}

function rowsOfFlattened(site: LayerSite): number {
  const last = site.inShape[site.inShape.length - 1];
  if (typeof last !== 'number') throw new ArgumentError(`exportPytorch: layer ${site.index} has an unknown input size`);
  return last;
}

const dense: TorchLayer = {
  stem: 'dense',
  module(site) {
    // nn.Linear reads the last axis, which for a PyTorch image is the width, not the channels.
    if (isImage(site))
      throw new ArgumentError(
        `exportPytorch: layer ${site.index} (Dense on images ${shapeText(site.inShape)}) has no PyTorch mapping; put Flatten or GlobalAveragePooling2D before it`,
      );
    return `nn.Linear(${rowsOfFlattened(site)}, ${cfg(site).units}${cfg(site).useBias === false ? ', bias=False' : ''})`;
  },
  forward: (site) => withActivation(site, `self.${site.attr}(x)`),
  toTorch(state, site) {
    let w = state.weight;
    const f = site.flattenedImage;
    // Rows (h, w, c) → (c, h, w), the order torch.flatten gives an NCHW image.
    if (f) w = reshape(permute(reshape(w, [...f, -1]), [2, 0, 1, 3]), [f[0] * f[1] * f[2], -1]);
    return { ...state, weight: transpose(w) };
  },
  fromTorch(state, site) {
    let w = transpose(state.weight);
    const f = site.flattenedImage;
    if (f) w = reshape(permute(reshape(w, [f[2], f[0], f[1], -1]), [1, 2, 0, 3]), [f[0] * f[1] * f[2], -1]);
    return { ...state, weight: w };
  },
};

function convPadding(site: LayerSite): { arg: string; pre: string[] } {
  const c = cfg(site);
  if (c.padding !== 'same') return { arg: '', pre: [] };
  const [k, s, d] = [pair(c.kernelSize), pair(c.strides ?? 1), pair(c.dilationRate ?? 1)];
  if (s[0] === 1 && s[1] === 1) return { arg: ", padding='same'", pre: [] };
  const [h, w] = imageSize(site);
  const [top, bottom] = samePads(h, k[0], s[0], d[0]);
  const [left, right] = samePads(w, k[1], s[1], d[1]);
  return { arg: '', pre: [`x = F.pad(x, (${left}, ${right}, ${top}, ${bottom}))  # TensorFlow's 'same'`] };
}

const conv2d: TorchLayer = {
  stem: 'conv',
  module(site) {
    const c = cfg(site);
    const [, , channels] = imageSize(site);
    const [s, d] = [pair(c.strides ?? 1), pair(c.dilationRate ?? 1)];
    let args = `${channels}, ${c.filters}, kernel_size=${py(pair(c.kernelSize))}`;
    if (s[0] !== 1 || s[1] !== 1) args += `, stride=${py(s)}`;
    if (d[0] !== 1 || d[1] !== 1) args += `, dilation=${py(d)}`;
    args += convPadding(site).arg;
    if (c.useBias === false) args += ', bias=False';
    return `nn.Conv2d(${args})`;
  },
  forward: (site) => [...convPadding(site).pre, ...withActivation(site, `self.${site.attr}(x)`)],
  toTorch: (state) => ({ ...state, weight: permute(state.weight, [3, 2, 0, 1]) }),
  fromTorch: (state) => ({ ...state, weight: permute(state.weight, [2, 3, 1, 0]) }),
};

function pooling(fn: 'max_pool2d' | 'avg_pool2d'): TorchLayer {
  return {
    forward(site) {
      const c = cfg(site);
      const [k, s] = [pair(c.poolSize), pair(c.strides ?? c.poolSize)];
      let args = `kernel_size=${py(k)}, stride=${py(s)}`;
      if (c.padding === 'same') {
        const [h, w] = imageSize(site);
        const [top, bottom] = samePads(h, k[0], s[0], 1);
        const [left, right] = samePads(w, k[1], s[1], 1);
        if (top !== bottom || left !== right)
          throw new ArgumentError(
            `exportPytorch: layer ${site.index} (${site.layer.className}, padding 'same' on a ${h}×${w} image) needs uneven padding, which has no PyTorch mapping; use padding 'valid' or an image size that pads evenly`,
          );
        args += `, padding=(${top}, ${left})`;
        if (fn === 'avg_pool2d') args += ', count_include_pad=False';
      }
      return [`x = F.${fn}(x, ${args})`];
    },
  };
}

const globalAveragePooling: TorchLayer = {
  forward: (site) => [`x = x.mean(dim=(2, 3)${cfg(site).keepDims ? ', keepdim=True' : ''})`],
};

const flatten: TorchLayer = {
  forward: (site) => (site.inShape.length > 2 ? ['x = torch.flatten(x, 1)'] : []),
};

const dropout: TorchLayer = {
  stem: 'dropout',
  elementwise: true,
  module: (site) => `nn.Dropout(${num(cfg(site).rate as number)})`,
  forward: (site) => [`x = self.${site.attr}(x)`],
};

const BATCH_NORM_NAMES: Record<string, string> = {
  gamma: 'weight',
  beta: 'bias',
  movingMean: 'running_mean',
  movingVariance: 'running_var',
};
const renamed = (state: Record<string, Tensor>, names: Record<string, string>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [names[k] ?? k, v]));

const batchNorm: TorchLayer = {
  stem: 'bn',
  module(site) {
    const c = cfg(site);
    const rank = site.inShape.length;
    const axis = (c.axis as number) < 0 ? (c.axis as number) + rank : (c.axis as number);
    if ((rank !== 2 && rank !== 4) || axis !== rank - 1)
      throw new ArgumentError(
        `exportPytorch: layer ${site.index} (BatchNormalization over axis ${c.axis} of rank-${rank} inputs) has no PyTorch mapping; expected the last axis of [batch, features] or of images`,
      );
    if (c.center !== c.scale)
      throw new ArgumentError(
        `exportPytorch: layer ${site.index} (BatchNormalization with center=${c.center}, scale=${c.scale}) has no PyTorch mapping; nn.BatchNorm has both or neither`,
      );
    const features = site.inShape[rank - 1];
    const kind = rank === 4 ? 'BatchNorm2d' : 'BatchNorm1d';
    const affine = c.scale === false ? ', affine=False' : '';
    // Keras's momentum weighs the old average; PyTorch's weighs the new batch.
    return `nn.${kind}(${features}, eps=${num(c.epsilon as number)}, momentum=${num(+(1 - (c.momentum as number)).toPrecision(12))}${affine})`;
  },
  forward: (site) => [`x = self.${site.attr}(x)`],
  toTorch: (state) => renamed(state, BATCH_NORM_NAMES),
  fromTorch(state) {
    const back = Object.fromEntries(Object.entries(BATCH_NORM_NAMES).map(([k, v]) => [v, k]));
    // PyTorch's step counter has no tessera counterpart (and does not change the outputs).
    const { num_batches_tracked: _, ...rest } = state;
    return renamed(rest, back);
  },
};

const layerNorm: TorchLayer = {
  stem: 'ln',
  module(site) {
    const c = cfg(site);
    const rank = site.inShape.length;
    const axes = (Array.isArray(c.axis) ? c.axis : [c.axis]).map((a: number) => (a < 0 ? a + rank : a));
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    if (isImage(site) || !trailing)
      throw new ArgumentError(
        `exportPytorch: layer ${site.index} (LayerNormalization over axes [${axes.join(', ')}] of rank-${rank} inputs) has no PyTorch mapping; expected trailing axes of non-image inputs`,
      );
    if (c.center !== c.scale)
      throw new ArgumentError(
        `exportPytorch: layer ${site.index} (LayerNormalization with center=${c.center}, scale=${c.scale}) has no PyTorch mapping`,
      );
    const shape = axes.map((a) => site.inShape[a]);
    const affine = c.scale === false ? ', elementwise_affine=False' : '';
    return `nn.LayerNorm([${shape.join(', ')}], eps=${num(c.epsilon as number)}${affine})`;
  },
  forward: (site) => [`x = self.${site.attr}(x)`],
};

const embedding: TorchLayer = {
  stem: 'embedding',
  module(site) {
    const c = cfg(site);
    const pad = c.paddingIdx === undefined || c.paddingIdx === null ? '' : `, padding_idx=${c.paddingIdx}`;
    return `nn.Embedding(${c.inputDim}, ${c.outputDim}${pad})`;
  },
  forward: (site) => [`x = self.${site.attr}(x.long())`],
};

function recurrent(kind: 'RNN' | 'LSTM' | 'GRU'): TorchLayer {
  return {
    stem: kind.toLowerCase(),
    module(site) {
      const c = cfg(site);
      if (c.goBackwards || c.returnState)
        throw new ArgumentError(
          `exportPytorch: layer ${site.index} (${site.layer.className} with ${c.goBackwards ? 'goBackwards' : 'returnState'}) has no PyTorch mapping in a Sequential`,
        );
      let args = `${site.inShape[2]}, ${c.units}, batch_first=True`;
      if (c.useBias === false) args += ', bias=False';
      if (kind === 'RNN') {
        const act = (c.activation as string | undefined) ?? 'tanh';
        if (act !== 'tanh' && act !== 'relu')
          throw new ArgumentError(
            `exportPytorch: layer ${site.index} (SimpleRNN with activation "${act}") has no PyTorch mapping; nn.RNN takes tanh or relu`,
          );
        args += `, nonlinearity='${act}'`;
      }
      return `nn.${kind}(${args})`;
    },
    forward: (site) => [`x, _ = self.${site.attr}(x)`, ...(cfg(site).returnSequences ? [] : ['x = x[:, -1]'])],
  };
}

function activationLayer(expr: (site: LayerSite) => string): TorchLayer {
  return { elementwise: true, forward: (site) => [`x = ${expr(site)}`] };
}

/** The layers that have a PyTorch form, by registered class name. */
export const TORCH_LAYERS: Record<string, TorchLayer> = {
  Dense: dense,
  Conv2D: conv2d,
  MaxPooling2D: pooling('max_pool2d'),
  AveragePooling2D: pooling('avg_pool2d'),
  GlobalAveragePooling2D: globalAveragePooling,
  Flatten: flatten,
  Dropout: dropout,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  Embedding: embedding,
  SimpleRNN: recurrent('RNN'),
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
  Identity: { elementwise: true, forward: () => [] },
  Activation: activationLayer((site) => activationExpr(site, cfg(site).activation as string, 'x')),
  ReLU: activationLayer(() => 'F.relu(x)'),
  Sigmoid: activationLayer(() => 'torch.sigmoid(x)'),
  Tanh: activationLayer(() => 'torch.tanh(x)'),
  SiLU: activationLayer(() => 'F.silu(x)'),
  LeakyReLU: activationLayer((site) => `F.leaky_relu(x, ${num(cfg(site).alpha as number)})`),
  ELU: activationLayer((site) => `F.elu(x, ${num(cfg(site).alpha as number)})`),
  GELU: activationLayer((site) => (cfg(site).approximate === 'tanh' ? "F.gelu(x, approximate='tanh')" : 'F.gelu(x)')),
  Softmax: activationLayer((site) => `F.softmax(x, dim=${torchDim(site, (cfg(site).axis as number) ?? -1)})`),
  LogSoftmax: activationLayer((site) => `F.log_softmax(x, dim=${torchDim(site, (cfg(site).axis as number) ?? -1)})`),
};
