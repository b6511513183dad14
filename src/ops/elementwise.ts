/**
 * Elementwise ops with NumPy broadcasting. Each op's backward sits right under its forward.
 * Gradients of broadcast operands are summed back to the operand's shape by `sumTo`.
 */
import type { BinaryOp, DType, UnaryOp } from '../backend/types.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides } from '../tensor/shape.js';
import { ArgumentError, DTypeError, describe } from '../util/errors.js';
import { record } from './record.js';
import { asTensor, backendOf, output, requireFloat, type TensorLike } from './util.js';
import { sumTo } from './reduce.js';

// ---------------------------------------------------------------- dtype conversion

/** A copy converted to `dtype` (float→int truncates toward zero). Gradients pass through float casts. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new DTypeError(`cast: got dtype ${describe(dtype)}; expected "float32" or "int32"`);
  if (x.dtype === dtype) return x;
  const be = backendOf('cast', x);
  const out = output(x.shape, dtype, be);
  be.cast(x.storage, out.storage);
  return out;
}

// ---------------------------------------------------------------- binary

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** Run a binary kernel with broadcasting and dtype promotion (int32 with float32 → float32). */
function binaryForward(fn: string, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(fn, a.shape, b.shape);
  let dtype: DType = a.dtype === 'int32' && b.dtype === 'int32' ? 'int32' : 'float32';
  if (op === 'div') dtype = 'float32'; // true division, as in PyTorch
  const A = dtype === 'float32' ? cast(a, 'float32') : a;
  const B = dtype === 'float32' ? cast(b, 'float32') : b;
  // Comparisons yield int32 masks of 0/1.
  const be = backendOf(fn, A, B);
  const out = output(shape, COMPARISONS.has(op) ? 'int32' : dtype, be);
  be.binary(
    op,
    A.storage,
    broadcastStrides(A.shape, shape),
    B.storage,
    broadcastStrides(B.shape, shape),
    shape,
    out.storage,
  );
  return out;
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('add', a, b);
  const out = binaryForward('add', 'add', x, y);
  return record('add', out, [x, y], (g) => [sumTo(g, x.shape), sumTo(g, y.shape)]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('sub', a, b);
  const out = binaryForward('sub', 'sub', x, y);
  return record('sub', out, [x, y], (g) => [sumTo(g, x.shape), y.requiresGrad ? sumTo(neg(g), y.shape) : null]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('mul', a, b);
  const out = binaryForward('mul', 'mul', x, y);
  return record('mul', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(mul(g, y), x.shape) : null,
    y.requiresGrad ? sumTo(mul(g, x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('div', a, b);
  const out = binaryForward('div', 'div', x, y);
  return record('div', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(div(g, y), x.shape) : null,
    // d(x/y)/dy = -x/y² = -out/y
    y.requiresGrad ? sumTo(neg(div(mul(g, out), y)), y.shape) : null,
  ]);
}

export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('pow', a, b);
  const out = binaryForward('pow', 'pow', x, y);
  return record('pow', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(mul(g, mul(y, pow(x, sub(y, 1)))), x.shape) : null,
    // d(x^y)/dy = x^y·ln x, taken as 0 where x <= 0 (where ln x is undefined), as PyTorch does at 0.
    y.requiresGrad ? sumTo(mul(g, where(gt(x, 0), mul(out, log(maximum(x, 1e-30))), 0)), y.shape) : null,
  ]);
}

/** Elementwise maximum; on ties the gradient is split evenly, as in PyTorch. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('maximum', a, b);
  const out = binaryForward('maximum', 'maximum', x, y);
  return record('maximum', out, [x, y], (g) => tieSplit(g, x, y, gt(x, y), eq(x, y)));
}

export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('minimum', a, b);
  const out = binaryForward('minimum', 'minimum', x, y);
  return record('minimum', out, [x, y], (g) => tieSplit(g, x, y, lt(x, y), eq(x, y)));
}

function tieSplit(g: Tensor, x: Tensor, y: Tensor, xWins: Tensor, tie: Tensor): (Tensor | null)[] {
  const half = mul(tie, 0.5);
  const wx = add(xWins, half);
  return [
    x.requiresGrad ? sumTo(mul(g, wx), x.shape) : null,
    y.requiresGrad ? sumTo(mul(g, sub(1, wx)), y.shape) : null,
  ];
}

function compare(op: BinaryOp) {
  return (a: TensorLike, b: TensorLike): Tensor => {
    const [x, y] = operands(op, a, b);
    return binaryForward(op, op, x, y);
  };
}
/** Comparisons return int32 masks (1 where true); they carry no gradient. */
export const eq = compare('eq');
export const ne = compare('ne');
export const lt = compare('lt');
export const le = compare('le');
export const gt = compare('gt');
export const ge = compare('ge');

function operands(fn: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const x = asTensor(fn, a, b instanceof Tensor ? b : undefined);
  const y = asTensor(fn, b, x);
  return [x, y];
}

/** cond ? a : b elementwise, broadcasting all three. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor)) throw new ArgumentError(`where: got condition ${describe(cond)}; expected a Tensor`);
  const [x, y] = operands('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  const dtype: DType = x.dtype === 'int32' && y.dtype === 'int32' ? 'int32' : 'float32';
  const X = cast(x, dtype),
    Y = cast(y, dtype);
  const be = backendOf('where', cond, X, Y);
  const out = output(shape, dtype, be);
  be.where(
    cond.storage,
    broadcastStrides(cond.shape, shape),
    X.storage,
    broadcastStrides(X.shape, shape),
    Y.storage,
    broadcastStrides(Y.shape, shape),
    shape,
    out.storage,
  );
  return record('where', out, [x, y], (g) => [
    x.requiresGrad ? sumTo(where(cond, g, 0), x.shape) : null,
    y.requiresGrad ? sumTo(where(cond, 0, g), y.shape) : null,
  ]);
}

// ---------------------------------------------------------------- unary

function unaryForward(fn: string, op: UnaryOp, x: Tensor, floatOnly = true): Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${fn}: got ${describe(x)}; expected a Tensor`);
  if (floatOnly) requireFloat(fn, x);
  const be = backendOf(fn, x);
  const out = output(x.shape, x.dtype, be);
  be.unary(op, x.storage, out.storage);
  return out;
}

export function neg(x: Tensor): Tensor {
  const out = unaryForward('neg', 'neg', x, false);
  return record('neg', out, [x], (g) => [neg(g)]);
}

export function exp(x: Tensor): Tensor {
  const out = unaryForward('exp', 'exp', x);
  return record('exp', out, [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  const out = unaryForward('log', 'log', x);
  return record('log', out, [x], (g) => [div(g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  const out = unaryForward('sqrt', 'sqrt', x);
  return record('sqrt', out, [x], (g) => [div(mul(g, 0.5), out)]);
}

export function abs(x: Tensor): Tensor {
  const out = unaryForward('abs', 'abs', x, false);
  return record('abs', out, [x], (g) => [mul(g, sign(x))]);
}

export function square(x: Tensor): Tensor {
  const out = unaryForward('square', 'square', x, false);
  return record('square', out, [x], (g) => [mul(g, mul(x, 2))]);
}

export function reciprocal(x: Tensor): Tensor {
  const out = unaryForward('reciprocal', 'reciprocal', x);
  return record('reciprocal', out, [x], (g) => [neg(mul(g, square(out)))]);
}

export function sin(x: Tensor): Tensor {
  const out = unaryForward('sin', 'sin', x);
  return record('sin', out, [x], (g) => [mul(g, cos(x))]);
}

export function cos(x: Tensor): Tensor {
  const out = unaryForward('cos', 'cos', x);
  return record('cos', out, [x], (g) => [neg(mul(g, sin(x)))]);
}

export function sigmoid(x: Tensor): Tensor {
  const out = unaryForward('sigmoid', 'sigmoid', x);
  return record('sigmoid', out, [x], (g) => [mul(g, mul(out, sub(1, out)))]);
}

export function tanh(x: Tensor): Tensor {
  const out = unaryForward('tanh', 'tanh', x);
  return record('tanh', out, [x], (g) => [mul(g, sub(1, square(out)))]);
}

export function relu(x: Tensor): Tensor {
  const out = unaryForward('relu', 'relu', x);
  // One masking pass over the output (out > 0 exactly where x > 0) instead of a step mask and a
  // product: one array and one pass fewer, and g = NaN or ±∞ stays 0 where the unit is off.
  return record('relu', out, [x], (g) => {
    const be = backendOf('relu', g, out);
    const dx = output(x.shape, 'float32', be);
    be.biasActivationBackward(g.storage, out.storage, 1, out.size, 'relu', dx.storage, null);
    return [dx];
  });
}

/** The Gauss error function; its derivative is 2/√π·exp(−x²). */
export function erf(x: Tensor): Tensor {
  const out = unaryForward('erf', 'erf', x);
  return record('erf', out, [x], (g) => [mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))]);
}

