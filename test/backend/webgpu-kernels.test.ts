/**
 * The WebGPU kernels against the portable ones (the reference), on random inputs with NaN, ±∞
 * and ±0 sprinkled in, at sizes that are not multiples of a workgroup, with broadcasting, deep
 * strided views and zero-size tensors. Exact where the GPU does the same IEEE operations in the
 * same order (movement, selection, integer ops, comparisons, min/max, rounding, bias, column
 * sums); elsewhere within float32 tolerances stated at each check. Subnormal inputs are left out:
 * WGSL lets a GPU flush them to zero.
 *
 * Skips, saying why, where no WebGPU adapter is found. On a machine without a GPU, SwiftShader's
 * Vulkan driver serves: eval "$(node scripts/webgpu-env.mjs)" first.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWebGPUBackend, type WebGPUBackend, type WebGPUStorage } from '../../src/backend/webgpu/index.js';
import type {
  BinaryOp,
  FusedActivation,
  MatmulArgs,
  ReduceOp,
  Shape,
  TypedArray,
  UnaryOp,
  Window2dArgs,
} from '../../src/backend/types.js';
import { contiguousStrides } from '../../src/backend/strided.js';
import * as portable from '../../src/backend/portable/elementwise.js';
import { reduce as portableReduce } from '../../src/backend/portable/reduce.js';
import { matmul as portableMatmul } from '../../src/backend/portable/matmul.js';
import {
  copyStrided as portableCopy,
  gather as portableGather,
  scatterAdd as portableScatterAdd,
} from '../../src/backend/portable/movement.js';
import {
  logSoftmax as portableLogSoftmax,
  logSoftmaxBackward as portableLogSoftmaxBackward,
} from '../../src/backend/portable/softmax.js';
import {
  biasActivation as portableBias,
  biasActivationBackward as portableBiasBackward,
} from '../../src/backend/portable/bias.js';
import { adamStep as portableAdam } from '../../src/backend/portable/adam.js';
import { portableBackend } from '../../src/backend/portable/index.js';
import { BackendError } from '../../src/util/errors.js';
import { random } from '../helpers/seeded.js';

let gpu: WebGPUBackend | null = null;
let why = '';
const ready = createWebGPUBackend().then(
  (b) => {
    gpu = b;
  },
  (err: unknown) => {
    why = err instanceof Error ? err.message : String(err);
  },
);

/** A test that runs only where an adapter was found. */
function gpuTest(name: string, body: (be: WebGPUBackend) => Promise<void>): void {
  test(name, async (t) => {
    await ready;
    if (gpu === null) {
      t.skip(`no WebGPU adapter: ${why}`);
      return;
    }
    await body(gpu);
  });
}

const rnd = random(20);
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 0.5, -0.5, 2.5, -2.5, 1, -1, 88.5, -100, 1e30, -3e-30];
const TRIG_SPECIAL = [0, -0, NaN, Infinity, -Infinity, 0.5, -0.5, Math.PI, -Math.PI / 2, 8000, -7999.5];
const SIZES = [0, 1, 7, 255, 256, 257, 1000, 4099];

function floats(n: number, scale = 4, specials = SPECIAL): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rnd() * 2 - 1) * scale;
  for (let i = 0; i < specials.length && i * 5 < n; i++) a[i * 5] = specials[i];
  return a;
}

function ints(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor(rnd() * (hi - lo + 1));
  return a;
}

const prod = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** Element by element with Object.is: NaN equals NaN, 0 differs from -0. */
function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(Object.is(got[i], want[i]), `${what}: [${i}] = ${got[i]}, portable ${want[i]}`);
}

/**
 * Within `ulps` float32 ulps of the portable value, or `abs` absolutely (per element when an
 * array); NaN and ±∞ exactly; results below the normal range may be flushed to zero.
 */
function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  ulps: number,
  what: string,
  abs: number | ArrayLike<number> = 0,
): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i],
      w = want[i];
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      assert.ok(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `${what}: [${i}] = ${g}, portable ${w}`);
      continue;
    }
    if (Math.abs(w) < 2 ** -126 && Math.abs(g) < 2 ** -126) continue;
    const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(w) || 2 ** -126)), -126) - 23);
    const tol = Math.max(ulps * ulp, typeof abs === 'number' ? abs : abs[i]);
    assert.ok(Math.abs(g - w) <= tol, `${what}: [${i}] = ${g}, portable ${w} (|diff| ${Math.abs(g - w)} > ${tol})`);
  }
}

async function down(be: WebGPUBackend, s: WebGPUStorage): Promise<TypedArray> {
  return be.read(s);
}

// ---------------------------------------------------------------- storage, fill, cast

