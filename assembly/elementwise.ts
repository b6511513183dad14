/**
 * Elementwise and reduction kernels over float32, four lanes at a time and without branches
 * (TurboFan compiles the TypeScript `v > 0 ? v : 0` to a branch, which costs a misprediction on
 * every other element of real activations). Results equal the portable backend's exactly, except
 * exp and sigmoid, which use a polynomial good to a few float32 ulps.
 */

import { BinaryCode, ReduceCode, UnaryCode } from './generated/protocol';

/**
 * exp4's constants, each splat over a 16-byte row, read from memory. As v128.const splats V8
 * rebuilds every one of them in the loop on each pass (three instructions each: 14 constants
 * outnumber the free vector registers, and V8 rematerializes constants rather than spill them);
 * a load is one instruction. Row order: see exp4.
 */
const EXP_CONSTANTS = memory.data<f32>(
  [
    -104, -104, -104, -104, 89, 89, 89, 89, 12582912, 12582912, 12582912, 12582912, 1.44269504088896341,
    1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 0.693359375, 0.693359375, 0.693359375, 0.693359375,
    -2.1219444e-4, -2.1219444e-4, -2.1219444e-4, -2.1219444e-4, 1.98756915e-4, 1.98756915e-4, 1.98756915e-4,
    1.98756915e-4, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 8.3334519073e-3, 8.3334519073e-3,
    8.3334519073e-3, 8.3334519073e-3, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
    1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 5.0000001201e-1, 5.0000001201e-1,
    5.0000001201e-1, 5.0000001201e-1, 1, 1, 1, 1,
  ],
  16,
);
/** 127 in each i32 lane: the exponent bias. */
const EXP_BIAS = memory.data<i32>([127, 127, 127, 127], 16);

/**
 * e^x for four lanes: x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by a
 * degree-7 polynomial (Cephes expf), and 2^n applied in two halves so results that are subnormal
 * or overflow come out as they should (0 < e^x < 2^-126 or +Infinity). NaN stays NaN.
 *
 * Written for the code V8 makes of it on x64: the constants come from memory (EXP_CONSTANTS), the
 * clamp uses pmin/pmax (one instruction each; wasm's min/max, which order NaN and ±0, take about
 * seven), and n = nearest(x·log2 e) comes from adding 1.5·2²³, which rounds to an integer exactly
 * as `nearest` does (ties to even) and leaves that integer in the low bits, so no trunc_sat (about
 * eight instructions) is needed. The same results bit for bit as the straightforward form (a NaN
 * lane goes through as garbage and is put back at the end). A million floats on one thread (Xeon,
 * Node 20): 2.9 ms before these three changes, 1.7 ms after.
 */
// @ts-ignore: decorator
@inline
export function exp4(x: v128): v128 {
  const k = EXP_CONSTANTS;
  const xc = f32x4.pmin(f32x4.pmax(x, v128.load(k)), v128.load(k, 16));
  // |xc·log2 e| < 2²², so the sum lies in [2²³, 2²⁴), where the floats are the integers.
  const magic = v128.load(k, 32);
  const t = f32x4.add(f32x4.mul(xc, v128.load(k, 48)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(n, v128.load(k, 64)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load(k, 80)));
  let p = v128.load(k, 96);
  p = f32x4.add(f32x4.mul(p, r), v128.load(k, 112));
  p = f32x4.add(f32x4.mul(p, r), v128.load(k, 128));
  p = f32x4.add(f32x4.mul(p, r), v128.load(k, 144));
  p = f32x4.add(f32x4.mul(p, r), v128.load(k, 160));
  p = f32x4.add(f32x4.mul(p, r), v128.load(k, 176));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), v128.load(k, 192));
  const ni = i32x4.sub(t, magic);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = v128.load(EXP_BIAS);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  const y = f32x4.mul(f32x4.mul(p, s1), s2);
  // NaN in, NaN out (the clamp above turned it into a number).
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/** tanh4's constants, splat over 16-byte rows like EXP_CONSTANTS: its polynomial, 0.625, 2, 1. */
const TANH_CONSTANTS = memory.data<f32>(
  [
    -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, 2.06390887954e-2, 2.06390887954e-2,
    2.06390887954e-2, 2.06390887954e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2,
    1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, -3.33332819422e-1, -3.33332819422e-1,
    -3.33332819422e-1, -3.33332819422e-1, 0.625, 0.625, 0.625, 0.625, 2, 2, 2, 2, 1, 1, 1, 1,
  ],
  16,
);

