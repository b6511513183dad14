/**
 * Activations in ONNX: the one table from tessera's activation names (nn/activations.ts) to ONNX
 * nodes, used by the activation layers below and by the layers that end in an activation (Dense,
 * Conv2D). Where ONNX opset 17 has the op, it is used (Relu, Elu, Selu, Softplus, …); GELU (an op
 * only from opset 20), SiLU and Mish are composed from Erf, Tanh, Sigmoid and arithmetic.
 */
import type { AnyModule } from '../../nn/module.js';
import { activationName, type Activation, type ELU, type GELU, type LeakyReLU } from '../../nn/activations.js';
import type { LogSoftmax, Softmax } from '../../nn/activations.js';
import { LEAKY_RELU_ALPHA } from '../../ops/activations.js';
import { attr, type OnnxGraph } from './graph.js';
import { registerOnnxMapping, unsupported, type OnnxSite } from './registry.js';

// SELU's constants, as nn/activations.ts has them (Klambauer et al. 2017).
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

type Emit = (g: OnnxGraph, x: string, hint: string, axis: number) => string;

const gelu: Emit = (g, x, hint) => {
  // x · ½ · (1 + erf(x / √2))
  const erf = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])]);
  const half = g.op('Mul', [x, g.scalar(0.5)]);
  return g.op('Mul', [half, g.op('Add', [erf, g.scalar(1)])], {}, hint);
};

const geluTanh: Emit = (g, x, hint) => {
  // ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))
  const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
  const inner = g.op('Add', [x, g.op('Mul', [cube, g.scalar(0.044715)])]);
  const t = g.op('Tanh', [g.op('Mul', [inner, g.scalar(Math.sqrt(2 / Math.PI))])]);
  const half = g.op('Mul', [x, g.scalar(0.5)]);
  return g.op('Mul', [half, g.op('Add', [t, g.scalar(1)])], {}, hint);
};

const unary =
  (opType: string, attributes = {}): Emit =>
  (g, x, hint) =>
    g.op(opType, [x], attributes, hint);

const TABLE: Record<string, Emit> = {
  linear: (g, x, hint) => g.op('Identity', [x], {}, hint),
  identity: (g, x, hint) => g.op('Identity', [x], {}, hint),
  relu: unary('Relu'),
  relu6: (g, x, hint) => g.op('Clip', [x, g.scalar(0), g.scalar(6)], {}, hint),
  sigmoid: unary('Sigmoid'),
  // relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)
  hard_sigmoid: unary('HardSigmoid', { alpha: attr.float(1 / 6), beta: attr.float(0.5) }),
  tanh: unary('Tanh'),
  softmax: (g, x, hint, axis) => g.op('Softmax', [x], { axis: attr.int(axis) }, hint),
  log_softmax: (g, x, hint, axis) => g.op('LogSoftmax', [x], { axis: attr.int(axis) }, hint),
  elu: unary('Elu', { alpha: attr.float(1) }),
  selu: unary('Selu', { alpha: attr.float(SELU_ALPHA), gamma: attr.float(SELU_SCALE) }),
  gelu,
  gelu_tanh: geluTanh,
  silu: (g, x, hint) => g.op('Mul', [x, g.op('Sigmoid', [x])], {}, hint),
  swish: (g, x, hint) => g.op('Mul', [x, g.op('Sigmoid', [x])], {}, hint),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  leaky_relu: unary('LeakyRelu', { alpha: attr.float(LEAKY_RELU_ALPHA) }),
  exponential: unary('Exp'),
  mish: (g, x, hint) => g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x])])], {}, hint),
};

/**
 * Apply the activation called `name` (a table name from nn/activations.ts; null for a custom
 * function) to `x`. `axis` is where softmax normalises (-1, or 1 inside a channels-first stretch).
 * 'linear' adds nothing and returns `x`.
 */
export function emitActivation(
  g: OnnxGraph,
  name: string | null,
  x: string,
  site: OnnxSite,
  options: { axis?: number; hint?: string } = {},
): string {
  if (name === 'linear' || name === 'identity') return x;
  if (name === null || !Object.hasOwn(TABLE, name))
    throw unsupported(
      site,
      `uses ${name === null ? 'a custom activation function' : `the activation "${name}"`}, which has no ONNX mapping (no ONNX op for it); use a named activation (${Object.keys(TABLE).join(', ')})`,
    );
  return TABLE[name](g, x, options.hint ?? site.path, options.axis ?? -1);
}

/** Whether an activation works value by value, so that it may run in either layout. */
export function isElementwise(name: string | null): boolean {
  return name !== 'softmax' && name !== 'log_softmax';
}

const named =
  (name: string) =>
  (_layer: AnyModule, [x]: readonly { name: string }[], g: OnnxGraph, site: OnnxSite): string =>
    TABLE[name](g, x.name, site.path, -1);

registerOnnxMapping<Activation>('Activation', (layer, [x], g, site) =>
  emitActivation(g, activationName(layer.fn), x.name, site),
);
registerOnnxMapping('Identity', named('identity'));
registerOnnxMapping('ReLU', named('relu'));
registerOnnxMapping('Sigmoid', named('sigmoid'));
registerOnnxMapping('Tanh', named('tanh'));
registerOnnxMapping('SiLU', named('silu'));
registerOnnxMapping<LeakyReLU>('LeakyReLU', (layer, [x], g, site) =>
  g.op('LeakyRelu', [x.name], { alpha: attr.float(layer.alpha) }, site.path),
);
registerOnnxMapping<ELU>('ELU', (layer, [x], g, site) =>
  g.op('Elu', [x.name], { alpha: attr.float(layer.alpha) }, site.path),
);
registerOnnxMapping<GELU>('GELU', (layer, [x], g, site) =>
  (layer.approximate === 'tanh' ? geluTanh : gelu)(g, x.name, site.path, -1),
);
registerOnnxMapping<Softmax>('Softmax', (layer, [x], g, site) => TABLE.softmax(g, x.name, site.path, layer.axis));
registerOnnxMapping<LogSoftmax>('LogSoftmax', (layer, [x], g, site) =>
  TABLE.log_softmax(g, x.name, site.path, layer.axis),
);
