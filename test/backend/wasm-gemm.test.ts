/**
 * The WebAssembly GEMM against the portable one, on random inputs: odd sizes around the register
 * tile and the packing blocks, all four transpose combinations, batch strides (shared operands
 * too), subarray views with a byte offset, both builds (relaxed and plain SIMD), one thread and
 * several (split by batch, by rows and by columns).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, portableBackend, type MatmulArgs, type WasmBackend } from '../../src/index.js';
import { random } from '../helpers/seeded.js';

function randomArray(n: number, rnd: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() * 2 - 1;
  return a;
}

function args(
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
  batch = 1,
  aShared = false,
  bShared = false,
): MatmulArgs {
  return { m, k, n, transA, transB, batch, aBatchStride: aShared ? 0 : m * k, bBatchStride: bShared ? 0 : k * n };
}

/**
 * Run both backends and compare element by element. The bound is float32 rounding over the k
 * products: |wasm − portable| ≤ 4·k·ε·Σ|a||b| (+ a tiny absolute floor), with Σ|a||b| computed by
 * the portable kernel on absolute values.
 */
function check(be: WasmBackend, p: MatmulArgs, seed: number, offsets: [number, number] = [0, 0]): void {
  const rnd = random(seed);
  const aLen = (p.aBatchStride === 0 ? 1 : p.batch) * p.m * p.k;
  const bLen = (p.bBatchStride === 0 ? 1 : p.batch) * p.k * p.n;
  // Views that start inside a larger buffer, as conv2d's chunks are.
  const a = randomArray(aLen + offsets[0] + 3, rnd).subarray(offsets[0], offsets[0] + aLen);
  const b = randomArray(bLen + offsets[1] + 5, rnd).subarray(offsets[1], offsets[1] + bLen);
  const cLen = p.batch * p.m * p.n;
  const want = new Float32Array(cLen);
  portableBackend.matmul(a, b, want, p);
  const bound = new Float32Array(cLen);
  portableBackend.matmul(a.map(Math.abs), b.map(Math.abs), bound, p);
  const got = new Float32Array(cLen).fill(Number.NaN);
  be.matmul(a, b, got, p);
  const eps = 2 ** -23;
  for (let i = 0; i < cLen; i++) {
    const tol = 4 * Math.max(p.k, 1) * eps * bound[i] + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      assert.fail(`${be.name} ${JSON.stringify(p)}: C[${i}] = ${got[i]}, portable ${want[i]} (tolerance ${tol})`);
    }
  }
}

const single = createWasmBackend({ threads: 1 });
const plain = createWasmBackend({ threads: 1, relaxed: false });

test('wasm GEMM matches portable at odd sizes, all transposes, both builds', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 1],
    [5, 3, 8],
    [6, 8, 8],
    [7, 9, 9],
    [13, 17, 5],
    [31, 1, 33],
    [37, 300, 70],
    [121, 257, 17],
    [6, 513, 16],
    [2, 2, 2100],
    // Three k slices with edge tiles on both sides and two row blocks: edges added to C.
    [127, 777, 21],
  ];
  let seed = 1;
  for (const be of [single, plain]) {
    for (const [m, k, n] of sizes) {
      for (const tA of [false, true]) for (const tB of [false, true]) check(be, args(m, k, n, tA, tB), seed++);
    }
  }
  assert.equal(plain.build, 'wasm-simd');
});

test('wasm GEMM handles batch strides, shared operands and subarray views', () => {
  let seed = 100;
  for (const be of [single, plain]) {
    for (const [aShared, bShared] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      for (const tA of [false, true])
        for (const tB of [false, true]) {
          check(be, args(9, 11, 13, tA, tB, 4, aShared, bShared), seed++, [7, 3]);
        }
    }
    check(be, args(3, 5, 7), seed++, [1, 1]);
  }
});

