/** Small helpers shared by the op files. */
import type { Backend, DType } from '../backend/types.js';
import { getBackend, sharesStorage } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { emptyTensor, fromHostValues } from '../tensor/creation.js';
import { BackendError, DTypeError, ArgumentError, describe } from '../util/errors.js';

export type TensorLike = Tensor | number;

/** Wrap a number as a 0-d tensor beside `other` (on its backend); an integer next to an int32 tensor stays int32. */
export function asTensor(fn: string, x: TensorLike, other?: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new ArgumentError(`${fn}: got ${describe(x)}; expected a Tensor or a number`);
  const int = other?.dtype === 'int32' && Number.isInteger(x);
  return fromHostValues(int ? Int32Array.of(x) : Float32Array.of(x), [], {}, other?.backend ?? getBackend());
}

export function requireFloat(fn: string, t: Tensor, what = 'input'): void {
  if (t.dtype !== 'float32') {
    throw new DTypeError(`${fn}: got ${what} of dtype ${t.dtype}; expected float32 (convert with .float())`);
  }
}

/**
 * The backend that runs an op on these operands: the one their storage lives on. The CPU
 * backends share storage (typed arrays), so among them the active one runs the kernel — that is
 * how `setBackend` switches kernels for tensors made earlier. Operands on a device and elsewhere
 * are refused: moving data is explicit (`await t.to(...)`), never a hidden copy.
 */
export function backendOf(fn: string, ...tensors: readonly (Tensor | null | undefined)[]): Backend {
  let b: Backend | null = null;
  for (const t of tensors) {
    if (!t) continue;
    if (b === null) b = t.backend;
    else if (!sharesStorage(b, t.backend)) {
      throw new BackendError(
        `${fn}: got tensors on two backends (${b.name} and ${t.backend.name}); expected all operands on one — move one with \`await t.to('${b.hostStorage ? t.backend.name : b.name}')\``,
      );
    }
  }
  if (b === null) return getBackend();
  if (b.hostStorage) {
    const active = getBackend();
    if (active.hostStorage) return active;
  }
  return b;
}

/** A fresh tensor of the given shape and dtype on `backend`, storage zeroed. */
export function empty(shape: readonly number[], dtype: DType, backend: Backend): Tensor {
  return emptyTensor(shape, dtype, backend, true);
}

/**
 * A fresh tensor for a kernel that writes every element of it: its storage may hold old values
 * (no zeroing pass). Only for outputs overwritten whole — never for scatters, pads or partial writes.
 */
export function output(shape: readonly number[], dtype: DType, backend: Backend): Tensor {
  return emptyTensor(shape, dtype, backend, false);
}