gpuTest('webgpu backend: name, adapter info, storage round trip, zero size, readSync refuses', async (be) => {
  assert.equal(be.name, 'webgpu');
  assert.equal(be.hostStorage, false);
  assert.ok(be.adapterInfo.length > 0, 'adapterInfo');
  for (const n of SIZES) {
    const f = floats(n),
      i = ints(n, -5, 5);
    const sf = be.fromHost(f, false),
      si = be.fromHost(i, true);
    assert.equal(be.sizeOf(sf), n);
    assertSame(await down(be, sf), f, `float round trip ${n}`);
    assertSame(await down(be, si), i, `int round trip ${n}`);
    const g = floats(n);
    be.write(sf, g);
    assertSame(await down(be, sf), g, `write ${n}`);
  }
  const z = be.allocate('float32', 0, true);
  assert.ok((await down(be, z)) instanceof Float32Array);
  assert.ok((await down(be, be.allocate('int32', 0, false))) instanceof Int32Array);
  assert.throws(
    () => be.readSync(be.fromHost(new Float32Array(3), false)),
    (e: unknown) => e instanceof BackendError && /await tensor\.data\(\)/.test(e.message),
  );
});

gpuTest(
  'webgpu fill and cast equal typed-array fills and conversions (ToInt32: truncation, NaN → 0, wrapping)',
  async (be) => {
    for (const n of [0, 5, 257]) {
      for (const value of [0, -0, 1.5, NaN, -Infinity, 3e9]) {
        const f = be.allocate('float32', n, false),
          i = be.allocate('int32', n, false);
        be.fill(f, value);
        be.fill(i, value);
        assertSame(await down(be, f), new Float32Array(n).fill(value), `fill f32 ${value}`);
        assertSame(await down(be, i), new Int32Array(n).fill(value), `fill i32 ${value}`);
      }
    }
    const x = floats(1000, 1e10, [
      ...SPECIAL,
      2.5,
      -2.5,
      2147483647,
      -2147483648,
      2147483648,
      3e9,
      -3e9,
      1e20,
      4294967296 + 256,
    ]);
    const xi = ints(1000, -2e9, 2e9);
    const toInt = be.allocate('int32', x.length, false),
      toFloat = be.allocate('float32', xi.length, false);
    be.cast(be.fromHost(x, false), toInt);
    be.cast(be.fromHost(xi, false), toFloat);
    assertSame(
      await down(be, toInt),
      Int32Array.from(x, (v) => v | 0),
      'cast f32 → i32',
    );
    assertSame(await down(be, toFloat), Float32Array.from(xi), 'cast i32 → f32');
    const same = be.allocate('float32', x.length, false);
    be.cast(be.fromHost(x, false), same);
    assertSame(await down(be, same), x, 'cast f32 → f32');
  },
);

gpuTest(
  'webgpu storage: reused buffers are zeroed when asked, released storage is reused, memory is reclaimed without dispose',
  async (be) => {
    for (let round = 0; round < 3; round++) {
      const s = be.allocate('float32', 1000, false);
      be.fill(s, 7);
      be.releaseStorage?.(s);
      assertSame(
        await down(be, be.allocate('float32', 1000, true)),
        new Float32Array(1000),
        `zeroed after release, round ${round}`,
      );
    }
    // 600 MiB of storage, none of it kept: collections must hand buffers back (SwiftShader's GPU
    // memory is this process's memory, so a leak shows in its resident size).
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 150; i++) {
      const s = be.allocate('float32', 1 << 20, false);
      be.fill(s, i);
    }
    await down(be, be.allocate('float32', 1, true));
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(grown < 400, `resident memory grew by ${grown.toFixed(0)} MiB for 600 MiB of dropped storage`);
  },
);

// ---------------------------------------------------------------- unary

const UNARY_ULPS: Record<UnaryOp, number> = {
  neg: 0,
  abs: 0,
  sign: 0,
  square: 0,
  relu: 0,
  step: 0,
  floor: 0,
  ceil: 0,
  round: 0,
  isnan: 0,
  exp: 2,
  log: 2,
  tanh: 2,
  sigmoid: 4,
  // WGSL's sqrt and division are not correctly rounded (2.5 ulps allowed).
  sqrt: 3,
  reciprocal: 3,
  // Both evaluate the same erf fit; float32 versus float64 evaluation.
  erf: 4,
  // Compared absolutely below (relative error is unbounded near the zeros).
  sin: 0,
  cos: 0,
};

gpuTest(
  'webgpu unary kernels match portable (float32): exact for sign/rounding/relu ops, a few ulps for the rest',
  async (be) => {
    for (const n of SIZES) {
      for (const op of Object.keys(UNARY_ULPS) as UnaryOp[]) {
        const trig = op === 'sin' || op === 'cos';
        const scale = op === 'exp' || op === 'sigmoid' || op === 'tanh' ? 100 : 8;
        // sin/cos: compared up to |x| = 8000 (past 2^20 the GPU's own sin/cos serve; see wgsl.ts).
        const x = trig ? floats(n, 8000, TRIG_SPECIAL) : floats(n, scale);
        if (trig) for (let i = 1; i < n; i += 2) x[i] = (rnd() * 2 - 1) * 20;
        const want = op === 'isnan' ? new Int32Array(n) : new Float32Array(n);
        portable.unary(op, x, want);
        const out = be.allocate(op === 'isnan' ? 'int32' : 'float32', n, false);
        be.unary(op, be.fromHost(x, false), out);
        const got = await down(be, out);
        if (trig) assertClose(got, want, 2, `${op} n=${n}`, 4e-7);
        else if (UNARY_ULPS[op] === 0) assertSame(got, want, `${op} n=${n}`);
        else assertClose(got, want, UNARY_ULPS[op], `${op} n=${n}`);
      }
    }
  },
);

