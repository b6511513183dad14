/**
 * The WebGPU backend: tensor storage in GPU buffers and the primitive kernels as WGSL compute
 * shaders. Reads are asynchronous only (`await tensor.data()`).
 */
/// <reference types="@webgpu/types" />
import type { Backend, DType, TypedArray } from '../types.js';
import { ArgumentError, BackendError, describe } from '../../util/errors.js';
import { openDevice } from './adapter.js';
import { Queue } from './device.js';
import { type GpuStorage, StoragePool, hostArray } from './storage.js';
import { binary, cast, fill, unary, where } from './elementwise.js';
import { reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { copyStrided, gather, scatterAdd } from './movement.js';
import { logSoftmax, logSoftmaxBackward } from './softmax.js';
import { biasActivation, biasActivationBackward } from './fused.js';
import { adamStep } from './adam.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './rnn.js';
import {
  type Scratch,
  avgPool2d,
  avgPool2dBackward,
  conv2d,
  conv2dBackward,
  maxPool2d,
  maxPool2dBackward,
} from './window.js';

/**
 * A tensor's storage on this backend, as code outside src/backend/webgpu sees it: an opaque
 * handle (its GPU buffer is not part of the public types, so users need no WebGPU typings).
 */
export interface WebGPUStorage {
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
}

export interface WebGPUBackend extends Backend<WebGPUStorage> {
  readonly name: 'webgpu';
  readonly hostStorage: false;
  /** What the adapter reports: description, vendor, architecture (e.g. "SwiftShader driver 5.0.0 (google, swiftshader, …)"). */
  readonly adapterInfo: string;
}

export interface WebGPUOptions {
  /**
   * For tests: fewer workgroups per grid dimension than the device allows (at least 1), so that
   * the two-dimensional and chunked dispatches that large tensors need run at small sizes.
   */
  maxWorkgroupsPerDimension?: number;
}

/** Start the backend: an adapter, a device, the queue. Rejects with the reason where there is no GPU. */
export async function createWebGPUBackend(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
  const { gpu, device, limits, adapterInfo } = await openDevice();
  const cap = options.maxWorkgroupsPerDimension;
  if (cap !== undefined) {
    if (!Number.isInteger(cap) || cap < 1)
      throw new ArgumentError(
        `createWebGPUBackend: got maxWorkgroupsPerDimension ${describe(cap)}; expected a positive integer`,
      );
    limits.maxComputeWorkgroupsPerDimension = Math.min(cap, limits.maxComputeWorkgroupsPerDimension);
  }
  const q = new Queue(gpu, device, limits);
  const pool = new StoragePool(q, limits.maxBufferSize);
  const upload = (values: TypedArray): GpuStorage => {
    const s = pool.allocate(values instanceof Int32Array ? 'int32' : 'float32', values.length, false);
    q.write(s.buffer, values);
    return s;
  };
  const scratch: Scratch = { take: (size) => pool.allocate('float32', size, false), give: (s) => pool.release(s) };
  // Typed on the concrete storage; WebGPUBackend shows only the opaque handle.
  const backend: Backend<GpuStorage> & Pick<WebGPUBackend, 'name' | 'hostStorage' | 'adapterInfo'> = {
    name: 'webgpu',
    hostStorage: false,
    adapterInfo,
    allocate: (dtype, size, zeroed) => pool.allocate(dtype, size, zeroed),
    fromHost: (values) => upload(values),
    sizeOf: (s) => s.size,
    readSync(): never {
      throw new BackendError('webgpu: cannot read synchronously; use await tensor.data()');
    },
    read: async (s) =>
      s.size === 0 ? hostArray(s.dtype, new ArrayBuffer(0)) : hostArray(s.dtype, await q.read(s.buffer, s.size * 4)),
    write: (s, values) => q.write(s.buffer, values),
    fill: (s, value) => fill(q, s, value),
    cast: (x, out) => cast(q, x, out),
    releaseStorage: (s) => pool.release(s),
    unary: (op, x, out) => unary(q, op, x, out),
    binary: (op, a, as, b, bs, shape, out) => binary(q, op, a, as, b, bs, shape, out),
    where: (c, cs, a, as, b, bs, shape, out) => where(q, c, cs, a, as, b, bs, shape, out),
    reduce: (op, x, outer, size, inner, out) => reduce(q, op, x, outer, size, inner, out),
    logSoftmax: (x, rows, cols, out, stats) => logSoftmax(q, x, rows, cols, out, stats),
    logSoftmaxBackward: (g, x, stats, rows, cols, dx) => logSoftmaxBackward(q, g, x, stats, rows, cols, dx),
    matmul: (a, b, out, args) => matmul(q, a, b, out, args),
    copyStrided: (src, so, ss, dst, dO, ds, shape) => copyStrided(q, src, so, ss, dst, dO, ds, shape),
    gather: (src, outer, axis, inner, idx, out) => gather(q, src, outer, axis, inner, idx, out),
    scatterAdd: (src, outer, axis, inner, idx, out) => scatterAdd(q, src, outer, axis, inner, idx, out),
    // `transformed` (Winograd) is only a permission: the direct kernel is always exact enough.
    conv2d: (x, k, a, cout, out, _transformed, tail) => conv2d(q, x, k, a, cout, out, tail),
    conv2dBackward: (x, k, g, a, cout, dx, dk) => conv2dBackward(q, x, k, g, a, cout, dx, dk, scratch),
    maxPool2d: (x, a, out, argmax) => maxPool2d(q, x, a, out, argmax),
    maxPool2dBackward: (g, argmax, a, dx) => maxPool2dBackward(q, g, argmax, a, dx),
    avgPool2d: (x, a, out) => avgPool2d(q, x, a, out),
    avgPool2dBackward: (g, a, dx) => avgPool2dBackward(q, g, a, dx),
    biasActivation: (x, bias, rows, cols, act, out) => biasActivation(q, x, bias, rows, cols, act, out),
    biasActivationBackward: (g, y, rows, cols, act, dx, db) => biasActivationBackward(q, g, y, rows, cols, act, dx, db),
    adamStep: (p, g, m, v, vMax, s) => adamStep(q, p, g, m, v, vMax, s),
    lstmCell: (gx, gh, cPrev, rows, units, h, c, acts) => lstmCell(q, gx, gh, cPrev, rows, units, h, c, acts),
    lstmCellBackward: (dh, dc, acts, cPrev, c, rows, units, dGates, dcPrev) =>
      lstmCellBackward(q, dh, dc, acts, cPrev, c, rows, units, dGates, dcPrev),
    gruCell: (gx, gh, hPrev, rows, units, h, acts) => gruCell(q, gx, gh, hPrev, rows, units, h, acts),
    gruCellBackward: (dh, acts, hPrev, rows, units, dGx, dGh, dhPrev) =>
      gruCellBackward(q, dh, acts, hPrev, rows, units, dGx, dGh, dhPrev),
  };
  return backend;
}
