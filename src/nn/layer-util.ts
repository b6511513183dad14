/**
 * Checks shared by the Keras-style layers: option objects, window sizes, and shapes in which
 * `null` stands for a size not known yet (the batch axis, as Keras's `None`).
 */
import type { Shape } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Padding, Size2d } from '../ops/conv.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import type { Initializer, InitializerName } from './init.js';

/** A shape whose sizes may be unknown (`null`), batch axis first: Keras's `(None, 28, 28, 1)`. */
export type LayerShape = readonly (number | null)[];

// The one options check (src/util/options.ts), re-exported for the layer files, which take their
// helpers from here.
export { checkOptions } from '../util/options.js';

/** A positive integer or a pair of them, as [alongHeight, alongWidth]. */
export function sizePair(fn: string, name: string, value: unknown): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(
      `${fn}: got ${name}=${describe(value)}; expected a positive integer or a pair of them, e.g. 3 or [3, 3]`,
    );
  }
  return [pair[0], pair[1]];
}

/** The given pair in the form the user wrote it (number or [h, w]), validated: what a config stores. */
export function sizeOption(fn: string, name: string, value: unknown): Size2d {
  const [h, w] = sizePair(fn, name, value);
  return typeof value === 'number' ? h : [h, w];
}

export function paddingOption(fn: string, value: unknown): Padding {
  if (value === undefined) return 'valid';
  if (value !== 'valid' && value !== 'same')
    throw new ArgumentError(`${fn}: got padding=${describe(value)}; expected 'valid' or 'same'`);
  return value;
}

export function positiveInt(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a positive integer`);
  }
  return value;
}

export function booleanOption(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected true or false`);
  return value;
}

/** Validate a shape with unknown sizes; `what` names the argument in the message. */
export function checkLayerShape(fn: string, shape: unknown, what = 'input shape'): (number | null)[] {
  if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 0))) {
    throw new ShapeError(
      `${fn}: got ${what} ${describe(shape)}; expected an array of sizes (non-negative integers, or null where unknown)`,
    );
  }
  return [...shape];
}

/** Validate the rank of a symbolic input shape, with a message saying what the layer takes. */
export function requireRank(fn: string, shape: LayerShape, rank: number, layout: string): void {
  if (shape.length !== rank) {
    throw new ShapeError(
      `${fn}: got input shape ${describe(shape)} (rank ${shape.length}); expected rank ${rank}: ${layout}`,
    );
  }
}

/** Keras's `input_shape`: the sizes of one sample (no batch axis), each a positive integer or null. */
export function inputShapeOption(fn: string, value: unknown): readonly (number | null)[] | null {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((d) => d === null || (Number.isInteger(d) && d > 0))
  ) {
    throw new ArgumentError(
      `${fn}: got inputShape=${describe(value)}; expected the shape of one sample without the batch axis, e.g. [28, 28, 1] (null for a size not known in advance)`,
    );
  }
  return Object.freeze([...value]);
}

/**
 * Initialisers given by name. One given as a function is left out: it only shapes the initial
 * weights, which a saved model carries in its weights file, so a rebuilt layer uses the default.
 */
export function initializerNames(o: {
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
}): Record<string, string> {
  const names: Record<string, string> = {};
  if (typeof o.kernelInitializer !== 'function') names.kernelInitializer = o.kernelInitializer ?? 'glorot_uniform';
  if (typeof o.biasInitializer !== 'function') names.biasInitializer = o.biasInitializer ?? 'zeros';
  return names;
}

/** An initialiser that returns the wrong shape is the user's function misbehaving: say so. */
export function checkInitShape(fn: string, what: string, t: Tensor, shape: Shape): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${fn}: ${what} returned shape ${describe(t.shape)}; expected ${describe(shape)}`);
  }
}