/**
 * tanh for four lanes (Cephes tanhf): below |x| = 0.625 the odd polynomial x + x³·P(x²), where
 * 1 − 2/(e^{2|x|} + 1) would cancel; that form above it (e^{2|x|} overflowing to ∞ gives 1). Both
 * on |x|, then x's sign bit put back, so tanh(−0) = −0 and the function is odd exactly. NaN stays
 * NaN (it takes the polynomial branch).
 */
// @ts-ignore: decorator
@inline
export function tanh4(x: v128): v128 {
  const k = TANH_CONSTANTS;
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let p = v128.load(k);
  p = f32x4.add(f32x4.mul(p, z), v128.load(k, 16));
  p = f32x4.add(f32x4.mul(p, z), v128.load(k, 32));
  p = f32x4.add(f32x4.mul(p, z), v128.load(k, 48));
  p = f32x4.add(f32x4.mul(p, z), v128.load(k, 64));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), a), a);
  const one = v128.load(k, 112);
  const e = exp4(f32x4.add(a, a));
  const large = f32x4.sub(one, f32x4.div(v128.load(k, 96), f32x4.add(e, one)));
  const t = v128.bitselect(large, small, f32x4.gt(a, v128.load(k, 80)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// @ts-ignore: decorator
@inline
function unary4(op: i32, v: v128): v128 {
  const zero = f32x4.splat(0),
    one = f32x4.splat(1);
  switch (op) {
    case UnaryCode.neg:
      return f32x4.neg(v);
    case UnaryCode.abs:
      return f32x4.abs(v);
    case UnaryCode.sqrt:
      return f32x4.sqrt(v);
    case UnaryCode.square:
      return f32x4.mul(v, v);
    case UnaryCode.reciprocal:
      return f32x4.div(one, v);
    // v > 0 || v is NaN ? v : 0: NaN stays NaN (as in PyTorch) and -0 gives +0, as in the portable loop.
    case UnaryCode.relu:
      return v128.and(v, v128.or(f32x4.gt(v, zero), f32x4.ne(v, v)));
    case UnaryCode.step:
      return v128.and(one, f32x4.gt(v, zero));
    // 1, -1, or v itself for ±0 and NaN.
    case UnaryCode.sign:
      return v128.bitselect(one, v128.bitselect(f32x4.neg(one), v, f32x4.lt(v, zero)), f32x4.gt(v, zero));
    case UnaryCode.floor:
      return f32x4.floor(v);
    case UnaryCode.ceil:
      return f32x4.ceil(v);
    case UnaryCode.exp:
      return exp4(v);
    case UnaryCode.tanh:
      return tanh4(v);
    case UnaryCode.sigmoid:
      return sigmoid4(v);
  }
  return v;
}

/**
 * The logistic function for four lanes. With e = exp(−|v|) ≤ 1 nothing overflows: v ≥ 0 gives
 * 1/(1+e), v < 0 gives e/(1+e).
 */
// @ts-ignore: decorator
@inline
export function sigmoid4(v: v128): v128 {
  const one = f32x4.splat(1);
  const e = exp4(f32x4.neg(f32x4.abs(v)));
  const d = f32x4.add(one, e);
  return v128.bitselect(f32x4.div(e, d), f32x4.div(one, d), f32x4.lt(v, f32x4.splat(0)));
}

/**
 * out[i] = op(x[i]) for n floats; x and out may be the same address. One loop per op: each call
 * below inlines `unaryLoop` with a constant op, so the switch in unary4 folds away and the loop
 * body is that op alone (relu and neg: 0.37 → 0.31 ms per million floats on one thread).
 */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case UnaryCode.neg:
      unaryLoop(UnaryCode.neg, x, out, n);
      break;
    case UnaryCode.abs:
      unaryLoop(UnaryCode.abs, x, out, n);
      break;
    case UnaryCode.sqrt:
      unaryLoop(UnaryCode.sqrt, x, out, n);
      break;
    case UnaryCode.square:
      unaryLoop(UnaryCode.square, x, out, n);
      break;
    case UnaryCode.reciprocal:
      unaryLoop(UnaryCode.reciprocal, x, out, n);
      break;
    case UnaryCode.relu:
      unaryLoop(UnaryCode.relu, x, out, n);
      break;
    case UnaryCode.step:
      unaryLoop(UnaryCode.step, x, out, n);
      break;
    case UnaryCode.sign:
      unaryLoop(UnaryCode.sign, x, out, n);
      break;
    case UnaryCode.floor:
      unaryLoop(UnaryCode.floor, x, out, n);
      break;
    case UnaryCode.ceil:
      unaryLoop(UnaryCode.ceil, x, out, n);
      break;
    case UnaryCode.exp:
      unaryLoop(UnaryCode.exp, x, out, n);
      break;
    case UnaryCode.sigmoid:
      unaryLoop(UnaryCode.sigmoid, x, out, n);
      break;
    case UnaryCode.tanh:
      unaryLoop(UnaryCode.tanh, x, out, n);
      break;
  }
}