gpuTest(
  'webgpu unary kernels on int32 (neg, abs, sign, square, relu, step, rounding, isnan) equal portable exactly',
  async (be) => {
    const ops: UnaryOp[] = ['neg', 'abs', 'sign', 'square', 'relu', 'step', 'floor', 'ceil', 'round', 'isnan'];
    for (const n of SIZES) {
      const x = ints(n, -40000, 40000);
      for (const op of ops) {
        // (square of 2^31 − 1 is left out: the portable float64 product is rounded before it wraps.)
        if (n > 3) x.set([0, -2147483648, op === 'square' ? 46341 : 2147483647]);
        const want = new Int32Array(n);
        portable.unary(op, x, want);
        const out = be.allocate('int32', n, false);
        be.unary(op, be.fromHost(x, false), out);
        assertSame(await down(be, out), want, `${op} i32 n=${n}`);
      }
    }
  },
);

gpuTest('webgpu unary in place (out === x) and over more than 65535 workgroups (a 2-d grid)', async (be) => {
  const x = floats(1001);
  const s = be.fromHost(x, false);
  be.unary('exp', s, s);
  const want = new Float32Array(x.length);
  portable.unary('exp', x, want);
  assertClose(await down(be, s), want, 2, 'exp in place');
  const n = 65535 * 256 + 3;
  const big = be.allocate('float32', n, false);
  be.fill(big, 2);
  be.unary('neg', big, big);
  const got = await down(be, big);
  assert.equal(got[0], -2);
  assert.equal(got[n - 1], -2);
  assert.ok(
    got.every((v) => v === -2),
    'every element of the 2-d grid',
  );
});

// ---------------------------------------------------------------- binary, where

interface BroadcastCase {
  shape: number[];
  a: number[];
  b: number[];
}

/** Operand shapes broadcast to `shape` (or, with `permute`, a reversed-axes view). */
const BROADCASTS: BroadcastCase[] = [
  { shape: [1000], a: [1000], b: [1000] },
  { shape: [7, 257], a: [7, 257], b: [1, 257] },
  { shape: [7, 257], a: [7, 1], b: [1, 257] },
  { shape: [3, 5, 4], a: [3, 1, 4], b: [] },
  { shape: [0, 3], a: [0, 3], b: [1, 3] },
  { shape: [2, 2, 2, 2, 2, 2, 2, 2, 2], a: [2, 2, 2, 2, 2, 2, 2, 2, 2], b: [2, 1, 2, 1, 2, 1, 2, 1, 2] },
];

/** Strides of an operand of `opShape` broadcast to `shape` (0 on broadcast axes). */
function broadcastStrides(opShape: number[], shape: number[]): number[] {
  const own = contiguousStrides(opShape);
  const lead = shape.length - opShape.length;
  return shape.map((_d, i) => (i < lead || opShape[i - lead] === 1 ? 0 : own[i - lead]));
}

/** Reversed-axes strides: the 9-d case then has nothing to merge and is split on the host. */
function reversedStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = 0; d < shape.length; d++) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

const FLOAT_BINARY_ULPS: Record<BinaryOp, number> = {
  add: 0,
  sub: 0,
  mul: 0,
  maximum: 0,
  minimum: 0,
  eq: 0,
  ne: 0,
  lt: 0,
  le: 0,
  gt: 0,
  ge: 0,
  div: 3,
  // exp(y·log|x|) in float32 beyond the small integer powers.
  pow: 64,
};
const COMPARISONS = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

gpuTest('webgpu binary kernels match portable with broadcasting and strided views (float32 and int32)', async (be) => {
  for (const c of BROADCASTS) {
    const n = prod(c.shape);
    for (const reversed of [false, true]) {
      if (reversed && prod(c.a) !== n) continue;
      const aStrides = reversed ? reversedStrides(c.shape) : broadcastStrides(c.a, c.shape);
      const bStrides = broadcastStrides(c.b, c.shape);
      for (const op of Object.keys(FLOAT_BINARY_ULPS) as BinaryOp[]) {
        const a = floats(prod(c.a));
        const b =
          op === 'pow'
            ? floats(prod(c.b), 3, [0, 1, 2, 3, -1, -2, 0.5, 1.5, NaN, Infinity, -Infinity, -0])
            : floats(prod(c.b));
        if (COMPARISONS.has(op) && b.length > 0) for (let i = 0; i < a.length; i += 3) a[i] = b[i % b.length];
        const outDtype = COMPARISONS.has(op) ? 'int32' : 'float32';
        const want = outDtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
        portable.binary(op, a, aStrides, b, bStrides, c.shape, want);
        const out = be.allocate(outDtype, n, false);
        be.binary(op, be.fromHost(a, false), aStrides, be.fromHost(b, false), bStrides, c.shape, out);
        const what = `${op} [${c.shape}] a[${c.a}] b[${c.b}]${reversed ? ' reversed' : ''}`;
        const ulps = FLOAT_BINARY_ULPS[op];
        if (ulps === 0) assertSame(await down(be, out), want, what);
        else assertClose(await down(be, out), want, ulps, what);
      }
      for (const op of Object.keys(FLOAT_BINARY_ULPS) as BinaryOp[]) {
        const a = op === 'pow' ? ints(prod(c.a), -6, 6) : ints(prod(c.a), -30000, 30000);
        const b =
          op === 'pow'
            ? ints(prod(c.b), -2, 9)
            : op === 'div'
              ? ints(prod(c.b), -3, 3)
              : ints(prod(c.b), -30000, 30000);
        if (b.length > 0) for (let i = 0; i < a.length; i += 3) a[i] = b[i % b.length];
        const want = new Int32Array(n);
        portable.binary(op, a, aStrides, b, bStrides, c.shape, want);
        const out = be.allocate('int32', n, false);
        be.binary(op, be.fromHost(a, false), aStrides, be.fromHost(b, false), bStrides, c.shape, out);
        assertSame(await down(be, out), want, `${op} int32 [${c.shape}]${reversed ? ' reversed' : ''}`);
      }
    }
  }
});

