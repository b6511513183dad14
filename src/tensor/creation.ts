/** Making tensors: from data, constant fills, ranges and seeded random draws. */
import type { Backend, DType, Shape, TypedArray } from '../backend/types.js';
import { getBackend } from '../backend/registry.js';
import { newHostArray } from '../backend/host/storage.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { Tensor, type NestedArray } from './tensor.js';
import { checkShape, sizeOf } from './shape.js';
import { randomInt, randomNormal, randomUniform } from './random.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/**
 * A tensor of `shape` on `backend` (default: the active one) whose storage the caller will fill
 * through kernels. Zeroed unless `zeroed` is false, for a caller that writes every element
 * (zeroing a fresh op output costs a pass over memory: 10 % of a CNN training step).
 */
export function emptyTensor(shape: Shape, dtype: DType, backend: Backend = getBackend(), zeroed = true): Tensor {
  return new Tensor(backend.allocate(dtype, sizeOf(shape), zeroed), shape, dtype, backend);
}

/**
 * A tensor holding host values built here (a fresh array nobody else holds: the backend may keep
 * it as the storage itself), on `backend` (default: the active one).
 */
export function fromHostValues(
  values: TypedArray,
  shape: Shape,
  options: TensorOptions = {},
  backend: Backend = getBackend(),
): Tensor {
  const dtype: DType = values instanceof Int32Array ? 'int32' : 'float32';
  return new Tensor(backend.fromHost(values, true), shape, dtype, backend, options.requiresGrad ?? false);
}

function checkDType(fn: string, dtype: unknown): DType {
  if (dtype === undefined) return 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new DTypeError(`${fn}: got dtype ${describe(dtype)}; expected "float32" or "int32"`);
  }
  return dtype;
}

/**
 * A tensor from a number, nested arrays or a typed array.
 * @example tensor([[1, 2], [3, 4]])            // float32, shape [2, 2]
 * @example tensor([0, 2, 1], { dtype: 'int32' }) // class labels
 * @example tensor(new Float32Array(6), { shape: [2, 3] })
 */
export function tensor(
  values: NestedArray | TypedArray | readonly number[],
  options: TensorOptions & { shape?: Shape } = {},
): Tensor {
  const fn = 'tensor';
  let dtype: DType;
  let data: TypedArray;
  let shape: number[];
  if (values instanceof Float32Array || values instanceof Int32Array) {
    dtype = options.dtype ? checkDType(fn, options.dtype) : values instanceof Int32Array ? 'int32' : 'float32';
    data = newHostArray(dtype, values.length);
    data.set(values);
    shape = options.shape ? [...options.shape] : [values.length];
  } else {
    dtype = checkDType(fn, options.dtype);
    shape = inferShape(values);
    data = newHostArray(dtype, sizeOf(shape));
    let at = 0;
    const fill = (v: NestedArray, dim: number): void => {
      if (dim === shape.length) {
        if (typeof v !== 'number') throw new ArgumentError(`${fn}: got ${describe(v)} where a number was expected`);
        data[at++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[dim]) {
        throw new ShapeError(
          `${fn}: ragged nested array: an entry at depth ${dim} has ${Array.isArray(v) ? v.length : 'no'} items; expected ${shape[dim]}`,
        );
      }
      for (const item of v) fill(item, dim + 1);
    };
    fill(values as NestedArray, 0);
    if (options.shape) shape = [...options.shape];
  }
  checkShape(fn, shape);
  if (sizeOf(shape) !== data.length) {
    throw new ShapeError(
      `${fn}: ${data.length} values cannot fill shape ${describe(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  return fromHostValues(data, shape, options);
}

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let v = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/** A 0-d tensor holding one number. */
export function scalar(value: number, options: TensorOptions = {}): Tensor {
  return tensor(value, options);
}

export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const out = emptyTensor(shape, checkDType('full', options.dtype), getBackend(), false);
  out.backend.fill(out.storage, value);
  return options.requiresGrad ? out.requiresGrad_() : out;
}

export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 0, { dtype: t.dtype, ...options });
}

export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, ...options });
}

export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...options });
}

/** Values start, start+step, … below stop (like numpy.arange); `arange(n)` is 0..n-1. */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new ArgumentError(
      `arange: got start=${start}, stop=${stop}, step=${step}; expected finite numbers and a non-zero step`,
    );
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = newHostArray(checkDType('arange', options.dtype), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromHostValues(data, [n], options);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(num) || num < 0)
    throw new ArgumentError(`linspace: got num=${describe(num)}; expected a non-negative integer`);
  const data = newHostArray(checkDType('linspace', options.dtype), num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return fromHostValues(data, [num], options);
}

/** Identity matrix n×m (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const data = newHostArray(checkDType('eye', options.dtype), n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromHostValues(data, [n, m], options);
}

function randomTensor(fn: string, shape: Shape, options: TensorOptions, draw: () => number): Tensor {
  checkShape(fn, shape);
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return fromHostValues(data, shape, options);
}

/** Uniform in [low, high). */
export function uniform(shape: Shape, low = 0, high = 1, options: TensorOptions = {}): Tensor {
  if (!(high >= low)) throw new ArgumentError(`uniform: got low=${low}, high=${high}; expected low <= high`);
  return randomTensor('uniform', shape, options, () => low + (high - low) * randomUniform());
}

/** Normal with the given mean and standard deviation. */
export function normal(shape: Shape, mean = 0, std = 1, options: TensorOptions = {}): Tensor {
  if (!(std >= 0)) throw new ArgumentError(`normal: got std=${std}; expected std >= 0`);
  return randomTensor('normal', shape, options, () => mean + std * randomNormal());
}

/** Uniform in [0, 1), like torch.rand. */
export function rand(shape: Shape, options: TensorOptions = {}): Tensor {
  return uniform(shape, 0, 1, options);
}

/** Standard normal, like torch.randn. */
export function randn(shape: Shape, options: TensorOptions = {}): Tensor {
  return normal(shape, 0, 1, options);
}

/** int32 values uniform in [low, high). */
export function randint(low: number, high: number, shape: Shape): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: got low=${low}, high=${high}; expected integers with low < high`);
  }
  checkShape('randint', shape);
  const data = new Int32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + randomInt(high - low);
  return fromHostValues(data, shape);
}

/**
 * Fan-in and fan-out of a weight shape, as Keras computes them: for a dense kernel [in, out];
 * for a convolution kernel the receptive field multiplies both.
 */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  // Channels-last convolution kernel [kh, kw, ..., in, out].
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1] };
}

/** Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)); Keras's default kernel init. */
export function glorotUniform(shape: Shape, options: TensorOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -limit, limit, options);
}

/** Glorot normal: N(0, 2 / (fanIn + fanOut)). */
export function glorotNormal(shape: Shape, options: TensorOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return normal(shape, 0, Math.sqrt(2 / (fanIn + fanOut)), options);
}

/** He (Kaiming) uniform: U(-l, l) with l = sqrt(6 / fanIn); suits ReLU layers. */
export function heUniform(shape: Shape, options: TensorOptions = {}): Tensor {
  const limit = Math.sqrt(6 / fans(shape).fanIn);
  return uniform(shape, -limit, limit, options);
}

/** He normal: N(0, 2 / fanIn). */
export function heNormal(shape: Shape, options: TensorOptions = {}): Tensor {
  return normal(shape, 0, Math.sqrt(2 / fans(shape).fanIn), options);
}