test('wasm one-row products (the matrix-vector kernel) match portable: odd sizes, transposes, cache strides', () => {
  let seed = 500;
  for (const be of [single, plain]) {
    for (const k of [1, 3, 4, 5, 31, 128, 131])
      for (const n of [1, 3, 4, 5, 15, 16, 17, 33, 81, 384])
        for (const tA of [false, true]) for (const tB of [false, true]) check(be, args(1, k, n, tA, tB), seed++);
    // Attention over a preallocated cache: B advances by the whole cache (capacity · d) per head,
    // of which the first `length` rows are used; shared and batched vectors.
    for (const tB of [false, true]) {
      const [k, n, capacity] = tB ? [32, 7, 12] : [7, 32, 12];
      const p: MatmulArgs = {
        m: 1,
        k,
        n,
        transA: false,
        transB: tB,
        batch: 4,
        aBatchStride: k,
        bBatchStride: capacity * 32,
      };
      const rnd = random(seed++);
      const a = randomArray(4 * k, rnd);
      const b = randomArray(4 * capacity * 32, rnd);
      const want = new Float32Array(4 * n);
      portableBackend.matmul(a, b, want, p);
      const got = new Float32Array(4 * n);
      be.matmul(a, b, got, p);
      for (let i = 0; i < want.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-5, `C[${i}] ${got[i]} vs ${want[i]}`);
    }
    check(be, args(1, 9, 13, false, true, 3, false, true), seed++, [2, 5]);
  }
});

test('wasm GEMM with k = 0 writes zeros and empty outputs are a no-op', () => {
  const out = new Float32Array(6).fill(Number.NaN);
  single.matmul(new Float32Array(0), new Float32Array(0), out, args(2, 0, 3));
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 0]);
  single.matmul(new Float32Array(0), new Float32Array(12), new Float32Array(0), args(0, 4, 3));
});

test('multi-threaded wasm GEMM splits by rows, by columns and by batch and matches portable', async () => {
  const threaded = createWasmBackend({ threads: 3 });
  await threaded.whenReady();
  assert.equal(threaded.threads, 3, threaded.threadProblem ?? '');
  assert.match(threaded.name, /^wasm-(relaxed-)?simd \(3 threads\)$/);
  let seed = 200;
  const cases: MatmulArgs[] = [
    args(301, 190, 150), // rows
    args(12, 400, 700), // columns
    args(40, 64, 48, false, false, 9), // batch
    args(3872 / 16, 288, 64, true, false), // conv kernel-gradient shape, transposed A
    args(200, 64, 288, false, true), // conv input-gradient shape, transposed B
    // Row splits over several k slices (KC = 384), odd n, both transposes, and two column panels
    // (NC = 2048).
    args(500, 900, 70, true, false),
    args(1560, 390, 2060, false, true),
  ];
  for (const p of cases) check(threaded, p, seed++, [2, 1]);
  // The workers took part (on a busy machine the caller may take most chunks, but not all of them).
  for (let i = 0; i < 20 && threaded.workerChunks === 0; i++) check(threaded, args(301, 190, 150), seed++);
  assert.ok(threaded.workerChunks > 0, 'no chunk ran on a worker thread');
  threaded.setThreads(1);
  assert.equal(threaded.threads, 1);
  const before = threaded.workerChunks;
  check(threaded, args(301, 190, 150), seed++);
  assert.equal(threaded.workerChunks, before, 'a retired worker still ran chunks');
  // Grown again: fresh workers with their own packing buffers.
  threaded.setThreads(2);
  await threaded.whenReady();
  for (let i = 0; i < 20 && threaded.workerChunks === before; i++) check(threaded, args(256, 128, 96), seed++);
  assert.ok(threaded.workerChunks > before);
  threaded.setThreads(1);
});

test('wasm memory grows to the largest call and is then reused, not grown per call', () => {
  const be = createWasmBackend({ threads: 1 });
  check(be, args(200, 300, 100), 300);
  const after = be.memoryBytes;
  for (let i = 0; i < 30; i++) check(be, args(50 + i, 100, 60), 301 + i);
  check(be, args(200, 300, 100), 400);
  assert.equal(be.memoryBytes, after);
});