gpuTest('webgpu where matches portable: float and int conditions (NaN true, -0 false), broadcasting', async (be) => {
  for (const c of BROADCASTS) {
    const n = prod(c.shape);
    const cStrides = broadcastStrides(c.b, c.shape),
      aStrides = broadcastStrides(c.a, c.shape),
      bStrides = broadcastStrides(c.a, c.shape);
    for (const condFloat of [false, true]) {
      const cond = condFloat ? floats(prod(c.b), 1, [0, -0, NaN, 1, -Infinity]) : ints(prod(c.b), -1, 1);
      for (const int of [false, true]) {
        const a = int ? ints(prod(c.a), -9, 9) : floats(prod(c.a));
        const b = int ? ints(prod(c.a), -9, 9) : floats(prod(c.a));
        const want = int ? new Int32Array(n) : new Float32Array(n);
        portable.where(cond, cStrides, a, aStrides, b, bStrides, c.shape, want);
        const out = be.allocate(int ? 'int32' : 'float32', n, false);
        be.where(
          be.fromHost(cond, false),
          cStrides,
          be.fromHost(a, false),
          aStrides,
          be.fromHost(b, false),
          bStrides,
          c.shape,
          out,
        );
        assertSame(
          await down(be, out),
          want,
          `where [${c.shape}] cond ${condFloat ? 'f32' : 'i32'} values ${int ? 'i32' : 'f32'}`,
        );
      }
    }
  }
});

// ---------------------------------------------------------------- reduce

const REDUCE_SHAPES: [outer: number, size: number, inner: number][] = [
  [1, 1, 1],
  [3, 5, 1],
  [2, 5000, 1],
  [4, 7, 3],
  [3, 2000, 5],
  [0, 4, 3],
  [5, 300, 1],
  [200, 64, 2],
  [1, 70000, 1],
];

gpuTest(
  'webgpu reduce matches portable: max/min/arg* exactly (NaN first, ties to the first index), sums within rounding',
  async (be) => {
    for (const [outer, size, inner] of REDUCE_SHAPES) {
      const n = outer * size * inner;
      for (const int of [false, true]) {
        // Few distinct values, so that ties are common; NaN and ±∞ in some rows.
        const x = int ? ints(n, -3, 3) : floats(n, 4, n > 100 ? [NaN, Infinity, -Infinity, -0, 0] : []);
        if (!int) for (let i = 7; i < n; i += 11) x[i] = Math.round(x[i]);
        for (const op of ['sum', 'max', 'min', 'argmax', 'argmin'] as ReduceOp[]) {
          const arg = op === 'argmax' || op === 'argmin';
          const want = int || arg ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
          portableReduce(op, x, outer, size, inner, want);
          const out = be.allocate(int || arg ? 'int32' : 'float32', outer * inner, false);
          be.reduce(op, be.fromHost(x, false), outer, size, inner, out);
          const got = await down(be, out);
          const what = `${op} ${int ? 'int32' : 'float32'} [${outer}, ${size}, ${inner}]`;
          if (op !== 'sum' || int) {
            assertSame(got, want, what);
            continue;
          }
          // Both sums are within size·2^-24·Σ|x| of the exact one.
          const absSum = new Float32Array(outer * inner);
          portableReduce('sum', x.map(Math.abs), outer, size, inner, absSum);
          assertClose(
            got,
            want,
            0,
            what,
            Array.from(absSum, (s) => 2 * size * 2 ** -24 * s),
          );
        }
      }
    }
    // An empty axis: sums are 0 and arg* give index 0.
    const sum = be.allocate('float32', 6, false),
      arg = be.allocate('int32', 6, false);
    be.reduce('sum', be.allocate('float32', 0, true), 3, 0, 2, sum);
    be.reduce('argmax', be.allocate('float32', 0, true), 3, 0, 2, arg);
    assertSame(await down(be, sum), new Float32Array(6), 'sum over an empty axis');
    assertSame(await down(be, arg), new Int32Array(6), 'argmax over an empty axis');
  },
);

// ---------------------------------------------------------------- matmul

