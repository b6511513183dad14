/**
 * Tensor: an n-d array of float32 or int32 with a shape, storage owned by a backend and, when it
 * takes part in autograd, the node that produced it. The storage is an opaque handle: only the
 * backend that made it reads or writes it (a typed array on the CPU backends, a GPU buffer on
 * WebGPU), so values are read explicitly — `await t.data()` anywhere, `t.dataSync()` where the
 * backend can answer synchronously. Math methods (add, matmul, sum, …) are attached by the ops
 * floor, so that this file stays about data and never imports upwards.
 */
import type { Backend, DType, Shape, TypedArray } from '../backend/types.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { sizeOf } from './shape.js';
import { formatTensor } from './format.js';
import { countTransfer, resolveBackend, sharesStorage, type BackendSpec } from '../backend/registry.js';

/** How a non-leaf tensor sends its gradient back to the tensors it was computed from. */
export interface GradFn {
  /** The op's name, for error messages and debugging. */
  readonly name: string;
  /** The layer that ran the op, recorded while anomaly detection is on (see autograd/anomaly.ts). */
  readonly layer?: string | null;
  /** The op's tensor inputs, in the order `backward` returns their gradients. */
  readonly inputs: readonly Tensor[];
  /** Given d(loss)/d(output), return d(loss)/d(input) for each input (null where none flows). */
  backward(gradOutput: Tensor): (Tensor | null)[];
  /**
   * Set on every output of an op with several (an LSTM step's h and c): the op's one node, which
   * the backward sweep runs once, with all the outputs' gradients, after the last of them is
   * complete. `backward` above is then that node with only this output's gradient.
   */
  readonly multi?: MultiOutputGradFn;
}

/** The shared node of an op with several outputs (see GradFn.multi). */
export interface MultiOutputGradFn {
  readonly outputs: readonly Tensor[];
  /** Given d(loss)/d(output) for each output (null where none reached it), return the inputs'. */
  backward(gradOutputs: readonly (Tensor | null)[]): (Tensor | null)[];
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** The backend that owns the storage and runs the kernels on it. */
  readonly backend: Backend;
  /**
   * The backend's handle on the values: contiguous, row-major, `size` elements. Opaque above
   * src/backend — pass it to the backend's kernels, never walk it.
   */
  readonly storage: unknown;
  /** Whether gradients flow to this tensor. Only float32 tensors may require gradients. */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after `backward()`. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while the graph is alive; null for leaves. */
  gradFn: GradFn | null = null;

  /**
   * A tensor over existing storage. Users make tensors with `tensor()`, `zeros()`, `randn()`…;
   * ops make theirs with `output()`.
   */
  constructor(storage: unknown, shape: Shape, dtype: DType, backend: Backend, requiresGrad = false) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.backend = backend;
    const size = backend.sizeOf(storage);
    if (size !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: storage has ${size} elements but shape ${describe(shape)} needs ${sizeOf(shape)}`);
    }
    if (requiresGrad && dtype !== 'float32') {
      // A dtype mistake, so DTypeError (like every other "int32 where float32 is required").
      throw new DTypeError(
        `Tensor: got requiresGrad=true with dtype ${dtype}; expected float32 (only float tensors have gradients; convert with .float())`,
      );
    }
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A leaf is a tensor the user made (or detached), not the output of a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** A host copy of the values (Float32Array or Int32Array), on any backend. */
  async data(): Promise<TypedArray> {
    return this.backend.read(this.storage);
  }

  /**
   * A host copy of the values, read synchronously. The CPU backends always can; a device backend
   * (WebGPU) refuses with a BackendError — use `await t.data()` there.
   */
  dataSync(): TypedArray {
    return this.backend.readSync(this.storage);
  }

  /** The single value of a one-element tensor (synchronously: see dataSync). */
  item(): number {
    if (this.size !== 1) {
      throw new ArgumentError(
        `Tensor.item: got a tensor of shape ${describe(this.shape)} (${this.size} elements); expected exactly one element`,
      );
    }
    return this.dataSync()[0];
  }

  /** Nested JavaScript arrays (a plain number for a scalar), read synchronously: see dataSync. */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  /** A flat copy of the values as a plain array, read synchronously: see dataSync. */
  toFlatArray(): number[] {
    return Array.from(this.dataSync());
  }

  /**
   * Overwrite the values in place (no gradient is recorded), like PyTorch's `copy_` under
   * no_grad: from another tensor of the same size (any backend: a transfer if it is elsewhere), a
   * typed array, or a flat array of numbers.
   * @example layer.weight.copy_([1, 2, 3, 4])
   */
  copy_(source: Tensor | TypedArray | readonly number[]): this {
    const fn = 'Tensor.copy_';
    let values: TypedArray;
    if (source instanceof Tensor) {
      if (source.size !== this.size)
        throw new ShapeError(
          `${fn}: got a source of shape ${describe(source.shape)}; expected ${this.size} elements (shape ${describe(this.shape)})`,
        );
      if (sharesStorage(source.backend, this.backend)) {
        if (source.dtype === this.dtype)
          this.backend.copyStrided(source.storage, 0, [1], this.storage, 0, [1], [this.size]);
        else this.backend.cast(source.storage, this.storage);
        return this;
      }
      countTransfer(source.backend, this.backend, source.size);
      values = source.dataSync();
    } else if (source instanceof Float32Array || source instanceof Int32Array || Array.isArray(source)) {
      values = source as TypedArray;
    } else {
      throw new ArgumentError(
        `${fn}: got ${describe(source)}; expected a Tensor, a Float32Array/Int32Array or an array of numbers`,
      );
    }
    if (values.length !== this.size)
      throw new ShapeError(`${fn}: got ${values.length} values; expected ${this.size} (shape ${describe(this.shape)})`);
    const typed = this.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
    this.backend.write(this.storage, typed);
    return this;
  }

  /**
   * This tensor on another backend ('portable', 'wasm', 'webgpu' or a Backend): a copy there, or
   * this tensor itself when it is already there. A device read is asynchronous, hence the
   * promise; each move is counted (see `transferStats`). The copy is a leaf with no gradient.
   */
  async to(target: BackendSpec): Promise<Tensor> {
    const backend = await resolveBackend('Tensor.to', target);
    if (backend === this.backend) return this;
    const values = await this.backend.read(this.storage);
    countTransfer(this.backend, backend, this.size);
    return new Tensor(backend.fromHost(values, true), this.shape, this.dtype, backend);
  }

  /** A new leaf sharing no graph with this one (the storage is shared, as in PyTorch). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype, this.backend, false);
  }

  /** Set requiresGrad in place and return this, for chaining: `randn([3]).requiresGrad_()`. */
  requiresGrad_(value = true): this {
    if (value && this.dtype !== 'float32') {
      throw new DTypeError(
        `Tensor.requiresGrad_: got a tensor of dtype ${this.dtype}; expected float32 (only float tensors have gradients)`,
      );
    }
    if (!value && this.gradFn !== null) {
      throw new ArgumentError('Tensor.requiresGrad_: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this.requiresGrad = value;
    return this;
  }

  toString(): string {
    if (!this.backend.hostStorage) {
      return `tensor(<on ${this.backend.name}: read with await t.data()>, shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
    }
    return formatTensor(this.dataSync(), this.shape, this.dtype, this.requiresGrad);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Flat row-major values as nested arrays of the given shape. */
function nest(data: TypedArray, shape: Shape): NestedArray {
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
