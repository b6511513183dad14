/**
 * Data sets read from disk in chunks, for data that does not fit in memory: IDX files (MNIST's
 * format) and numeric CSV files as StreamDatasets, to batch with a DataLoader:
 *
 * ```ts
 * const train = new DataLoader(streamIdx({ images: 'big-images.idx', labels: 'big-labels.idx', divideBy: 255 }),
 *   { batchSize: 128, shuffle: true, seed: 1, shuffleBuffer: 4096 });
 * await model.fit(train, { epochs: 3 });
 * ```
 *
 * Each pass opens the files afresh and reads `chunkRows` samples (IDX) or `chunkBytes` bytes (CSV)
 * at a time, so memory holds a chunk, the loader's shuffle buffer and a batch — never the file.
 * Node-only (it reads files).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { parseNumber } from './csv.js';
import { checkIdxLength, parseIdxHeader, type IdxHeader } from './idx.js';
import type { HostBlock, StreamDataset } from './stream.js';

function positiveInt(fn: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a positive integer`);
  return value;
}

/** Read exactly `length` bytes at `position` into `into`, or fail naming the file. */
async function readAt(
  file: FileHandle,
  into: Uint8Array,
  length: number,
  position: number,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(into, done, length - done, position + done);
    if (bytesRead === 0)
      throw new FormatError(
        `streamIdx: ${path} ended after ${position + done} bytes; expected at least ${position + length}`,
      );
    done += bytesRead;
  }
}

// ------------------------------------------------------------------ IDX

export interface StreamIdxOptions {
  /** The IDX file of inputs: uint8 (images) or float32, samples along the first axis. */
  images: string;
  /** The IDX file of labels: uint8 or int32, one per sample (rank 1). */
  labels: string;
  /** Samples read per chunk (default 1024). */
  chunkRows?: number;
  /** Divide the inputs by this as they are decoded (255 gives pixels in 0..1). */
  divideBy?: number;
}

interface IdxFile {
  path: string;
  header: IdxHeader;
  rowShape: number[];
  rowBytes: number;
}

async function openIdx(path: string, role: string, types: readonly string[], rank?: number): Promise<IdxFile> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const head = new Uint8Array(Math.min(size, 4 + 4 * 255));
    await readAt(file, head, head.length, 0, path);
    const header = parseIdxHeader(head, { source: path, expect: rank === undefined ? {} : { rank } });
    checkIdxLength(header, size, path);
    if (!types.includes(header.type) || header.shape.length === 0)
      throw new FormatError(
        `streamIdx: ${path} (the ${role}) holds ${header.type} of shape ${describe(header.shape)}; expected ${types.join(' or ')} with a first (sample) axis`,
      );
    const rowShape = header.shape.slice(1);
    const rowBytes = rowShape.reduce((a, b) => a * b, 1) * header.bytesPerElement;
    return { path, header, rowShape, rowBytes };
  } finally {
    await file.close();
  }
}

/** Decode `rows` rows of raw big-endian IDX bytes as float32 inputs (divided by `divideBy`) or int32 labels. */
function decodeRows(
  f: IdxFile,
  bytes: Uint8Array,
  rows: number,
  as: 'float32' | 'int32',
  divideBy: number,
): Float32Array | Int32Array {
  const count = (rows * f.rowBytes) / f.header.bytesPerElement;
  const out = as === 'int32' ? new Int32Array(count) : new Float32Array(count);
  if (f.header.type === 'uint8') {
    out.set(bytes.subarray(0, count));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * f.header.bytesPerElement);
    if (f.header.type === 'int32') for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
  }
  if (divideBy !== 1) for (let i = 0; i < count; i++) out[i] /= divideBy;
  return out;
}

/**
 * A pair of IDX files (inputs, labels) as a StreamDataset: fields [x float32 [n, …], y int32 [n]].
 * The headers are checked (types, lengths, equal sample counts) when it is made.
 */
