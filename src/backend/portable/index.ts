/**
 * The portable backend: plain TypeScript loops over ordinary typed arrays. It runs anywhere
 * JavaScript runs and is the reference every faster backend is tested against.
 */
import type { Backend, TypedArray } from '../types.js';
import { hostStorageMethods, newHostArray } from '../host/storage.js';
import { conv2dBackwardComposed, conv2dComposed, type ConvKernels } from '../host/conv.js';
import { binary, unary, where } from './elementwise.js';
import { reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { copyStrided, gather, scatterAdd } from './movement.js';
import { col2im, im2col } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { biasActivation, biasActivationBackward } from './bias.js';
import { adamStep } from './adam.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import { logSoftmax, logSoftmaxBackward } from './softmax.js';
import {
  attentionSoftmax,
  attentionSoftmaxBackward,
  gelu,
  geluBackward,
  layerNorm,
  layerNormBackward,
} from './attention.js';

/** The kernels of the composed convolution, for this backend. */
export const portableConvKernels: ConvKernels = { im2col, col2im, matmul, biasActivation };

export const portableBackend: Backend<TypedArray> = {
  name: 'portable',
  ...hostStorageMethods,
  allocate: (dtype, size) => newHostArray(dtype, size),
  fromHost: (values, owned) => (owned ? values : values.slice()),
  unary,
  binary,
  where,
  reduce,
  logSoftmax: (x, rows, cols, out, stats) =>
    logSoftmax(x as Float32Array, rows, cols, out as Float32Array, stats as Float32Array),
  logSoftmaxBackward: (g, x, stats, rows, cols, dx) =>
    logSoftmaxBackward(g as Float32Array, x as Float32Array, stats as Float32Array, rows, cols, dx as Float32Array),
  gelu: (x, out) => gelu(x as Float32Array, out as Float32Array),
  geluBackward: (g, x, dx) => geluBackward(g as Float32Array, x as Float32Array, dx as Float32Array),
  attentionSoftmax: (x, rows, cols, tq, scale, causal, out) =>
    attentionSoftmax(x as Float32Array, rows, cols, tq, scale, causal, out as Float32Array),
  attentionSoftmaxBackward: (g, y, rows, cols, scale, dx) =>
    attentionSoftmaxBackward(g as Float32Array, y as Float32Array, rows, cols, scale, dx as Float32Array),
  layerNorm: (x, w, b, rows, cols, eps, out, stats) =>
    layerNorm(
      x as Float32Array,
      w as Float32Array | null,
      b as Float32Array | null,
      rows,
      cols,
      eps,
      out as Float32Array,
      stats as Float32Array,
    ),
  layerNormBackward: (g, x, w, stats, rows, cols, dx, dw, db) =>
    layerNormBackward(
      g as Float32Array,
      x as Float32Array,
      w as Float32Array | null,
      stats as Float32Array,
      rows,
      cols,
      dx as Float32Array | null,
      dw as Float32Array | null,
      db as Float32Array | null,
    ),
  matmul: (a, b, out, args) => matmul(a as Float32Array, b as Float32Array, out as Float32Array, args),
  copyStrided,
  gather: (src, outer, axisSize, inner, indices, out) =>
    gather(src, outer, axisSize, inner, indices as Int32Array, out),
  scatterAdd: (src, outer, axisSize, inner, indices, out) =>
    scatterAdd(src, outer, axisSize, inner, indices as Int32Array, out),
  conv2d: (x, kernel, a, cout, out, transformed, tail) =>
    conv2dComposed(
      portableConvKernels,
      x as Float32Array,
      kernel as Float32Array,
      a,
      cout,
      out as Float32Array,
      transformed,
      tail as never,
    ),
  conv2dBackward: (x, kernel, g, a, cout, dx, dk) =>
    conv2dBackwardComposed(
      portableConvKernels,
      x as Float32Array,
      kernel as Float32Array,
      g as Float32Array,
      a,
      cout,
      dx as Float32Array | null,
      dk as Float32Array | null,
    ),
  maxPool2d: (x, a, out, argmax) => maxPool2d(x as Float32Array, a, out as Float32Array, argmax as Int32Array | null),
  maxPool2dBackward: (g, argmax, a, dx) =>
    maxPool2dBackward(g as Float32Array, argmax as Int32Array, a, dx as Float32Array),
  avgPool2d: (x, a, out) => avgPool2d(x as Float32Array, a, out as Float32Array),
  avgPool2dBackward: (g, a, dx) => avgPool2dBackward(g as Float32Array, a, dx as Float32Array),
  biasActivation: (x, bias, rows, cols, act, out) =>
    biasActivation(x as Float32Array, bias as Float32Array | null, rows, cols, act, out as Float32Array),
  biasActivationBackward: (g, y, rows, cols, act, dx, db) =>
    biasActivationBackward(
      g as Float32Array,
      y as Float32Array,
      rows,
      cols,
      act,
      dx as Float32Array | null,
      db as Float32Array | null,
    ),
  lstmCell: (gx, gh, cPrev, rows, units, h, c, acts) =>
    lstmCell(
      gx as Float32Array,
      gh as Float32Array,
      cPrev as Float32Array,
      rows,
      units,
      h as Float32Array,
      c as Float32Array,
      acts as Float32Array,
    ),
  lstmCellBackward: (dh, dc, acts, cPrev, c, rows, units, dGates, dcPrev) =>
    lstmCellBackward(
      dh as Float32Array | null,
      dc as Float32Array | null,
      acts as Float32Array,
      cPrev as Float32Array,
      c as Float32Array,
      rows,
      units,
      dGates as Float32Array,
      dcPrev as Float32Array | null,
    ),
  gruCell: (gx, gh, hPrev, rows, units, h, acts) =>
    gruCell(
      gx as Float32Array,
      gh as Float32Array,
      hPrev as Float32Array,
      rows,
      units,
      h as Float32Array,
      acts as Float32Array,
    ),
  gruCellBackward: (dh, acts, hPrev, rows, units, dGx, dGh, dhPrev) =>
    gruCellBackward(
      dh as Float32Array,
      acts as Float32Array,
      hPrev as Float32Array,
      rows,
      units,
      dGx as Float32Array | null,
      dGh as Float32Array | null,
      dhPrev as Float32Array | null,
    ),
  adamStep: (p, g, m, v, vMax, s) =>
    adamStep(
      p as Float32Array,
      g as Float32Array,
      m as Float32Array,
      v as Float32Array,
      vMax as Float32Array | null,
      s,
    ),
};