/** Piecewise-constant functions: no gradient flows through them. */
export const sign = (x: Tensor): Tensor => unaryForward('sign', 'sign', x, false);
export const floor = (x: Tensor): Tensor => unaryForward('floor', 'floor', x);
export const ceil = (x: Tensor): Tensor => unaryForward('ceil', 'ceil', x);
export const round = (x: Tensor): Tensor => unaryForward('round', 'round', x);

/** int32 mask of NaN entries. */
// biome-ignore lint/suspicious/noShadowRestrictedNames: the op's public name (tf.isNaN); the global is unused here
export function isNaN(x: Tensor): Tensor {
  const be = backendOf('isNaN', x);
  const out = output(x.shape, 'int32', be);
  be.unary('isnan', x.storage, out.storage);
  return out;
}

/** Limit values to [min, max]; the gradient is 1 inside the range (ends included) and 0 outside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min === undefined && max === undefined)
    throw new ArgumentError('clamp: got neither min nor max; expected at least one bound');
  if ((min !== undefined && Number.isNaN(min)) || (max !== undefined && Number.isNaN(max))) {
    throw new ArgumentError(`clamp: got min=${min}, max=${max}; expected numbers, not NaN`);
  }
  if (min !== undefined && max !== undefined && min > max)
    throw new ArgumentError(`clamp: got min=${min} > max=${max}; expected min <= max`);
  let out = x.detach();
  if (min !== undefined) out = binaryForward('clamp', 'maximum', out, asTensor('clamp', min, x));
  if (max !== undefined) out = binaryForward('clamp', 'minimum', out, asTensor('clamp', max, x));
  return record('clamp', out, [x], (g) => {
    let mask: Tensor | null = null;
    if (min !== undefined) mask = ge(x, min);
    if (max !== undefined) mask = mask ? mul(mask, le(x, max)) : le(x, max);
    return [mul(g, mask!)];
  });
}