export async function streamIdx(options: StreamIdxOptions): Promise<StreamDataset> {
  const fn = 'streamIdx';
  const o = checkOptions(
    fn,
    options,
    ['images', 'labels', 'chunkRows', 'divideBy'],
    "{ images: 'x.idx', labels: 'y.idx' }",
  );
  if (typeof o.images !== 'string' || typeof o.labels !== 'string')
    throw new ArgumentError(
      `${fn}: got images=${describe(o.images)}, labels=${describe(o.labels)}; expected two file paths`,
    );
  const chunkRows = positiveInt(fn, 'chunkRows', o.chunkRows, 1024);
  const divideBy = Math.fround((o.divideBy as number | undefined) ?? 1);
  if (!Number.isFinite(divideBy) || divideBy === 0)
    throw new ArgumentError(
      `${fn}: got divideBy=${describe(o.divideBy)}; expected a finite non-zero number such as 255`,
    );
  const images = await openIdx(o.images, 'images', ['uint8', 'float32']);
  const labels = await openIdx(o.labels, 'labels', ['uint8', 'int32'], 1);
  const n = images.header.shape[0];
  if (labels.header.shape[0] !== n)
    throw new FormatError(
      `${fn}: ${images.path} holds ${n} samples but ${labels.path} holds ${labels.header.shape[0]} labels; expected one label per sample`,
    );
  return {
    length: n,
    async *blocks(): AsyncGenerator<HostBlock> {
      const files = [await open(images.path, 'r'), await open(labels.path, 'r')];
      // One raw buffer per file, reused for every chunk: the decoded block is the only new memory.
      const raw = [new Uint8Array(chunkRows * images.rowBytes), new Uint8Array(chunkRows * labels.rowBytes)];
      try {
        for (let start = 0; start < n; start += chunkRows) {
          const rows = Math.min(chunkRows, n - start);
          const parts = [images, labels].map(async (f, i) => {
            await readAt(files[i], raw[i], rows * f.rowBytes, f.header.headerBytes + start * f.rowBytes, f.path);
          });
          await Promise.all(parts);
          yield {
            rows,
            fields: [
              { values: decodeRows(images, raw[0], rows, 'float32', divideBy), rowShape: images.rowShape },
              { values: decodeRows(labels, raw[1], rows, 'int32', 1), rowShape: [] },
            ],
          };
        }
      } finally {
        await Promise.all(files.map((f) => f.close()));
      }
    },
  };
}

// ------------------------------------------------------------------ CSV

export interface StreamCsvOptions {
  /** The target column, by header name or index. */
  label: string | number;
  /** The input columns, by name or index (default: every column but the label), in this order. */
  features?: readonly (string | number)[];
  /** int32 class labels (default) or float32 regression targets. */
  labelDtype?: 'int32' | 'float32';
  /** Bytes read per chunk (default 1 MiB). */
  chunkBytes?: number;
  delimiter?: string;
}

/**
 * A numeric CSV file with a header row as a StreamDataset: fields [x float32 [n, features],
 * y [n]]. Rows are parsed as they are read; quoted fields are refused (stream numeric data only;
 * parseCsv reads the rest). Its length is not known ahead.
 */