gpuTest(
  'webgpu matmul matches portable within float32 rounding: transposes, batches, shared operands, edge tiles',
  async (be) => {
    const cases: [m: number, k: number, n: number, batch: number][] = [
      [1, 1, 1, 1],
      [3, 5, 7, 1],
      [64, 64, 64, 1],
      [65, 33, 130, 2],
      [100, 0, 5, 1],
      [0, 5, 3, 2],
      [1, 300, 2, 3],
      [129, 17, 1, 1],
    ];
    for (const [m, k, n, batch] of cases) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const shareB of [false, true]) {
            const args: MatmulArgs = {
              m,
              k,
              n,
              transA,
              transB,
              batch,
              aBatchStride: m * k,
              bBatchStride: shareB ? 0 : k * n,
            };
            const a = floats(batch * m * k, 2, []),
              b = floats((shareB ? 1 : batch) * k * n, 2, []);
            const want = new Float32Array(batch * m * n);
            portableMatmul(a, b, want, args);
            const absProd = new Float32Array(batch * m * n);
            portableMatmul(a.map(Math.abs), b.map(Math.abs), absProd, args);
            const out = be.allocate('float32', batch * m * n, false);
            be.fill(out, NaN);
            be.matmul(be.fromHost(a, false), be.fromHost(b, false), out, args);
            const tol = Array.from(absProd, (s) => 2 * (k + 1) * 2 ** -24 * s);
            assertClose(
              await down(be, out),
              want,
              0,
              `matmul ${m}×${k}×${n} batch ${batch} tA=${transA} tB=${transB} shareB=${shareB}`,
              tol,
            );
          }
        }
      }
    }
  },
);

// ---------------------------------------------------------------- movement

gpuTest(
  'webgpu copyStrided equals portable exactly: permute, expand, slice, pad, flip, 9-d views, int32, zero size',
  async (be) => {
    const src = floats(512),
      srcInt = ints(512, -99, 99);
    const cases: {
      name: string;
      srcOffset: number;
      srcStrides: number[];
      dstOffset: number;
      dstStrides: number[];
      shape: number[];
      dstSize: number;
    }[] = [
      {
        name: 'permute',
        srcOffset: 0,
        srcStrides: [1, 20, 5],
        dstOffset: 0,
        dstStrides: [24, 4, 1],
        shape: [5, 4, 6],
        dstSize: 120,
      },
      {
        name: 'expand',
        srcOffset: 3,
        srcStrides: [0, 1, 0],
        dstOffset: 0,
        dstStrides: [35, 5, 1],
        shape: [2, 7, 5],
        dstSize: 70,
      },
      {
        name: 'slice',
        srcOffset: 31,
        srcStrides: [30, 5, 2],
        dstOffset: 0,
        dstStrides: [6, 2, 1],
        shape: [3, 3, 2],
        dstSize: 18,
      },
      {
        name: 'pad',
        srcOffset: 0,
        srcStrides: [5, 1],
        dstOffset: 8,
        dstStrides: [7, 1],
        shape: [24, 5],
        dstSize: 7 * 26,
      },
      { name: 'flip', srcOffset: 119, srcStrides: [-1], dstOffset: 0, dstStrides: [1], shape: [120], dstSize: 120 },
      {
        name: '9-d',
        srcOffset: 0,
        srcStrides: reversedStrides([2, 2, 2, 2, 2, 2, 2, 2, 2]),
        dstOffset: 0,
        dstStrides: contiguousStrides([2, 2, 2, 2, 2, 2, 2, 2, 2]),
        shape: [2, 2, 2, 2, 2, 2, 2, 2, 2],
        dstSize: 512,
      },
      {
        name: 'zero size',
        srcOffset: 0,
        srcStrides: [5, 1],
        dstOffset: 0,
        dstStrides: [5, 1],
        shape: [0, 5],
        dstSize: 4,
      },
    ];
    for (const c of cases) {
      for (const values of [src, srcInt]) {
        const dstInit = values instanceof Int32Array ? ints(c.dstSize, -5, 5) : floats(c.dstSize);
        const want = dstInit.slice();
        portableCopy(values, c.srcOffset, c.srcStrides, want, c.dstOffset, c.dstStrides, c.shape);
        const dst = be.fromHost(dstInit, false);
        be.copyStrided(be.fromHost(values, false), c.srcOffset, c.srcStrides, dst, c.dstOffset, c.dstStrides, c.shape);
        assertSame(
          await down(be, dst),
          want,
          `copyStrided ${c.name} ${values instanceof Int32Array ? 'int32' : 'float32'}`,
        );
      }
    }
  },
);

