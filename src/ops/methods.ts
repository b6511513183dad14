/**
 * Fluent methods on Tensor (`x.add(y).relu().sum()`), attached to the prototype here so that the
 * tensor floor never imports the ops floor. Each method is the functional op of the same name.
 */
import type { DType, Shape } from '../backend/types.js';
import { Tensor } from '../tensor/tensor.js';
import * as E from './elementwise.js';
import * as R from './reduce.js';
import * as M from './movement.js';
import * as A from './activations.js';
import { matmul } from './matmul.js';
import type { TensorLike } from './util.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    sign(): Tensor;
    erf(): Tensor;
    clamp(min?: number, max?: number): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    leakyRelu(alpha?: number): Tensor;
    gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    sum(axes?: R.Axes, options?: R.ReduceOptions): Tensor;
    mean(axes?: R.Axes, options?: R.ReduceOptions): Tensor;
    max(axes?: R.Axes, options?: R.ReduceOptions): Tensor;
    min(axes?: R.Axes, options?: R.ReduceOptions): Tensor;
    argmax(axis?: number, options?: R.ReduceOptions): Tensor;
    argmin(axis?: number, options?: R.ReduceOptions): Tensor;
    variance(axes?: R.Axes, options?: R.VarianceOptions): Tensor;
    std(axes?: R.Axes, options?: R.VarianceOptions): Tensor;
    logSumExp(axes?: R.Axes, options?: R.ReduceOptions): Tensor;
    reshape(shape: Shape): Tensor;
    flatten(startAxis?: number, endAxis?: number): Tensor;
    permute(perm: readonly number[]): Tensor;
    transpose(axis0?: number, axis1?: number): Tensor;
    /** Matrix transpose of the last two axes. */
    readonly T: Tensor;
    squeeze(axes?: number | readonly number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    expand(shape: Shape): Tensor;
    slice(start: readonly number[], end?: readonly (number | undefined)[]): Tensor;
    pad(widths: readonly (readonly [number, number])[], value?: number): Tensor;
    gather(indices: Tensor | readonly number[], axis?: number): Tensor;
    split(sizesOrSections: number | readonly number[], axis?: number): Tensor[];
    matmul(other: Tensor): Tensor;
    clone(): Tensor;
    cast(dtype: DType): Tensor;
    /** Same as cast('float32'). */
    float(): Tensor;
    /** Same as cast('int32'). */
    int(): Tensor;
  }
}

const P = Tensor.prototype;
P.add = function (o) {
  return E.add(this, o);
};
P.sub = function (o) {
  return E.sub(this, o);
};
P.mul = function (o) {
  return E.mul(this, o);
};
P.div = function (o) {
  return E.div(this, o);
};
P.pow = function (o) {
  return E.pow(this, o);
};
P.maximum = function (o) {
  return E.maximum(this, o);
};
P.minimum = function (o) {
  return E.minimum(this, o);
};
P.eq = function (o) {
  return E.eq(this, o);
};
P.ne = function (o) {
  return E.ne(this, o);
};
P.lt = function (o) {
  return E.lt(this, o);
};
P.le = function (o) {
  return E.le(this, o);
};
P.gt = function (o) {
  return E.gt(this, o);
};
P.ge = function (o) {
  return E.ge(this, o);
};
P.neg = function () {
  return E.neg(this);
};
P.exp = function () {
  return E.exp(this);
};
P.log = function () {
  return E.log(this);
};
P.sqrt = function () {
  return E.sqrt(this);
};
P.abs = function () {
  return E.abs(this);
};
P.square = function () {
  return E.square(this);
};
P.reciprocal = function () {
  return E.reciprocal(this);
};
P.sin = function () {
  return E.sin(this);
};
P.cos = function () {
  return E.cos(this);
};
P.sign = function () {
  return E.sign(this);
};
P.erf = function () {
  return E.erf(this);
};
P.clamp = function (lo, hi) {
  return E.clamp(this, lo, hi);
};
P.sigmoid = function () {
  return E.sigmoid(this);
};
P.tanh = function () {
  return E.tanh(this);
};
P.relu = function () {
  return E.relu(this);
};
P.leakyRelu = function (alpha) {
  return A.leakyRelu(this, alpha);
};
P.gelu = function (options) {
  return A.gelu(this, options);
};
P.softmax = function (axis) {
  return A.softmax(this, axis);
};
P.logSoftmax = function (axis) {
  return A.logSoftmax(this, axis);
};
P.sum = function (axes, options) {
  return R.sum(this, axes, options);
};
P.mean = function (axes, options) {
  return R.mean(this, axes, options);
};
P.max = function (axes, options) {
  return R.max(this, axes, options);
};
P.min = function (axes, options) {
  return R.min(this, axes, options);
};
P.argmax = function (axis, options) {
  return R.argmax(this, axis, options);
};
P.argmin = function (axis, options) {
  return R.argmin(this, axis, options);
};
P.variance = function (axes, options) {
  return R.variance(this, axes, options);
};
P.std = function (axes, options) {
  return R.std(this, axes, options);
};
P.logSumExp = function (axes, options) {
  return R.logSumExp(this, axes, options);
};
P.reshape = function (shape) {
  return M.reshape(this, shape);
};
P.flatten = function (s, e) {
  return M.flatten(this, s, e);
};
P.permute = function (perm) {
  return M.permute(this, perm);
};
P.transpose = function (a, b) {
  return M.transpose(this, a, b);
};
Object.defineProperty(P, 'T', {
  get(this: Tensor) {
    return M.transpose(this);
  },
  configurable: true,
});
P.squeeze = function (axes) {
  return M.squeeze(this, axes);
};
P.unsqueeze = function (axis) {
  return M.unsqueeze(this, axis);
};
P.expand = function (shape) {
  return M.expand(this, shape);
};
P.slice = function (start, end) {
  return M.slice(this, start, end);
};
P.pad = function (widths, value) {
  return M.pad(this, widths, value);
};
P.gather = function (indices, axis) {
  return M.gather(this, indices, axis);
};
P.split = function (s, axis) {
  return M.split(this, s, axis);
};
P.matmul = function (o) {
  return matmul(this, o);
};
P.clone = function () {
  return M.clone(this);
};
P.cast = function (dtype) {
  return E.cast(this, dtype);
};
P.float = function () {
  return E.cast(this, 'float32');
};
P.int = function () {
  return E.cast(this, 'int32');
};
