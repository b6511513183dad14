import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TensorDataset,
  DataLoader,
  tensor,
  arange,
  manualSeed,
  randn,
  ShapeError,
  ArgumentError,
  type Tensor,
  type Dataset,
} from '../../src/index.js';

/** x[i] = [i, i + 0.5], y[i] = i: every row says which sample it is. */
function numbered(n: number): TensorDataset {
  const x = tensor(Array.from({ length: n }, (_, i) => [i, i + 0.5]));
  const y = tensor(
    Array.from({ length: n }, (_, i) => i),
    { dtype: 'int32' },
  );
  return new TensorDataset(x, y);
}

function epochIds(loader: DataLoader): number[][] {
  return Array.from(loader, ([, yb]) => Array.from(yb.dataSync()));
}

test('TensorDataset: length is the first axis, get(i) returns one row of each tensor', () => {
  const ds = numbered(5);
  assert.equal(ds.length, 5);
  const [xi, yi] = ds.get(3);
  assert.deepEqual(xi.shape, [2]);
  assert.deepEqual(xi.toArray(), [3, 3.5]);
  assert.deepEqual(yi.shape, []);
  assert.equal(yi.item(), 3);
  assert.equal(yi.dtype, 'int32');
  assert.throws(() => ds.get(5), ArgumentError);
  assert.throws(() => ds.get(-1), ArgumentError);
});

test('TensorDataset refuses tensors that disagree on the number of samples', () => {
  assert.throws(
    () => new TensorDataset(tensor([[1], [2]]), tensor([1, 2, 3])),
    (e) => e instanceof ShapeError && /tensor 1 has shape \[3\] but tensor 0 has 2 samples/.test(e.message),
  );
  assert.throws(() => new TensorDataset(tensor(3)), ShapeError);
  assert.throws(() => new TensorDataset(), ArgumentError);
});

test('DataLoader batches in order, with a short last batch or without it', () => {
  const ds = numbered(10);
  const loader = new DataLoader(ds, { batchSize: 4 });
  assert.equal(loader.length, 3);
  const batches = Array.from(loader);
  assert.deepEqual(
    batches.map(([xb, yb]) => [xb.shape, yb.shape]),
    [
      [[4, 2], [4]],
      [[4, 2], [4]],
      [[2, 2], [2]],
    ],
  );
  assert.deepEqual(batches[2][0].toArray(), [
    [8, 8.5],
    [9, 9.5],
  ]);
  assert.deepEqual(epochIds(loader), [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
  const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropping.length, 2);
  assert.deepEqual(epochIds(dropping), [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
  ]);
  assert.equal(new DataLoader(ds).length, 1); // default batchSize 32
  assert.equal(new DataLoader(numbered(3), { batchSize: 4, dropLast: true }).length, 0);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), ArgumentError);
  assert.throws(() => new DataLoader(ds, { batchSize: 2.5 }), ArgumentError);
});

test('shuffling: every sample once per epoch, rows stay aligned, a new order each epoch', () => {
  const loader = new DataLoader(numbered(23), { batchSize: 5, shuffle: true, seed: 3 });
  const orders: string[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen: number[] = [];
    for (const [xb, yb] of loader) {
      for (let i = 0; i < yb.size; i++) {
        assert.deepEqual([xb.dataSync()[2 * i], xb.dataSync()[2 * i + 1]], [yb.dataSync()[i], yb.dataSync()[i] + 0.5]);
        seen.push(yb.dataSync()[i]);
      }
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 23 }, (_, i) => i),
    );
    orders.push(seen.join(','));
  }
  assert.equal(new Set(orders).size, 3);
  assert.notEqual(orders[0], Array.from({ length: 23 }, (_, i) => i).join(','));
});

test('shuffling with a seed is reproducible and leaves the global generator alone', () => {
  const run = () => {
    const loader = new DataLoader(numbered(12), { batchSize: 4, shuffle: true, seed: 42 });
    return [epochIds(loader), epochIds(loader)];
  };
  manualSeed(1);
  const before = randn([3]).toFlatArray();
  manualSeed(1);
  const first = run();
  const after = randn([3]).toFlatArray();
  assert.deepEqual(after, before);
  manualSeed(999);
  assert.deepEqual(run(), first);
  assert.notDeepEqual(epochIds(new DataLoader(numbered(12), { batchSize: 4, shuffle: true, seed: 43 })), first[0]);
});

test('shuffling without a seed follows manualSeed', () => {
  const ids = () => epochIds(new DataLoader(numbered(12), { batchSize: 4, shuffle: true }));
  manualSeed(7);
  const a = ids();
  manualSeed(7);
  assert.deepEqual(ids(), a);
});

test('a generic Dataset (get only) is batched by stacking its samples', () => {
  const squares: Dataset<Tensor[]> = {
    length: 5,
    get: (i) => [tensor([i, i * i]), tensor(i % 2, { dtype: 'int32' })],
  };
  const batches = Array.from(new DataLoader(squares, { batchSize: 2 }));
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[1][0].toArray(), [
    [2, 4],
    [3, 9],
  ]);
  assert.deepEqual(batches[1][1].toArray(), [0, 1]);
  assert.deepEqual(batches[2][0].shape, [1, 2]);
});

test('batches of a large image-like dataset are gathered rows', () => {
  const x = arange(0, 64 * 3 * 4).reshape([64, 3, 4]);
  const loader = new DataLoader(new TensorDataset(x), { batchSize: 16, shuffle: true, seed: 0 });
  for (const [xb] of loader) {
    assert.deepEqual(xb.shape, [16, 3, 4]);
    for (let i = 0; i < 16; i++) {
      const row = xb.dataSync()[i * 12] / 12;
      assert.ok(Number.isInteger(row));
      const xbValues = xb.dataSync();
      for (let k = 0; k < 12; k++) assert.equal(xbValues[i * 12 + k], row * 12 + k);
    }
  }
});