// @ts-ignore: decorator
@inline
function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, unary4(op, v128.load(x + o)));
  }
  const rem = n - i;
  if (rem > 0) {
    // The last 1–3 floats go through one zero-padded vector; only their lanes are stored.
    const p = x + ((<usize>i) << 2),
      q = out + ((<usize>i) << 2);
    let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
    if (rem > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
    if (rem > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
    v = unary4(op, v);
    store<f32>(q, f32x4.extract_lane(v, 0));
    if (rem > 1) store<f32>(q, f32x4.extract_lane(v, 1), 4);
    if (rem > 2) store<f32>(q, f32x4.extract_lane(v, 2), 8);
  }
}

// @ts-ignore: decorator
@inline
function binary4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BinaryCode.add:
      return f32x4.add(a, b);
    case BinaryCode.sub:
      return f32x4.sub(a, b);
    case BinaryCode.mul:
      return f32x4.mul(a, b);
    case BinaryCode.div:
      return f32x4.div(a, b);
    // a >= b || a is NaN ? a : b — exactly the portable rule (NaN from a wins, ties keep a).
    case BinaryCode.maximum:
      return v128.bitselect(a, b, v128.or(f32x4.ge(a, b), f32x4.ne(a, a)));
    case BinaryCode.minimum:
      return v128.bitselect(a, b, v128.or(f32x4.le(a, b), f32x4.ne(a, a)));
  }
  return a;
}

// @ts-ignore: decorator
@inline
function binary1(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BinaryCode.add:
      return a + b;
    case BinaryCode.sub:
      return a - b;
    case BinaryCode.mul:
      return a * b;
    case BinaryCode.div:
      return a / b;
    case BinaryCode.maximum:
      return a >= b || a != a ? a : b;
    case BinaryCode.minimum:
      return a <= b || a != a ? a : b;
  }
  return a;
}

/**
 * out[i, j] = a[i·sa + j·ta] op b[i·sb + j·tb] over rows × cols, out contiguous. The inner strides
 * ta, tb are 0 (a broadcast value) or 1 (contiguous): the cases that cover same-shape operands,
 * scalars, and a bias row added to every row.
 */
export function binary(
  op: i32,
  a: usize,
  sa: i32,
  ta: i32,
  b: usize,
  sb: i32,
  tb: i32,
  out: usize,
  rows: i32,
  cols: i32,
): void {
  let o = out;
  for (let r = 0; r < rows; r++) {
    const ar = a + ((<usize>(r * sa)) << 2),
      br = b + ((<usize>(r * sb)) << 2);
    let j = 0;
    if (ta == 1 && tb == 1) {
      for (; j + 4 <= cols; j += 4) {
        const q = (<usize>j) << 2;
        v128.store(o + q, binary4(op, v128.load(ar + q), v128.load(br + q)));
      }
    } else if (ta == 1) {
      const bv = v128.load32_splat(br);
      for (; j + 4 <= cols; j += 4) {
        const q = (<usize>j) << 2;
        v128.store(o + q, binary4(op, v128.load(ar + q), bv));
      }
    } else if (tb == 1) {
      const av = v128.load32_splat(ar);
      for (; j + 4 <= cols; j += 4) {
        const q = (<usize>j) << 2;
        v128.store(o + q, binary4(op, av, v128.load(br + q)));
      }
    }
    for (; j < cols; j++) {
      store<f32>(
        o + ((<usize>j) << 2),
        binary1(op, load<f32>(ar + ((<usize>(j * ta)) << 2)), load<f32>(br + ((<usize>(j * tb)) << 2))),
      );
    }
    o += (<usize>cols) << 2;
  }
}

/**
 * Reduce x viewed as [outer, size, inner] over the middle axis into out [outer, inner]. With
 * inner = 1 the sum keeps four partial sums in float64, exactly like the portable loop (so the
 * results are identical); with inner > 1 it adds row after row in float32, again as portable does.
 */
export function reduce(op: i32, x: usize, outer: i32, size: i32, inner: i32, out: usize): void {
  for (let o = 0; o < outer; o++) {
    const base = x + ((<usize>(o * size) * <usize>inner) << 2);
    const dst = out + ((<usize>(o * inner)) << 2);
    if (inner == 1) store<f32>(dst, reduceRow(op, base, size));
    else reduceColumns(op, base, size, inner, dst);
  }
}

