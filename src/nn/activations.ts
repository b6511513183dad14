/**
 * Activations as layers, and the one name → function table shared by `Activation(name)` and by
 * `Dense({ activation })`. Names follow Keras ('relu', 'leaky_relu', 'log_softmax'); camelCase
 * aliases are accepted too. All are compositions of ops, so gradients come from the ops.
 */
import type { Tensor } from '../tensor/tensor.js';
import * as E from '../ops/elementwise.js';
import * as A from '../ops/activations.js';
import { biasActivationOverProduct } from '../ops/fused.js';
import type { FusedActivation } from '../backend/types.js';
import { ArgumentError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { registerLayer } from './registry.js';
import { checkOptions, type LayerShape } from './layer-util.js';
import { nameOfClass } from '../util/class-names.js';

export type ActivationFn = (x: Tensor) => Tensor;

// SELU's constants (Klambauer et al. 2017), as in Keras and PyTorch.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const relu6: ActivationFn = (x) => E.minimum(E.relu(x), 6);

const TABLE = {
  linear: (x: Tensor) => x,
  identity: (x: Tensor) => x,
  relu: E.relu,
  relu6,
  sigmoid: E.sigmoid,
  /** Keras 3's piecewise-linear sigmoid: relu6(x + 3) / 6. */
  hard_sigmoid: (x: Tensor) => E.div(relu6(E.add(x, 3)), 6),
  tanh: E.tanh,
  softmax: (x: Tensor) => A.softmax(x, -1),
  log_softmax: (x: Tensor) => A.logSoftmax(x, -1),
  elu: (x: Tensor) => A.elu(x, 1),
  selu: (x: Tensor) => E.mul(A.elu(x, SELU_ALPHA), SELU_SCALE),
  /** Exact GELU, x·Φ(x) (Keras's and PyTorch's default). */
  gelu: (x: Tensor) => A.gelu(x),
  /** GELU's tanh approximation (GPT-2's; PyTorch's approximate='tanh'). */
  gelu_tanh: (x: Tensor) => A.gelu(x, { approximate: 'tanh' }),
  silu: A.silu,
  swish: A.silu,
  softplus: A.softplus,
  softsign: (x: Tensor) => E.div(x, E.add(E.abs(x), 1)),
  /** Slope A.LEAKY_RELU_ALPHA (0.3), as the LeakyReLU layer and the op: one default (see the op). */
  leaky_relu: (x: Tensor) => A.leakyRelu(x, A.LEAKY_RELU_ALPHA),
  exponential: E.exp,
  mish: (x: Tensor) => E.mul(x, E.tanh(A.softplus(x))),
} satisfies Record<string, ActivationFn>;

const ALIASES = {
  logSoftmax: 'log_softmax',
  leakyRelu: 'leaky_relu',
  hardSigmoid: 'hard_sigmoid',
  geluTanh: 'gelu_tanh',
} as const satisfies Record<string, keyof typeof TABLE>;

export type ActivationName = keyof typeof TABLE | keyof typeof ALIASES;

/** The activation function for a name (or the function itself); unknown names list the known ones. */
export function getActivation(activation: ActivationName | ActivationFn): ActivationFn {
  if (typeof activation === 'function') return activation;
  if (typeof activation === 'string') {
    const name = Object.hasOwn(ALIASES, activation) ? ALIASES[activation as keyof typeof ALIASES] : activation;
    if (Object.hasOwn(TABLE, name)) return TABLE[name as keyof typeof TABLE];
  }
  throw new ArgumentError(
    `getActivation: got ${describe(activation)}; expected a function (x) => Tensor or one of ${[...Object.keys(TABLE), ...Object.keys(ALIASES)].join(', ')}`,
  );
}

/**
 * A layer's tail, activation(y + bias) (bias null: none): one fused op, one pass each way, when the
 * activation is relu or linear (the common case); otherwise the fused bias add, then the activation.
 * y must be the layer's own product (its matmul or convolution): its storage is reused for the
 * result (see biasActivationOverProduct).
 */
export function biasThenActivation(y: Tensor, bias: Tensor | null, activation: ActivationFn): Tensor {
  const { fused, rest } = splitActivation(activation);
  const z = biasActivationOverProduct(y, bias, fused);
  return rest ? rest(z) : z;
}

/** An activation as the part a fused layer tail applies (relu or none) and the rest (null: none). */
export function splitActivation(activation: ActivationFn): { fused: FusedActivation; rest: ActivationFn | null } {
  if (activation === TABLE.relu) return { fused: 'relu', rest: null };
  return { fused: 'linear', rest: activation === TABLE.linear || activation === TABLE.identity ? null : activation };
}

/** The table name of a built-in activation function (`relu` → 'relu'), or null for any other function. */
export function activationName(fn: ActivationFn): string | null {
  for (const [name, f] of Object.entries(TABLE)) if (f === fn) return name;
  return null;
}

/** The name a config stores for an activation option, or a clear error for a custom function. */
export function activationConfig(fn: string, activation: ActivationName | ActivationFn | undefined): string {
  if (activation === undefined) return 'linear';
  if (typeof activation === 'string') return activation;
  const name = activationName(activation);
  if (name !== null) return name;
  throw new ArgumentError(
    `${fn}: the activation is a custom function (${activation.name || 'anonymous'}), which a config (plain JSON) cannot hold; ` +
      `use one of the names ${Object.keys(TABLE).join(', ')}, or write the function as a Module subclass and register it with registerLayer`,
  );
}

/**
 * A layer that declares the activation it ends with and can stop just before it. fit and evaluate
 * use it to compute a cross-entropy from the logits of a model whose last layer declares softmax
 * (or sigmoid) instead of from its probabilities (see keras/model.ts): the declaration decides,
 * never the graph. Dense and Conv2D (their `activation`), Activation, Softmax (over the last axis)
 * and Sigmoid implement it; so do Sequential, through its last layer, and Model.wrap.
 */
export interface EndsInActivation {
  /** The table name of the activation applied last ('softmax', 'sigmoid', 'linear', …); null for a custom function. */
  readonly finalActivation: string | null;
  /** The output before that activation: the logits of a softmax or sigmoid. (Forward hooks do not run.) */
  callBeforeActivation(x: Tensor): Tensor;
}

export function endsInActivation(m: unknown): m is EndsInActivation {
  return (
    m instanceof Module &&
    'finalActivation' in m &&
    typeof (m as Partial<EndsInActivation>).callBeforeActivation === 'function'
  );
}

/** The option every activation layer takes: Keras's input_shape, one sample's shape without the batch axis. */
export interface InputShapeOption {
  inputShape?: readonly (number | null)[];
}

/**
 * Layers whose output has the input's shape. Each takes one options object: `inputShape` plus
 * the keys it names, checked (an unknown key is refused with the layer's name).
 */
abstract class ShapePreserving extends Module {
  protected constructor(options: unknown, keys: readonly string[] = []) {
    super();
    const o = checkOptions(nameOfClass(new.target), options, [...keys, 'inputShape']);
    this.setInputShape(o.inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return [...inputShape];
  }
}

/** A layer applying a named activation (or any elementwise function): `new Activation('relu')`. */
export class Activation extends ShapePreserving implements EndsInActivation {
  readonly fn: ActivationFn;
  readonly activationName: string;

  readonly #activation: ActivationName | ActivationFn;

  constructor(activation: ActivationName | ActivationFn, options: InputShapeOption = {}) {
    super(options);
    this.fn = getActivation(activation);
    this.#activation = activation;
    this.activationName = typeof activation === 'string' ? activation : activation.name || 'custom';
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: activationConfig('Activation.getConfig', this.#activation) };
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }

  get finalActivation(): string | null {
    return activationName(this.fn);
  }

  callBeforeActivation(x: Tensor): Tensor {
    return x;
  }

  protected override describeSelf(): string {
    return this.activationName;
  }
}

export class Identity extends ShapePreserving {
  constructor(options: InputShapeOption = {}) {
    super(options);
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class ReLU extends ShapePreserving {
  constructor(options: InputShapeOption = {}) {
    super(options);
  }
  forward(x: Tensor): Tensor {
    return E.relu(x);
  }
}

export class Sigmoid extends ShapePreserving implements EndsInActivation {
  constructor(options: InputShapeOption = {}) {
    super(options);
  }
  forward(x: Tensor): Tensor {
    return E.sigmoid(x);
  }

  get finalActivation(): string {
    return 'sigmoid';
  }

  callBeforeActivation(x: Tensor): Tensor {
    return x;
  }
}

export class Tanh extends ShapePreserving {
  constructor(options: InputShapeOption = {}) {
    super(options);
  }
  forward(x: Tensor): Tensor {
    return E.tanh(x);
  }
}

export class SiLU extends ShapePreserving {
  constructor(options: InputShapeOption = {}) {
    super(options);
  }
  forward(x: Tensor): Tensor {
    return A.silu(x);
  }
}

/** x for x > 0, alpha·x otherwise; alpha defaults to 0.3 (A.LEAKY_RELU_ALPHA), as in Keras's LeakyReLU layer. */
export class LeakyReLU extends ShapePreserving {
  readonly alpha: number;
  constructor(options: { alpha?: number } & InputShapeOption = {}) {
    super(options, ['alpha']);
    this.alpha = checkFinite('LeakyReLU', 'alpha', options.alpha ?? A.LEAKY_RELU_ALPHA);
  }
  forward(x: Tensor): Tensor {
    return A.leakyRelu(x, this.alpha);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
  protected override describeSelf(): string {
    return `alpha=${this.alpha}`;
  }
}

export class ELU extends ShapePreserving {
  readonly alpha: number;
  constructor(options: { alpha?: number } & InputShapeOption = {}) {
    super(options, ['alpha']);
    this.alpha = checkFinite('ELU', 'alpha', options.alpha ?? 1);
  }
  forward(x: Tensor): Tensor {
    return A.elu(x, this.alpha);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
  protected override describeSelf(): string {
    return `alpha=${this.alpha}`;
  }
}

/** GELU; `approximate: 'tanh'` selects the GPT-2 form. */
export class GELU extends ShapePreserving {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } & InputShapeOption = {}) {
    super(options, ['approximate']);
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ArgumentError(`GELU: got approximate=${describe(this.approximate)}; expected "none" or "tanh"`);
    }
  }
  forward(x: Tensor): Tensor {
    return A.gelu(x, { approximate: this.approximate });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), approximate: this.approximate };
  }
  protected override describeSelf(): string {
    return this.approximate === 'tanh' ? "approximate='tanh'" : '';
  }
}

/** Softmax along `axis` (default the last). */
export class Softmax extends ShapePreserving implements EndsInActivation {
  readonly axis: number;
  constructor(options: { axis?: number } & InputShapeOption = {}) {
    super(options, ['axis']);
    this.axis = checkAxis('Softmax', options.axis ?? -1);
  }
  forward(x: Tensor): Tensor {
    return A.softmax(x, this.axis);
  }

  /** 'softmax' over the last axis, the one the cross-entropies normalise; null over another. */
  get finalActivation(): string | null {
    return this.axis === -1 ? 'softmax' : null;
  }

  callBeforeActivation(x: Tensor): Tensor {
    return x;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
  protected override describeSelf(): string {
    return `axis=${this.axis}`;
  }
}

export class LogSoftmax extends ShapePreserving {
  readonly axis: number;
  constructor(options: { axis?: number } & InputShapeOption = {}) {
    super(options, ['axis']);
    this.axis = checkAxis('LogSoftmax', options.axis ?? -1);
  }
  forward(x: Tensor): Tensor {
    return A.logSoftmax(x, this.axis);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
  protected override describeSelf(): string {
    return `axis=${this.axis}`;
  }
}

registerLayer('Activation', ({ activation, ...options }) => new Activation(activation as ActivationName, options), {
  layerClass: Activation,
});
registerLayer('Identity', (c) => new Identity(c), { layerClass: Identity });
registerLayer('ReLU', (c) => new ReLU(c), { layerClass: ReLU });
registerLayer('Sigmoid', (c) => new Sigmoid(c), { layerClass: Sigmoid });
registerLayer('Tanh', (c) => new Tanh(c), { layerClass: Tanh });
registerLayer('SiLU', (c) => new SiLU(c), { layerClass: SiLU });
registerLayer('LeakyReLU', (c) => new LeakyReLU(c), { layerClass: LeakyReLU });
registerLayer('ELU', (c) => new ELU(c), { layerClass: ELU });
registerLayer('GELU', (c) => new GELU(c), { layerClass: GELU });
registerLayer('Softmax', (c) => new Softmax(c), { layerClass: Softmax });
registerLayer('LogSoftmax', (c) => new LogSoftmax(c), { layerClass: LogSoftmax });

function checkFinite(fn: string, what: string, value: number): number {
  if (!Number.isFinite(value))
    throw new ArgumentError(`${fn}: got ${what}=${describe(value)}; expected a finite number`);
  return value;
}

function checkAxis(fn: string, axis: number): number {
  if (!Number.isInteger(axis)) throw new ArgumentError(`${fn}: got axis=${describe(axis)}; expected an integer`);
  return axis;
}
