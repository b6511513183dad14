/**
 * Streamed data sets: a DataLoader over a StreamDataset batches in file order or through a bounded
 * shuffle buffer, reproducibly with a seed; every loader's position (getState/setState) resumes an
 * epoch with the batches an unbroken run would have given; streamIdx and streamCsv decode files in
 * chunks to the values the whole-file readers give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArgumentError,
  DataLoader,
  FormatError,
  type HostBlock,
  type StreamDataset,
  TensorDataset,
  manualSeed,
  parseIdx,
  randn,
  streamCsv,
  streamIdx,
  tensor,
  type Tensor,
} from '../../src/index.js';

/** Samples 0..n-1 in blocks of `block`: x = [i, -i], y = i. */
function numberedStream(n: number, block: number, known = true): StreamDataset {
  return {
    length: known ? n : null,
    async *blocks(): AsyncGenerator<HostBlock> {
      for (let start = 0; start < n; start += block) {
        const rows = Math.min(block, n - start);
        const x = new Float32Array(rows * 2),
          y = new Int32Array(rows);
        for (let r = 0; r < rows; r++) {
          x[2 * r] = start + r;
          x[2 * r + 1] = -(start + r);
          y[r] = start + r;
        }
        yield {
          rows,
          fields: [
            { values: x, rowShape: [2] },
            { values: y, rowShape: [] },
          ],
        };
      }
    },
  };
}