function reduceRow(op: i32, x: usize, size: i32): f32 {
  if (op == ReduceCode.sum) return sumRow(x, size);
  if (op == ReduceCode.max) return maxRow(x, size);
  // min: the first NaN wins (it propagates), as in the portable loop.
  let best = load<f32>(x);
  for (let r = 1; r < size; r++) {
    const v = load<f32>(x + ((<usize>r) << 2));
    if (v < best || v != v) best = v;
    if (best != best) break;
  }
  return best;
}

/**
 * Σ of size floats at x in the portable backend's order (rowSum in portable/reduce.ts): four
 * partial sums in float64, lanes 0–3 of each vector, the leftovers into the first.
 */
// @ts-ignore: decorator
@inline
export function sumRow(x: usize, size: i32): f32 {
  let s01 = f64x2.splat(0),
    s23 = f64x2.splat(0);
  let r = 0;
  for (; r + 4 <= size; r += 4) {
    const v = v128.load(x + ((<usize>r) << 2));
    s01 = f64x2.add(s01, f64x2.promote_low_f32x4(v));
    s23 = f64x2.add(s23, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  let s0 = f64x2.extract_lane(s01, 0);
  for (; r < size; r++) s0 += <f64>load<f32>(x + ((<usize>r) << 2));
  return <f32>(s0 + f64x2.extract_lane(s01, 1) + f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1));
}

/**
 * max of size ≥ 1 floats at x, exactly as the portable loop finds it: four lanes at a time, which
 * agrees with the loop whenever the row holds no NaN and its max is not zero (a unique value
 * then, whatever the order of comparisons). A NaN (the loop returns the first) or a zero max (the
 * loop keeps the first of −0 and +0) sends the row to the loop itself. (The loop alone took
 * 2.7 ms for the rows of an 8192×128 matrix, this 0.54 ms, one thread.)
 */
export function maxRow(x: usize, size: i32): f32 {
  if (size < 8) return maxRowInOrder(x, size);
  let acc = v128.load(x);
  let nan = f32x4.ne(acc, acc);
  let r = 4;
  for (; r + 4 <= size; r += 4) {
    const v = v128.load(x + ((<usize>r) << 2));
    // pmax is one instruction (wasm's max orders NaN and ±0, which are dealt with apart here).
    acc = f32x4.pmax(acc, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  let best = max(
    max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
    max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)),
  );
  for (; r < size; r++) {
    const v = load<f32>(x + ((<usize>r) << 2));
    if (v != v) return maxRowInOrder(x, size);
    if (v > best) best = v;
  }
  if (v128.any_true(nan) || best == 0) return maxRowInOrder(x, size);
  return best;
}

/** The portable loop's max, comparison by comparison: the first NaN wins, ties keep the first. */
function maxRowInOrder(x: usize, size: i32): f32 {
  let best = load<f32>(x);
  for (let r = 1; r < size; r++) {
    const v = load<f32>(x + ((<usize>r) << 2));
    if (v > best || v != v) best = v;
    if (best != best) break;
  }
  return best;
}

function reduceColumns(op: i32, x: usize, size: i32, inner: i32, dst: usize): void {
  const rowBytes = (<usize>inner) << 2;
  let i = 0;
  for (; i + 4 <= inner; i += 4) {
    let p = x + ((<usize>i) << 2);
    let acc = op == ReduceCode.sum ? f32x4.splat(0) : v128.load(p);
    if (op != ReduceCode.sum) p += rowBytes;
    for (let r = op == ReduceCode.sum ? 0 : 1; r < size; r++, p += rowBytes) {
      const v = v128.load(p);
      if (op == ReduceCode.sum) acc = f32x4.add(acc, v);
      else {
        const wins = v128.or(op == ReduceCode.max ? f32x4.gt(v, acc) : f32x4.lt(v, acc), f32x4.ne(v, v));
        acc = v128.bitselect(v, acc, wins);
      }
    }
    v128.store(dst + ((<usize>i) << 2), acc);
  }
  for (; i < inner; i++) {
    let p = x + ((<usize>i) << 2);
    let acc: f32 = op == ReduceCode.sum ? 0 : load<f32>(p);
    for (let r = op == ReduceCode.sum ? 0 : 1; r < size; r++) {
      const v = load<f32>(p + <usize>r * rowBytes);
      if (op == ReduceCode.sum) acc += v;
      else if (v != v || (op == ReduceCode.max ? v > acc : v < acc)) acc = v;
    }
    store<f32>(dst + ((<usize>i) << 2), acc);
  }
}
