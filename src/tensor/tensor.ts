/**
 * Tensor: an n-d array of float32 or int32 with a shape, contiguous row-major storage and, when it
 * takes part in autograd, the node that produced it. Math methods (add, matmul, sum, …) are
 * attached by the ops floor, so that this file stays about data and never imports upwards.
 */
import type { DType, Shape, TypedArray } from '../backend/types.js';
import { ArgumentError, DTypeError, describe } from '../util/errors.js';
import { sizeOf } from './shape.js';
import { formatTensor } from './format.js';

/** How a non-leaf tensor sends its gradient back to the tensors it was computed from. */
export interface GradFn {
  /** The op's name, for error messages and debugging. */
  readonly name: string;
  /** The op's tensor inputs, in the order `backward` returns their gradients. */
  readonly inputs: readonly Tensor[];
  /** Given d(loss)/d(output), return d(loss)/d(input) for each input (null where none flows). */
  backward(gradOutput: Tensor): (Tensor | null)[];
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Flat, contiguous, row-major storage; `data.length === size`. */
  readonly data: TypedArray;
  /** Whether gradients flow to this tensor. Only float32 tensors may require gradients. */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after `backward()`. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while the graph is alive; null for leaves. */
  gradFn: GradFn | null = null;

  constructor(data: TypedArray, shape: Shape, requiresGrad = false) {
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
    if (data.length !== sizeOf(shape)) {
      throw new ArgumentError(`Tensor: storage has ${data.length} elements but shape ${describe(shape)} needs ${sizeOf(shape)}`);
    }
    if (requiresGrad && this.dtype !== 'float32') {
      // A dtype mistake, so DTypeError (like every other "int32 where float32 is required").
      throw new DTypeError(`Tensor: got requiresGrad=true with dtype ${this.dtype}; expected float32 (only float tensors have gradients; convert with .float())`);
    }
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A leaf is a tensor the user made (or detached), not the output of a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ArgumentError(`Tensor.item: got a tensor of shape ${describe(this.shape)} (${this.size} elements); expected exactly one element`);
    }
    return this.data[0];
  }

  /** Nested JavaScript arrays (a plain number for a scalar). */
  toArray(): NestedArray {
    const { shape, data } = this;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[offset + i];
        return out;
      }
      let stride = 1;
      for (let d = dim + 1; d < shape.length; d++) stride *= shape[d];
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** A flat copy of the values as a plain array. */
  toFlatArray(): number[] {
    return Array.from(this.data);
  }

  /** A new leaf sharing no graph with this one (the storage is shared, as in PyTorch). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Set requiresGrad in place and return this, for chaining: `randn([3]).requiresGrad_()`. */
  requiresGrad_(value = true): this {
    if (value && this.dtype !== 'float32') {
      throw new DTypeError(`Tensor.requiresGrad_: got a tensor of dtype ${this.dtype}; expected float32 (only float tensors have gradients)`);
    }
    if (!value && this.gradFn !== null) {
      throw new ArgumentError('Tensor.requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this.requiresGrad = value;
    return this;
  }

  toString(): string {
    return formatTensor(this.data, this.shape, this.dtype, this.requiresGrad);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
