/**
 * safetensors dtypes and their conversion to tessera's two storage types. Floats widen or narrow
 * to float32; integers and booleans become int32 when every value fits, else a FormatError.
 */
import type { Tensor } from '../tensor/tensor.js';
import { FormatError } from '../util/errors.js';

export const DTYPES = {
  F32: { bytes: 4 },
  I32: { bytes: 4 },
  F64: { bytes: 8 },
  F16: { bytes: 2 },
  BF16: { bytes: 2 },
  I64: { bytes: 8 },
  I16: { bytes: 2 },
  I8: { bytes: 1 },
  U64: { bytes: 8 },
  U32: { bytes: 4 },
  U16: { bytes: 2 },
  U8: { bytes: 1 },
  BOOL: { bytes: 1 },
} as const;

export type SafetensorsDType = keyof typeof DTYPES;

/** Dtypes the format defines that tessera cannot represent (8-bit and smaller floats, complex). */
export const UNSUPPORTED_DTYPES: readonly string[] = [
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
  'E8M0',
  'C64',
];

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** IEEE half → number (handles subnormals, infinities and NaN). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32's bits. */
function bf16ToNumber(bits: number): number {
  scratch.setUint32(0, (bits << 16) >>> 0);
  return scratch.getFloat32(0);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The raw little-endian bytes of a tensor's values (read to the host: writing a file is I/O). */
export function encodeTensorData(t: Tensor): Uint8Array {
  const d = t.dataSync();
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    if (d instanceof Float32Array) view.setFloat32(4 * i, d[i], true);
    else view.setInt32(4 * i, d[i], true);
  }
  return out;
}

/** Decode little-endian `bytes` of `dtype` into float32 or int32 storage; `where` prefixes errors. */
export function decodeTensorData(dtype: SafetensorsDType, bytes: Uint8Array, where: string): Float32Array | Int32Array {
  // Copy into a fresh buffer first: it is then aligned whatever the tensor's offset in the file.
  // (`new Uint8Array(bytes)` always copies; Buffer#slice would not.)
  if (LITTLE_ENDIAN_HOST && dtype === 'F32') return new Float32Array(new Uint8Array(bytes).buffer);
  if (LITTLE_ENDIAN_HOST && dtype === 'I32') return new Int32Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / DTYPES[dtype].bytes;
  const floats: Partial<Record<SafetensorsDType, (i: number) => number>> = {
    F32: (i) => view.getFloat32(4 * i, true),
    F64: (i) => view.getFloat64(8 * i, true),
    F16: (i) => halfToNumber(view.getUint16(2 * i, true)),
    BF16: (i) => bf16ToNumber(view.getUint16(2 * i, true)),
  };
  const floatRead = floats[dtype];
  if (floatRead) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = floatRead(i);
    return out;
  }
  const ints: Record<string, (i: number) => number> = {
    I32: (i) => view.getInt32(4 * i, true),
    I64: (i) => Number(view.getBigInt64(8 * i, true)),
    U64: (i) => Number(view.getBigUint64(8 * i, true)),
    U32: (i) => view.getUint32(4 * i, true),
    I16: (i) => view.getInt16(2 * i, true),
    U16: (i) => view.getUint16(2 * i, true),
    I8: (i) => view.getInt8(i),
    U8: (i) => view.getUint8(i),
    BOOL: (i) => (view.getUint8(i) ? 1 : 0),
  };
  const intRead = ints[dtype];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = intRead(i);
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new FormatError(
        `${where} (${dtype}) holds ${v} at element ${i}, which does not fit in int32; expected values in [${INT32_MIN}, ${INT32_MAX}]`,
      );
    }
    out[i] = v;
  }
  return out;
}