gpuTest('webgpu gather and scatterAdd equal portable exactly (repeated indices add in order)', async (be) => {
  const shapes: [outer: number, axis: number, inner: number, m: number][] = [
    [1, 10, 1, 25],
    [3, 7, 5, 12],
    [2, 300, 64, 500],
    [0, 4, 2, 3],
    [2, 5, 3, 0],
  ];
  for (const [outer, axis, inner, m] of shapes) {
    const indices = ints(m, 0, axis - 1);
    const idx = be.fromHost(indices, false);
    for (const int of [false, true]) {
      const src = int ? ints(outer * axis * inner, -99, 99) : floats(outer * axis * inner, 4, []);
      const want = int ? new Int32Array(outer * m * inner) : new Float32Array(outer * m * inner);
      portableGather(src, outer, axis, inner, indices, want);
      const out = be.allocate(int ? 'int32' : 'float32', outer * m * inner, false);
      be.gather(be.fromHost(src, false), outer, axis, inner, idx, out);
      assertSame(await down(be, out), want, `gather [${outer}, ${axis}, ${inner}] m=${m} ${int ? 'int32' : 'float32'}`);

      const g = int ? ints(outer * m * inner, -99, 99) : floats(outer * m * inner, 4, []);
      const acc = int ? ints(outer * axis * inner, -9, 9) : floats(outer * axis * inner, 1, []);
      const wantAcc = acc.slice();
      portableScatterAdd(g, outer, axis, inner, indices, wantAcc);
      const dst = be.fromHost(acc, false);
      be.scatterAdd(be.fromHost(g, false), outer, axis, inner, idx, dst);
      assertSame(
        await down(be, dst),
        wantAcc,
        `scatterAdd [${outer}, ${axis}, ${inner}] m=${m} ${int ? 'int32' : 'float32'}`,
      );
    }
  }
});

// ---------------------------------------------------------------- log-softmax

gpuTest('webgpu logSoftmax and its backward match portable within float32 rounding (±∞ and NaN rows)', async (be) => {
  const shapes: [rows: number, cols: number][] = [
    [1, 1],
    [3, 10],
    [5, 1000],
    [300, 3],
    [2, 64],
    [0, 5],
  ];
  for (const [rows, cols] of shapes) {
    const x = floats(rows * cols, 20, []);
    if (rows >= 3 && cols >= 3) {
      x[0] = Infinity; // a row whose max is +∞: shift 0
      x[cols + 1] = NaN; // a NaN row
      x.fill(-Infinity, 2 * cols, 3 * cols); // an all -∞ row
    }
    const g = floats(rows * cols, 1, []);
    const want = new Float32Array(rows * cols),
      wantStats = new Float32Array(rows * 2),
      wantDx = new Float32Array(rows * cols);
    portableLogSoftmax(x, rows, cols, want, wantStats);
    portableLogSoftmaxBackward(g, x, wantStats, rows, cols, wantDx);
    const xs = be.fromHost(x, false);
    const out = be.allocate('float32', rows * cols, false),
      stats = be.allocate('float32', rows * 2, false),
      dx = be.allocate('float32', rows * cols, false);
    be.logSoftmax(xs, rows, cols, out, stats);
    be.logSoftmaxBackward(be.fromHost(g, false), xs, stats, rows, cols, dx);
    const what = `[${rows}, ${cols}]`;
    // out = (x − m) − log S: each part within a few ulps of the larger of the two.
    const outTol = Array.from(
      want,
      (w, i) =>
        4 * 2 ** -23 * Math.max(1, Math.abs(w), Math.abs(x[i] - wantStats[2 * Math.floor(i / Math.max(cols, 1))])),
    );
    assertClose(await down(be, out), want, 4, `logSoftmax ${what}`, outTol);
    const gotStats = await down(be, stats);
    assertSame(
      gotStats.filter((_, i) => i % 2 === 0),
      wantStats.filter((_, i) => i % 2 === 0),
      `shift ${what}`,
    );
    assertClose(
      gotStats.filter((_, i) => i % 2 === 1),
      wantStats.filter((_, i) => i % 2 === 1),
      2 * cols + 4,
      `Σ exp ${what}`,
    );
    // dx = g + (−Σg/S)·e: a few ulps of |g| and of the second term, plus Σg's rounding
    // (cols ulps of Σ|g|) carried through /S·e.
    const dxTol = Array.from(wantDx, (w, i) => {
      const r = Math.floor(i / cols);
      let absG = 0;
      for (let c = 0; c < cols; c++) absG += Math.abs(g[r * cols + c]);
      const e = Math.exp(Math.fround(x[i] - wantStats[2 * r]));
      return (
        8 * 2 ** -23 * (Math.abs(g[i]) + Math.abs(w - g[i])) + 2 * cols * 2 ** -23 * (absG / wantStats[2 * r + 1]) * e
      );
    });
    assertClose(await down(be, dx), wantDx, 4, `logSoftmaxBackward ${what}`, dxTol);
  }
});

// ---------------------------------------------------------------- fused bias + activation, Adam

