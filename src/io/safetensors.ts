/**
 * safetensors, the weights format of Hugging Face and PyTorch tooling: an 8-byte little-endian
 * header length N, N bytes of JSON describing each tensor (dtype, shape, byte range), then one raw
 * little-endian data buffer. It holds data only, never code, so loading a file cannot run anything.
 * Parsing validates every field before allocating, so a corrupt or hostile file gives a
 * FormatError, never a crash or a giant allocation. Pure bytes in, bytes out: browser-safe.
 */
import { fromHostValues } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import {
  DTYPES,
  UNSUPPORTED_DTYPES,
  decodeTensorData,
  encodeTensorData,
  type SafetensorsDType,
} from './safetensors-dtypes.js';

/** Headers beyond this are refused before decoding: real ones are kilobytes, even for large models. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface Safetensors {
  readonly tensors: Record<string, Tensor>;
  /** The free-form string map stored under "__metadata__" ({} when absent). */
  readonly metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';

/** Set a key without letting a name like "__proto__" touch the object's prototype. */
function defineEntry<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Encode tensors (float32 → F32, int32 → I32) and optional string metadata. Tensors are laid out
 * as the reference implementation does (by dtype, then by name), so the bytes match its output.
 * @example writeFileSync('w.safetensors', serializeSafetensors({ weight: w, bias: b }, { format: 'pt' }))
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const fn = 'serializeSafetensors';
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === METADATA_KEY)
      throw new ArgumentError(
        `${fn}: a tensor is named "${METADATA_KEY}"; that key is reserved for metadata, expected another name`,
      );
    if (!(t instanceof Tensor))
      throw new ArgumentError(`${fn}: entry ${describe(name)} is ${describe(t)}; expected a Tensor`);
  }
  if (metadata !== undefined) {
    if (!isPlainObject(metadata))
      throw new ArgumentError(`${fn}: got metadata ${describe(metadata)}; expected an object of strings`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new ArgumentError(
          `${fn}: metadata ${describe(k)} is ${describe(v)}; expected a string (safetensors metadata maps strings to strings)`,
        );
    }
  }
  // F32 before I32, then by name: the reference writer's order (wider alignment first).
  const rank = (t: Tensor): number => (t.dtype === 'float32' ? 0 : 1);
  entries.sort(([na, a], [nb, b]) => rank(a) - rank(b) || (na < nb ? -1 : na > nb ? 1 : 0));

  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, t] of entries) {
    const info = {
      dtype: t.dtype === 'float32' ? 'F32' : 'I32',
      shape: t.shape,
      data_offsets: [offset, offset + 4 * t.size],
    };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += 4 * t.size;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  // Pad with spaces so the data buffer starts 8-byte aligned, as the format recommends.
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of entries) {
    out.set(encodeTensorData(t), at);
    at += 4 * t.size;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Check one header entry's fields; the message names the tensor and the offending value. */
function checkEntry(fn: string, source: string, name: string, info: unknown, bufferBytes: number): Entry {
  const where = `${fn}: ${source}: tensor ${describe(name)}`;
  if (!isPlainObject(info))
    throw new FormatError(
      `${where} is described by ${describe(info)}; expected an object with dtype, shape and data_offsets`,
    );
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string' || !(dtype in DTYPES)) {
    const why =
      typeof dtype === 'string' && UNSUPPORTED_DTYPES.includes(dtype) ? 'is not supported by tessera' : 'is unknown';
    throw new FormatError(
      `${where} has dtype ${describe(dtype)}, which ${why}; expected one of ${Object.keys(DTYPES).join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`${where} has shape ${describe(shape)}; expected a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new FormatError(
      `${where} has data_offsets ${describe(offsets)}; expected [begin, end] as non-negative integers`,
    );
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > bufferBytes) {
    throw new FormatError(
      `${where} has data_offsets [${begin}, ${end}]; expected 0 <= begin <= end <= ${bufferBytes} (the data buffer's length)`,
    );
  }
  const elements = shape.reduce((a: number, b: number) => a * b, 1);
  const expected = elements * DTYPES[dtype as SafetensorsDType].bytes;
  if (end - begin !== expected) {
    throw new FormatError(
      `${where} (${dtype}, shape ${describe(shape)}) spans ${end - begin} bytes; expected ${expected} bytes for its shape and dtype`,
    );
  }
  return { name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end };
}

/** The tensors must tile the data buffer exactly: no gaps, no overlaps, nothing left over. */
function checkCoverage(fn: string, source: string, entries: Entry[], bufferBytes: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new FormatError(
        `${fn}: ${source}: tensor ${describe(e.name)} [${e.begin}, ${e.end}) overlaps tensor ${describe(previous!.name)} [${previous!.begin}, ${previous!.end}); expected disjoint byte ranges`,
      );
    }
    if (e.begin > cursor) {
      throw new FormatError(
        `${fn}: ${source}: bytes [${cursor}, ${e.begin}) of the data buffer belong to no tensor; expected tensors to cover the buffer contiguously`,
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== bufferBytes) {
    throw new FormatError(
      `${fn}: ${source}: the data buffer is ${bufferBytes} bytes but the tensors cover only ${cursor}; expected them to cover it exactly`,
    );
  }
}

/**
 * Decode a safetensors file held in memory. F32/I32 load as they are; other dtypes convert to
 * float32 (F64, F16, BF16) or int32 (I64, I16, I8, U8, … with a range check).
 * @example const { tensors, metadata } = parseSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()))
 */
export function parseSafetensors(bytes: Uint8Array, options: { source?: string } = {}): Safetensors {
  const fn = 'parseSafetensors';
  const source = options.source ?? '<bytes>';
  if (bytes.length < 8)
    throw new FormatError(`${fn}: ${source} is ${bytes.length} bytes long; expected at least 8 (the header length)`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new FormatError(
      `${fn}: ${source} declares a ${declared}-byte header; expected at most ${MAX_HEADER_BYTES} bytes — is this a safetensors file?`,
    );
  }
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    throw new FormatError(
      `${fn}: ${source} declares a ${headerLength}-byte header but has only ${bytes.length - 8} bytes after the length; expected a complete header (truncated file?)`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new FormatError(
      `${fn}: ${source} has a header that is not valid UTF-8 JSON (${(error as Error).message}); expected a JSON object`,
    );
  }
  if (!isPlainObject(header))
    throw new FormatError(`${fn}: ${source} has a header of ${describe(header)}; expected a JSON object`);

  const buffer = bytes.subarray(8 + headerLength);
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(info) || !Object.values(info).every((v) => typeof v === 'string')) {
        throw new FormatError(
          `${fn}: ${source} has "${METADATA_KEY}" ${describe(info)}; expected an object mapping strings to strings`,
        );
      }
      for (const [k, v] of Object.entries(info)) defineEntry(metadata, k, v as string);
      continue;
    }
    entries.push(checkEntry(fn, source, name, info, buffer.length));
  }
  checkCoverage(fn, source, entries, buffer.length);

  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const data = decodeTensorData(
      e.dtype,
      buffer.subarray(e.begin, e.end),
      `${fn}: ${source}: tensor ${describe(e.name)}`,
    );
    defineEntry(tensors, e.name, fromHostValues(data, e.shape));
  }
  return { tensors, metadata };
}