export async function streamCsv(path: string, options: StreamCsvOptions): Promise<StreamDataset> {
  const fn = 'streamCsv';
  const o = checkOptions(
    fn,
    options,
    ['label', 'features', 'labelDtype', 'chunkBytes', 'delimiter'],
    "{ label: 'class' }",
  );
  const chunkBytes = positiveInt(fn, 'chunkBytes', o.chunkBytes, 1 << 20);
  const delimiter = (o.delimiter as string | undefined) ?? ',';
  const labelDtype = (o.labelDtype as string | undefined) ?? 'int32';
  if (labelDtype !== 'int32' && labelDtype !== 'float32')
    throw new ArgumentError(`${fn}: got labelDtype=${describe(o.labelDtype)}; expected 'int32' or 'float32'`);
  const header = await readHeader(path, delimiter);
  const column = (c: unknown): number => {
    const i = typeof c === 'number' ? c : header.indexOf(c as string);
    if (!Number.isInteger(i) || i < 0 || i >= header.length)
      throw new ArgumentError(
        `${fn}: ${path} has no column ${describe(c)}; expected one of ${describe(header)} or an index below ${header.length}`,
      );
    return i;
  };
  const label = column(o.label);
  const features =
    o.features === undefined
      ? header.map((_, i) => i).filter((i) => i !== label)
      : (o.features as unknown[]).map(column);
  if (features.length === 0) throw new ArgumentError(`${fn}: ${path} leaves no feature columns; expected at least one`);

  const parseLines = (lines: string[], lineNumbers: number[]): HostBlock => {
    const x = new Float32Array(lines.length * features.length);
    const y = labelDtype === 'int32' ? new Int32Array(lines.length) : new Float32Array(lines.length);
    lines.forEach((line, r) => {
      const fields = line.split(delimiter);
      const where = `${fn}: ${path} line ${lineNumbers[r]}`;
      if (fields.length !== header.length)
        throw new FormatError(`${where} has ${fields.length} fields; expected ${header.length} like the header`);
      const num = (c: number): number => {
        const v = parseNumber(fields[c]);
        if (v === null)
          throw new FormatError(
            `${where}, column "${header[c]}": got ${JSON.stringify(fields[c])}; expected a number${fields[c].includes('"') ? ' (streamCsv reads unquoted numeric CSV)' : ''}`,
          );
        return v;
      };
      features.forEach((c, k) => {
        x[r * features.length + k] = num(c);
      });
      const v = num(label);
      if (labelDtype === 'int32' && !Number.isInteger(v))
        throw new FormatError(
          `${where}: label ${v} is not an integer; expected a class index (or labelDtype: 'float32')`,
        );
      y[r] = v;
    });
    return {
      rows: lines.length,
      fields: [
        { values: x, rowShape: [features.length] },
        { values: y, rowShape: [] },
      ],
    };
  };

  return {
    length: null,
    async *blocks(): AsyncGenerator<HostBlock> {
      const file = await open(path, 'r');
      const raw = new Uint8Array(chunkBytes);
      const decoder = new TextDecoder();
      let pending = '';
      let line = 1; // of the first line in `pending`
      let position = 0;
      let headerSkipped = false;
      try {
        for (;;) {
          const { bytesRead } = await file.read(raw, 0, chunkBytes, position);
          position += bytesRead;
          const done = bytesRead === 0;
          pending += done ? decoder.decode() : decoder.decode(raw.subarray(0, bytesRead), { stream: true });
          const lines = pending.split('\n');
          // The last piece may be a line cut by the chunk's end: keep it for the next chunk.
          pending = done ? '' : (lines.pop() as string);
          const firstLine = line;
          line += lines.length;
          const rows: string[] = [];
          const rowLines: number[] = [];
          lines.forEach((l, i) => {
            const text = l.endsWith('\r') ? l.slice(0, -1) : l;
            if (!headerSkipped) {
              headerSkipped = true;
              return;
            }
            if (text.trim() === '') return; // blank lines (a trailing newline) hold no row
            rows.push(text);
            rowLines.push(firstLine + i);
          });
          if (rows.length > 0) yield parseLines(rows, rowLines);
          if (done) return;
        }
      } finally {
        await file.close();
      }
    },
  };
}

/** The header row's column names (the first line, which must fit in 64 KiB). */
async function readHeader(path: string, delimiter: string): Promise<string[]> {
  const file = await open(path, 'r');
  try {
    const raw = new Uint8Array(1 << 16);
    const { bytesRead } = await file.read(raw, 0, raw.length, 0);
    let text = new TextDecoder().decode(raw.subarray(0, bytesRead));
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const end = text.indexOf('\n');
    if (end < 0 && bytesRead === raw.length)
      throw new FormatError(
        `streamCsv: ${path} has no line end in its first ${raw.length} bytes; expected a header row`,
      );
    const first = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
    if (first.trim() === '') throw new FormatError(`streamCsv: ${path} is empty; expected a header row`);
    return first.split(delimiter).map((h) => h.trim());
  } finally {
    await file.close();
  }
}
