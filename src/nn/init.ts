/**
 * Weight initialisers. An initialiser is a function from a shape to a fresh float32 tensor; the
 * factories below make them (`glorotUniform()`, `constant(0.1)`), and `getInitializer` resolves a
 * Keras-style name ('glorot_uniform') or a camelCase one ('glorotUniform'). Every draw comes from
 * the global generator, so `manualSeed` makes initial weights reproducible.
 */
import type { Shape } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import * as C from '../tensor/creation.js';
import { ArgumentError, describe } from '../util/errors.js';

export type Initializer = (shape: Shape) => Tensor;

/** U(−l, l), l = √(6 / (fanIn + fanOut)): Keras's default for kernels. */
export const glorotUniform = (): Initializer => (shape) => C.glorotUniform(shape);
/** N(0, 2 / (fanIn + fanOut)). */
export const glorotNormal = (): Initializer => (shape) => C.glorotNormal(shape);
/** U(−l, l), l = √(6 / fanIn): for ReLU layers. */
export const heUniform = (): Initializer => (shape) => C.heUniform(shape);
/** N(0, 2 / fanIn): for ReLU layers. */
export const heNormal = (): Initializer => (shape) => C.heNormal(shape);
/** All zeros: Keras's default for biases. */
export const zeros = (): Initializer => (shape) => C.zeros(shape);
export const ones = (): Initializer => (shape) => C.ones(shape);

export function constant(value = 0): Initializer {
  if (!Number.isFinite(value))
    throw new ArgumentError(`init.constant: got ${describe(value)}; expected a finite number`);
  return (shape) => C.full(shape, value);
}

/** N(mean, std²); the defaults are Keras's RandomNormal (std 0.05). */
export function normal(options: { mean?: number; std?: number } = {}): Initializer {
  const mean = options.mean ?? 0,
    std = options.std ?? 0.05;
  if (!Number.isFinite(mean) || !(std >= 0))
    throw new ArgumentError(`init.normal: got mean=${mean}, std=${std}; expected a finite mean and std >= 0`);
  return (shape) => C.normal(shape, mean, std);
}

/** U(low, high); the defaults are Keras's RandomUniform (±0.05). */
export function uniform(options: { low?: number; high?: number } = {}): Initializer {
  const low = options.low ?? -0.05,
    high = options.high ?? 0.05;
  if (!(high >= low)) throw new ArgumentError(`init.uniform: got low=${low}, high=${high}; expected low <= high`);
  return (shape) => C.uniform(shape, low, high);
}

const BY_NAME = {
  glorotUniform,
  glorot_uniform: glorotUniform,
  xavierUniform: glorotUniform,
  xavier_uniform: glorotUniform,
  glorotNormal,
  glorot_normal: glorotNormal,
  xavierNormal: glorotNormal,
  xavier_normal: glorotNormal,
  heUniform,
  he_uniform: heUniform,
  kaimingUniform: heUniform,
  kaiming_uniform: heUniform,
  heNormal,
  he_normal: heNormal,
  kaimingNormal: heNormal,
  kaiming_normal: heNormal,
  zeros,
  ones,
  constant: () => constant(),
  normal: () => normal(),
  random_normal: () => normal(),
  randomNormal: () => normal(),
  uniform: () => uniform(),
  random_uniform: () => uniform(),
  randomUniform: () => uniform(),
} as const;

export type InitializerName = keyof typeof BY_NAME;

/** An initialiser from its name or itself; unknown names are refused with the list of known ones. */
export function getInitializer(init: InitializerName | Initializer): Initializer {
  if (typeof init === 'function') return init;
  if (typeof init === 'string' && Object.hasOwn(BY_NAME, init)) return BY_NAME[init]();
  throw new ArgumentError(
    `getInitializer: got ${describe(init)}; expected a function (shape) => Tensor or one of ${Object.keys(BY_NAME).join(', ')}`,
  );
}