gpuTest(
  'webgpu biasActivation and its backward equal portable exactly (in place too; relu masks NaN gradients)',
  async (be) => {
    const shapes: [rows: number, cols: number][] = [
      [1, 1],
      [7, 257],
      [300, 3],
      [1000, 1],
      [0, 4],
    ];
    for (const [rows, cols] of shapes) {
      for (const act of ['linear', 'relu'] as FusedActivation[]) {
        for (const withBias of [true, false]) {
          const x = floats(rows * cols),
            bias = withBias ? floats(cols) : null;
          const want = new Float32Array(rows * cols);
          portableBias(x, bias, rows, cols, act, want);
          const xs = be.fromHost(x, false),
            out = be.allocate('float32', rows * cols, false);
          be.biasActivation(xs, bias && be.fromHost(bias, false), rows, cols, act, out);
          assertSame(await down(be, out), want, `biasActivation ${act} bias=${withBias} [${rows}, ${cols}]`);
          be.biasActivation(xs, bias && be.fromHost(bias, false), rows, cols, act, xs);
          assertSame(await down(be, xs), want, `biasActivation in place ${act} [${rows}, ${cols}]`);

          const g = floats(rows * cols, 2, [NaN, Infinity, -0]);
          const wantDx = new Float32Array(rows * cols),
            wantDb = new Float32Array(cols);
          portableBiasBackward(g, want, rows, cols, act, wantDx, wantDb);
          const dx = be.allocate('float32', rows * cols, false),
            db = be.allocate('float32', cols, false);
          be.biasActivationBackward(be.fromHost(g, false), be.fromHost(want, false), rows, cols, act, dx, db);
          assertSame(await down(be, dx), wantDx, `biasActivationBackward dx ${act} [${rows}, ${cols}]`);
          assertSame(await down(be, db), wantDb, `biasActivationBackward dBias ${act} [${rows}, ${cols}]`);
          const onlyDb = be.allocate('float32', cols, false);
          be.biasActivationBackward(be.fromHost(g, false), be.fromHost(want, false), rows, cols, act, null, onlyDb);
          assertSame(await down(be, onlyDb), wantDb, `dBias alone ${act}`);
        }
      }
    }
  },
);

gpuTest(
  'webgpu adamStep matches portable within float32 rounding (the GPU has no float64), with and without AMSGrad',
  async (be) => {
    for (const n of [1, 257, 5000]) {
      for (const ams of [false, true]) {
        const step = {
          beta1: 0.9,
          beta2: 0.999,
          c1: 0.1,
          c2: 0.001,
          l2: ams ? 0.01 : 0,
          shrink: ams ? 1 : 0.999,
          stepSize: 1e-3 / (1 - 0.9 ** 3),
          invBc2Sqrt: 1 / Math.sqrt(1 - 0.999 ** 3),
          eps: 1e-8,
          sign: ams ? -1 : 1,
        };
        const p = floats(n, 1, []),
          g = floats(n, 1, []),
          m = floats(n, 0.1, []),
          v = floats(n, 0.01, []).map(Math.abs),
          vMax = v.map((x) => x * 1.5);
        const [wp, wm, wv, wvMax] = [p.slice(), m.slice(), v.slice(), vMax.slice()];
        portableAdam(wp, g, wm, wv, ams ? wvMax : null, step);
        const [sp, sm, sv, svMax] = [p, m, v, vMax].map((a) => be.fromHost(a, false));
        be.adamStep(sp, be.fromHost(g, false), sm, sv, ams ? svMax : null, step);
        // m = β₁m + c1·g may cancel: a few ulps of its larger term.
        const mTol = Array.from(
          m,
          (mi, i) => 2 ** -21 * (Math.abs(step.beta1 * mi) + Math.abs(step.c1 * (step.sign * g[i] + step.l2 * p[i]))),
        );
        assertClose(await down(be, sm), wm, 2, `adam m n=${n} ams=${ams}`, mTol);
        assertClose(await down(be, sv), wv, 3, `adam v n=${n} ams=${ams}`);
        if (ams) assertClose(await down(be, svMax), wvMax, 3, `adam vMax n=${n}`);
        // The update's own size times a few ulps, on top of θ's rounding.
        const tol = Array.from(wp, (w, i) => 2 ** -21 * (Math.abs(w) + Math.abs(w - p[i] * step.shrink) * 8));
        assertClose(await down(be, sp), wp, 2, `adam p n=${n} ams=${ams}`, tol);
      }
    }
  },
);

