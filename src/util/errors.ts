/**
 * One error class per kind of mistake. Every message names the function that refused,
 * what it received and what it expected, so the user can fix the call without a debugger.
 */

import { classNameOf, nameClass } from './class-names.js';

/** Base of every error tessera throws on purpose. */
export class TesseraError extends Error {
  constructor(message: string) {
    super(message);
    // Registered names (below), not the constructor's, which a minifying bundler rewrites.
    this.name = classNameOf(this);
  }
}

/** Shapes that cannot work together: mismatched broadcast, bad reshape, wrong rank. */
export class ShapeError extends TesseraError {}

/** A tensor of the wrong dtype, e.g. int32 where a float is required. */
export class DTypeError extends TesseraError {}

/** An argument that is out of range, unknown or malformed (axis, option, NaN). */
export class ArgumentError extends TesseraError {}

/** A file or byte stream that does not follow the format it claims (safetensors, IDX, CSV). */
export class FormatError extends TesseraError {}

/**
 * A tensor on the wrong backend for what was asked: operands on two devices, or a synchronous read
 * (dataSync, item, toString) of storage that only a device can answer asynchronously.
 */
export class BackendError extends TesseraError {}

/** Autograd misuse: backward on a non-scalar without a gradient, a freed graph. */
export class GradError extends TesseraError {}

/** A computation that produced NaN or ±∞ where finite numbers were needed: a diverged training run. */
export class NonFiniteError extends TesseraError {}

for (const [cls, name] of [
  [TesseraError, 'TesseraError'],
  [ShapeError, 'ShapeError'],
  [DTypeError, 'DTypeError'],
  [ArgumentError, 'ArgumentError'],
  [FormatError, 'FormatError'],
  [BackendError, 'BackendError'],
  [GradError, 'GradError'],
  [NonFiniteError, 'NonFiniteError'],
] as const)
  nameClass(cls, name);

/** Short, readable rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    const dtype = (value as { dtype?: unknown }).dtype;
    if (Array.isArray(shape)) return `Tensor(shape=[${shape.join(', ')}], dtype=${String(dtype)})`;
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