/** One epoch's batches as lists of sample ids, checking that x and y rows stay together. */
async function epochIds(loader: DataLoader, take = Infinity): Promise<number[][]> {
  const out: number[][] = [];
  for await (const [xb, yb] of loader) {
    const ids = Array.from(yb.dataSync());
    const x = xb.dataSync();
    ids.forEach((id, r) => assert.deepEqual([x[2 * r], -x[2 * r + 1]], [id, id]));
    out.push(ids);
    if (out.length >= take) break;
  }
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('a streamed DataLoader batches in file order across blocks, with a short last batch or without it', async () => {
  const loader = new DataLoader(numberedStream(10, 3), { batchSize: 4 });
  assert.equal(loader.length, 3);
  assert.deepEqual(await epochIds(loader), [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
  const dropLast = new DataLoader(numberedStream(10, 3), { batchSize: 4, dropLast: true });
  assert.equal(dropLast.length, 2);
  assert.deepEqual((await epochIds(dropLast)).flat(), range(8));
  assert.equal(new DataLoader(numberedStream(10, 3, false), { batchSize: 4 }).length, null);
  const [xb, yb] = (await new DataLoader(numberedStream(5, 2), { batchSize: 5 })[Symbol.asyncIterator]().next())
    .value as Tensor[];
  assert.deepEqual([xb.shape, xb.dtype, yb.shape, yb.dtype], [[5, 2], 'float32', [5], 'int32']);
  assert.throws(
    () => Array.from(loader),
    (e: Error) => e instanceof ArgumentError && /streamed from disk.*for await/.test(e.message),
  );
});

test('the shuffle buffer: each sample once per epoch, a new order each epoch, reproducible with a seed', async () => {
  const make = () => new DataLoader(numberedStream(50, 7), { batchSize: 8, shuffle: true, seed: 5, shuffleBuffer: 16 });
  const loader = make();
  const e1 = await epochIds(loader),
    e2 = await epochIds(loader);
  for (const e of [e1, e2])
    assert.deepEqual(
      [...e.flat()].sort((a, b) => a - b),
      range(50),
    );
  assert.notDeepEqual(e1.flat(), range(50));
  assert.notDeepEqual(e1, e2);
  const again = make();
  assert.deepEqual([await epochIds(again), await epochIds(again)], [e1, e2]);
  // The window bounds how far a sample can move ahead: none leaves before 16 rows were read past it.
  e1.flat().forEach((id, position) => assert.ok(id <= position + 15, `sample ${id} came out at ${position}`));
  // A buffer of one row is file order.
  const one = new DataLoader(numberedStream(20, 7), { batchSize: 8, shuffle: true, seed: 5, shuffleBuffer: 1 });
  assert.deepEqual((await epochIds(one)).flat(), range(20));
  // Without a seed the order follows manualSeed.
  const unseeded = async () => {
    manualSeed(3);
    return epochIds(new DataLoader(numberedStream(30, 7), { batchSize: 8, shuffle: true, shuffleBuffer: 10 }));
  };
  assert.deepEqual(await unseeded(), await unseeded());
});

/** Batches of an unbroken run from batch `from` of epoch 1 on, and of a fresh loader resumed there. */
async function resumed(make: () => DataLoader, from: number): Promise<[number[][], number[][]]> {
  manualSeed(11);
  const unbroken = make();
  await epochIds(unbroken);
  const expected = (await epochIds(unbroken)).slice(from);

  manualSeed(11);
  const broken = make();
  await epochIds(broken);
  await epochIds(broken, from); // cut short after `from` batches, as a crash would
  const state = JSON.parse(JSON.stringify(broken.getState()));
  assert.equal(state.epoch, 1);
  assert.equal(state.position, from);
  randn([7]); // the global generator moves on before the resume (model init, dropout …)
  const fresh = make();
  fresh.setState(state);
  return [await epochIds(fresh), expected];
}

test('getState/setState resume an epoch mid-way with the batches an unbroken run gives', async () => {
  const ids = (n: number) =>
    new TensorDataset(tensor(range(n).map((i) => [i, -i])), tensor(range(n), { dtype: 'int32' }));
  const cases: [string, () => DataLoader][] = [
    ['in memory, seeded', () => new DataLoader(ids(23), { batchSize: 4, shuffle: true, seed: 9 })],
    ['in memory, global generator', () => new DataLoader(ids(23), { batchSize: 4, shuffle: true })],
    ['in memory, in order', () => new DataLoader(ids(23), { batchSize: 4 })],
    [
      'streamed, seeded',
      () => new DataLoader(numberedStream(23, 5), { batchSize: 4, shuffle: true, seed: 9, shuffleBuffer: 8 }),
    ],
    [
      'streamed, unseeded',
      () => new DataLoader(numberedStream(23, 5), { batchSize: 4, shuffle: true, shuffleBuffer: 8 }),
    ],
  ];
  for (const [name, make] of cases) {
    const [got, expected] = await resumed(make, 2);
    assert.equal(expected.length, 4, name);
    assert.deepEqual(got, expected, name);
  }
  // After a full epoch the state points at the next one's start.
  const loader = new DataLoader(ids(8), { batchSize: 4, shuffle: true, seed: 1 });
  Array.from(loader);
  assert.deepEqual({ ...loader.getState(), rng: null }, { epoch: 1, position: 0, rng: null });
  assert.throws(
    () => loader.setState({ epoch: 1, position: 0, rng: [1, 2, 3, 4] }),
    (e: Error) => e instanceof ArgumentError && /setState: got .* expected \{ epoch, position \}/.test(e.message),
  );
});

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-stream-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function idxBytes(code: number, dims: number[], body: Uint8Array): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE((code << 8) | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

test('streamIdx reads IDX files in chunks to the values parseIdx gives, and checks them first', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pixels = Uint8Array.from({ length: 7 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const labels = Uint8Array.from({ length: 7 }, (_, i) => i % 3);
    const images = idxBytes(0x08, [7, 2, 3], pixels);
    writeFileSync(join(dir, 'x'), images);
    writeFileSync(join(dir, 'y'), idxBytes(0x08, [7], labels));
    const ds = await streamIdx({ images: join(dir, 'x'), labels: join(dir, 'y'), chunkRows: 3, divideBy: 255 });
    assert.equal(ds.length, 7);
    const blocks: HostBlock[] = [];
    for await (const b of ds.blocks()) blocks.push(b);
    assert.deepEqual(
      blocks.map((b) => b.rows),
      [3, 3, 1],
    );
    assert.deepEqual(blocks[0].fields[0].rowShape, [2, 3]);
    const x = blocks.flatMap((b) => Array.from(b.fields[0].values));
    const expected = Array.from(parseIdx(images).data, (v) => Math.fround(v / 255));
    assert.deepEqual(x, expected);
    assert.deepEqual(
      blocks.flatMap((b) => Array.from(b.fields[1].values)),
      Array.from(labels),
    );
    assert.ok(blocks[1].fields[1].values instanceof Int32Array);
    // Big-endian int32 labels and float32 inputs decode too.
    const f32 = Buffer.alloc(8);
    f32.writeFloatBE(1.5, 0);
    f32.writeFloatBE(-2, 4);
    writeFileSync(join(dir, 'xf'), idxBytes(0x0d, [2, 1], f32));
    const i32 = Buffer.alloc(8);
    i32.writeInt32BE(70000, 0);
    i32.writeInt32BE(3, 4);
    writeFileSync(join(dir, 'yi'), idxBytes(0x0c, [2], i32));
    const wide = await streamIdx({ images: join(dir, 'xf'), labels: join(dir, 'yi') });
    for await (const b of wide.blocks()) {
      assert.deepEqual(Array.from(b.fields[0].values), [1.5, -2]);
      assert.deepEqual(Array.from(b.fields[1].values), [70000, 3]);
    }
    // Refused before anything is read: counts that disagree, a truncated file, an unknown option.
    writeFileSync(join(dir, 'y5'), idxBytes(0x08, [5], labels.subarray(0, 5)));
    await assert.rejects(
      streamIdx({ images: join(dir, 'x'), labels: join(dir, 'y5') }),
      (e: Error) => e instanceof FormatError && /holds 7 samples but .*y5 holds 5 labels/.test(e.message),
    );
    writeFileSync(join(dir, 'xt'), images.subarray(0, images.length - 1));
    await assert.rejects(streamIdx({ images: join(dir, 'xt'), labels: join(dir, 'y') }), FormatError);
    await assert.rejects(
      streamIdx({ images: join(dir, 'x'), labels: join(dir, 'y'), chunk: 3 } as never),
      (e: Error) => e instanceof ArgumentError && /unknown option 'chunk'/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

test('streamCsv parses a numeric CSV chunk by chunk, whatever the chunk size, and names bad lines', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'd.csv');
    writeFileSync(path, 'a,b,label,c\r\n1,2,0,3\r\n\r\n4.5,-5,1,6e1\r\n7,8,2,9\r\n');
    const read = async (options: Parameters<typeof streamCsv>[1]) => {
      const ds = await streamCsv(path, options);
      assert.equal(ds.length, null);
      const x: number[] = [],
        y: number[] = [];
      for await (const b of ds.blocks()) {
        assert.deepEqual(b.fields[0].rowShape, [b.fields[0].values.length / b.rows]);
        x.push(...b.fields[0].values);
        y.push(...b.fields[1].values);
      }
      return { x, y };
    };
    const whole = await read({ label: 'label' });
    assert.deepEqual(whole, { x: [1, 2, 3, 4.5, -5, 60, 7, 8, 9], y: [0, 1, 2] });
    for (const chunkBytes of [1, 5, 13]) assert.deepEqual(await read({ label: 'label', chunkBytes }), whole);
    assert.deepEqual(await read({ label: 2, features: ['c', 'a'] }), { x: [3, 1, 60, 4.5, 9, 7], y: [0, 1, 2] });
    const floats = await read({ label: 'c', labelDtype: 'float32', features: ['a'] });
    assert.deepEqual(floats.y, [3, 60, 9]);

    await assert.rejects(
      streamCsv(path, { label: 'class' }),
      (e: Error) =>
        e instanceof ArgumentError &&
        /has no column "class"; expected one of \["a", "b", "label", "c"\]/.test(e.message),
    );
    const drain = async (text: string, options: Parameters<typeof streamCsv>[1] = { label: 'y' }) => {
      writeFileSync(path, text);
      for await (const _ of (await streamCsv(path, options)).blocks());
    };
    await assert.rejects(
      drain('x,y\n1,0\n2\n'),
      (e: Error) => e instanceof FormatError && /line 3 has 1 fields; expected 2/.test(e.message),
    );
    await assert.rejects(
      drain('x,y\n1,0\n\nabc,1\n'),
      (e: Error) => e instanceof FormatError && /line 4, column "x": got "abc"; expected a number/.test(e.message),
    );
    await assert.rejects(
      drain('x,y\n1,0.5\n'),
      (e: Error) => e instanceof FormatError && /line 2: label 0.5 is not an integer/.test(e.message),
    );
  } finally {
    cleanup();
  }
});