gpuTest(
  'webgpu convolution and pooling kernels equal the portable ones past the grid limit (tails, one gradient at a time, argmax)',
  async () => {
    // 3 workgroups per dimension: each kernel's ~1000 threads fold into a 2-d grid.
    const be = await createWebGPUBackend({ maxWorkgroupsPerDimension: 3 });
    const a: Window2dArgs = {
      batch: 3,
      inH: 15,
      inW: 13,
      channels: 5,
      kH: 3,
      kW: 2,
      outH: 15,
      outW: 13,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 2,
      padTop: 1,
      padLeft: 1,
    };
    const cout = 8;
    const nx = a.batch * a.inH * a.inW * a.channels,
      nOut = a.batch * a.outH * a.outW * cout,
      nk = a.kH * a.kW * a.channels * cout;
    const x = floats(nx, 1, []),
      k = floats(nk, 1, []),
      bias = floats(cout, 1, []),
      g = floats(nOut, 1, []);
    const up = (v: Float32Array): WebGPUStorage => be.fromHost(v, false);
    const gpuOut = (n: number): WebGPUStorage => {
      const s = be.allocate('float32', n, false);
      be.fill(s, NaN); // every element must be written
      return s;
    };
    for (const tail of [null, { bias, activation: 'relu' as const }, { bias: null, activation: 'relu' as const }]) {
      const want = new Float32Array(nOut);
      portableBackend.conv2d(x, k, a, cout, want, false, tail);
      const got = gpuOut(nOut);
      const gpuTail = tail && { bias: tail.bias && up(tail.bias), activation: tail.activation };
      be.conv2d(up(x), up(k), a, cout, got, false, gpuTail);
      assertClose(await down(be, got), want, 64, `conv2d tail ${JSON.stringify(tail && tail.activation)}`, 1e-5);
    }
    const wantDx = new Float32Array(nx),
      wantDk = new Float32Array(nk);
    portableBackend.conv2dBackward(x, k, g, a, cout, wantDx, wantDk);
    const dx = gpuOut(nx),
      dk = gpuOut(nk);
    be.conv2dBackward(up(x), up(k), up(g), a, cout, dx, null);
    be.conv2dBackward(up(x), up(k), up(g), a, cout, null, dk);
    assertClose(await down(be, dx), wantDx, 64, 'conv2dBackward dx', 1e-5);
    assertClose(await down(be, dk), wantDk, 64, 'conv2dBackward dk', 1e-4);
    // Pooling over the same geometry: 3×2 windows, dilated columns, 'same'-style offsets.
    const np = a.batch * a.outH * a.outW * a.channels;
    const xp = floats(np, 4); // with NaN, ±∞ and ±0
    const gp = floats(np, 1, []);
    const wantMax = new Float32Array(np),
      wantArg = new Int32Array(np);
    portableBackend.maxPool2d(xp, a, wantMax, wantArg);
    const max = gpuOut(np),
      arg = be.allocate('int32', np, false);
    be.maxPool2d(up(xp), a, max, arg);
    assertSame(await down(be, max), wantMax, 'maxPool2d');
    assertSame(await down(be, arg), wantArg, 'maxPool2d argmax');
    const wantMaxDx = new Float32Array(nx);
    portableBackend.maxPool2dBackward(gp, wantArg, a, wantMaxDx);
    const maxDx = gpuOut(nx);
    be.maxPool2dBackward(up(gp), be.fromHost(wantArg, true), a, maxDx);
    assertSame(await down(be, maxDx), wantMaxDx, 'maxPool2dBackward');
    const wantAvg = new Float32Array(np),
      wantAvgDx = new Float32Array(nx);
    portableBackend.avgPool2d(xp, a, wantAvg);
    portableBackend.avgPool2dBackward(gp, a, wantAvgDx);
    const avg = gpuOut(np),
      avgDx = gpuOut(nx);
    be.avgPool2d(up(xp), a, avg);
    be.avgPool2dBackward(up(gp), a, avgDx);
    // The mean divides by a float32 count (the portable kernel scales in float64): a few ulps.
    assertClose(await down(be, avg), wantAvg, 4, 'avgPool2d', 1e-6);
    assertClose(await down(be, avgDx), wantAvgDx, 4, 'avgPool2dBackward', 1e-7);
  },
);

gpuTest(
  'webgpu past the workgroup grid limit (3 per dimension here): 2-d grids and chunked matmul dispatches',
  async () => {
    const be = await createWebGPUBackend({ maxWorkgroupsPerDimension: 3 });
    // 1-d kernels: 11 workgroups of 256 fold into 3 × 4.
    const n = 11 * 256 - 5;
    const x = floats(n),
      y = floats(n);
    const want = new Float32Array(n);
    portable.binary('mul', x, [1], y, [1], [n], want);
    const out = be.allocate('float32', n, false);
    be.binary('mul', be.fromHost(x, false), [1], be.fromHost(y, false), [1], [n], out);
    assertSame(await down(be, out), want, 'binary over a folded grid');
    // Workgroup-per-row kernels: 5 and 10 rows fold into 3 × 2 and 3 × 4.
    const r = floats(5 * 1500, 4, []);
    const wantMax = new Float32Array(5),
      gotMax = be.allocate('float32', 5, false);
    portableReduce('max', r, 5, 1500, 1, wantMax);
    be.reduce('max', be.fromHost(r, false), 5, 1500, 1, gotMax);
    assertSame(await down(be, gotMax), wantMax, 'tree reduce over a folded grid');
    const s = floats(10 * 70, 5, []);
    const wantLs = new Float32Array(s.length),
      stats = new Float32Array(20);
    portableLogSoftmax(s, 10, 70, wantLs, stats);
    const ls = be.allocate('float32', s.length, false);
    be.logSoftmax(be.fromHost(s, false), 10, 70, ls, be.allocate('float32', 20, false));
    assertClose(await down(be, ls), wantLs, 8, 'logSoftmax over a folded grid', 1e-6);
    // matmul: 4 row tiles, 5 column tiles and 4 batch items, each axis in two dispatches.
    const args: MatmulArgs = {
      m: 200,
      k: 5,
      n: 300,
      transA: false,
      transB: false,
      batch: 4,
      aBatchStride: 1000,
      bBatchStride: 1500,
    };
    const a = floats(4000, 1, []),
      b = floats(6000, 1, []);
    const wantC = new Float32Array(4 * 200 * 300),
      absC = new Float32Array(wantC.length);
    portableMatmul(a, b, wantC, args);
    portableMatmul(a.map(Math.abs), b.map(Math.abs), absC, args);
    const c = be.allocate('float32', wantC.length, false);
    be.fill(c, NaN);
    be.matmul(be.fromHost(a, false), be.fromHost(b, false), c, args);
    assertClose(
      await down(be, c),
      wantC,
      0,
      'matmul in chunks',
      Array.from(absC, (v) => 12 * 2 ** -24 * v),
    );
  },
);
