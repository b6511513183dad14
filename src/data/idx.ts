/**
 * The IDX format of the MNIST files: a 4-byte magic number `00 00 <type> <rank>`, then `rank`
 * big-endian uint32 dimensions, then the elements in row-major order (big-endian when wider than
 * a byte). This file only parses bytes, so a browser can use it on fetched data; the Node file
 * reader lives in mnist.ts.
 */
import { ArgumentError, FormatError, describe } from '../util/errors.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** The element type codes of the IDX format (third byte of the magic number). */
const TYPE_CODES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

export interface IdxHeader {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly bytesPerElement: number;
  /** Bytes before the first element: 4 + 4 × rank. */
  readonly headerBytes: number;
  /** The exact length a well-formed file with this header has. */
  readonly totalBytes: number;
}

export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

/** What the caller needs the file to hold, e.g. MNIST images are uint8 of rank 3. */
export interface IdxExpectation {
  type?: IdxType;
  rank?: number;
}

export interface IdxParseOptions {
  /** The file name or URL, for error messages. */
  source?: string;
  expect?: IdxExpectation;
  /** Decode only the first `limit` items along the first axis (the whole file is still validated). */
  limit?: number;
}

/** Magic number for a type and rank, as the hex the IDX spec and error messages use. */
function magicHex(code: number, rank: number): string {
  return '0x' + ((code << 8) | rank).toString(16).padStart(8, '0');
}

function codeOf(type: IdxType): number {
  return Number(Object.keys(TYPE_CODES).find((k) => TYPE_CODES[Number(k)].type === type));
}

/** Read and validate the magic number and dimensions; needs only the first 4 + 4 × rank bytes. */
export function parseIdxHeader(bytes: Uint8Array, options: Pick<IdxParseOptions, 'source' | 'expect'> = {}): IdxHeader {
  const fn = 'parseIdxHeader';
  const source = options.source ?? '<bytes>';
  if (bytes.length < 4) {
    throw new FormatError(
      `${fn}: ${source} is ${bytes.length} bytes long; expected at least a 4-byte IDX magic number`,
    );
  }
  const [zero0, zero1, code, rank] = bytes;
  const found = magicHex(code, rank);
  const entry = TYPE_CODES[code];
  if (zero0 !== 0 || zero1 !== 0 || entry === undefined) {
    const start = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(
      `${fn}: ${source} starts with bytes ${start}; expected an IDX magic number 00 00 <type> <rank> with type one of 08 09 0b 0c 0d 0e — is this an IDX file (gunzipped)?`,
    );
  }
  const expect = options.expect ?? {};
  if (
    (expect.type !== undefined && expect.type !== entry.type) ||
    (expect.rank !== undefined && expect.rank !== rank)
  ) {
    const wantType = expect.type ?? entry.type;
    const wantRank = expect.rank ?? rank;
    throw new FormatError(
      `${fn}: ${source} has magic number ${found} (${entry.type}, rank ${rank}); expected ${magicHex(codeOf(wantType), wantRank)} (${wantType}, rank ${wantRank})`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new FormatError(
      `${fn}: ${source} is ${bytes.length} bytes long, cut off inside its header; expected ${headerBytes} header bytes for rank ${rank}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  return {
    type: entry.type,
    shape,
    bytesPerElement: entry.bytes,
    headerBytes,
    totalBytes: headerBytes + count * entry.bytes,
  };
}

/** Refuse a file whose length does not match its header exactly (truncated or with trailing bytes). */
export function checkIdxLength(header: IdxHeader, actualBytes: number, source = '<bytes>'): void {
  if (actualBytes === header.totalBytes) return;
  const extra = actualBytes - header.totalBytes;
  const what = extra < 0 ? 'truncated' : `followed by ${extra} trailing byte${extra === 1 ? '' : 's'}`;
  throw new FormatError(
    `parseIdx: ${source} is ${actualBytes} bytes long (${what}); expected exactly ${header.totalBytes} bytes for ${header.type} data of shape ${describe(header.shape)}`,
  );
}

/** How many items along axis 0 to decode, given an optional user limit. */
export function idxItemCount(header: IdxHeader, limit: number | undefined, fn: string): number {
  const n = header.shape.length === 0 ? 1 : header.shape[0];
  if (limit === undefined) return n;
  if (!Number.isInteger(limit) || limit < 0)
    throw new ArgumentError(`${fn}: got limit=${describe(limit)}; expected a non-negative integer`);
  return Math.min(limit, n);
}

/**
 * Decode `items` items of element data (which starts right after the header) into a typed array
 * in host order. Always a copy; wider types are read big-endian.
 */
export function decodeIdxData(header: IdxHeader, elementBytes: Uint8Array, items: number): IdxArray {
  const shape = header.shape.length === 0 ? [] : [items, ...header.shape.slice(1)];
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = elementBytes.subarray(0, count * header.bytesPerElement);
  let data: IdxData;
  switch (header.type) {
    // `new Uint8Array(bytes)` always copies (Buffer#slice would share memory with the file).
    case 'uint8':
      data = new Uint8Array(bytes);
      break;
    case 'int8':
      data = new Int8Array(new Uint8Array(bytes).buffer);
      break;
    default: {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const read = {
        int16: (i: number) => view.getInt16(2 * i, false),
        int32: (i: number) => view.getInt32(4 * i, false),
        float32: (i: number) => view.getFloat32(4 * i, false),
        float64: (i: number) => view.getFloat64(8 * i, false),
      }[header.type];
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[header.type];
      data = new Ctor(count);
      for (let i = 0; i < count; i++) data[i] = read(i);
    }
  }
  return { type: header.type, shape, data };
}

/**
 * Parse a whole IDX file held in memory.
 * @example parseIdx(bytes, { source: 't10k-labels-idx1-ubyte', expect: { type: 'uint8', rank: 1 } })
 */
export function parseIdx(bytes: Uint8Array, options: IdxParseOptions = {}): IdxArray {
  const source = options.source ?? '<bytes>';
  const header = parseIdxHeader(bytes, options);
  checkIdxLength(header, bytes.length, source);
  const items = idxItemCount(header, options.limit, 'parseIdx');
  return decodeIdxData(header, bytes.subarray(header.headerBytes), items);
}
