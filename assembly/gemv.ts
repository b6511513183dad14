/**
 * float32 matrix-vector products: the one-row case of gemm (batch-1 decoding, where every layer
 * is [1, k] · op(B)). The packed GEMM would copy all of B into its packed panel for a single use
 * (as much memory traffic as the product itself) and run 6-row register tiles with one row in use,
 * a sixth of the multiply-adds doing work. These read B once, in the order it is stored:
 *   B stored [n, k] (transB, a Linear layer's weight [out, in]): four dot products at a time, four
 *     rows of B against the vector, SIMD along k;
 *   B stored [k, n]: C += x[p] · B[p, :], SIMD along n, 16 columns of C held in registers.
 * All pointers are byte addresses; x and c are contiguous (a one-row A is contiguous either way).
 */

// @ts-ignore: decorator
@inline
function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  const s = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(s, i32x4.shuffle(s, s, 1, 0, 3, 2)), 0);
}

/** c[j] = Σ_p x[p] · b[j, p] for j in [col0, col1); b is [n, k] row-major. */
export function gemvTrans(x: usize, b: usize, c: usize, k: i32, col0: i32, col1: i32): void {
  const k4 = k & ~3;
  const row = (<usize>k) << 2;
  let j = col0;
  for (; j + 4 <= col1; j += 4) {
    const b0 = b + <usize>j * row;
    const b1 = b0 + row,
      b2 = b1 + row,
      b3 = b2 + row;
    let a0 = f32x4.splat(0),
      a1 = f32x4.splat(0),
      a2 = f32x4.splat(0),
      a3 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = (<usize>p) << 2;
      const xv = v128.load(x + o);
      a0 = fma(xv, v128.load(b0 + o), a0);
      a1 = fma(xv, v128.load(b1 + o), a1);
      a2 = fma(xv, v128.load(b2 + o), a2);
      a3 = fma(xv, v128.load(b3 + o), a3);
    }
    let s0 = hsum(a0),
      s1 = hsum(a1),
      s2 = hsum(a2),
      s3 = hsum(a3);
    for (let p = k4; p < k; p++) {
      const o = (<usize>p) << 2;
      const xp = load<f32>(x + o);
      s0 += xp * load<f32>(b0 + o);
      s1 += xp * load<f32>(b1 + o);
      s2 += xp * load<f32>(b2 + o);
      s3 += xp * load<f32>(b3 + o);
    }
    const cj = c + ((<usize>j) << 2);
    store<f32>(cj, s0);
    store<f32>(cj, s1, 4);
    store<f32>(cj, s2, 8);
    store<f32>(cj, s3, 12);
  }
  for (; j < col1; j++) {
    const bj = b + <usize>j * row;
    let acc = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = (<usize>p) << 2;
      acc = fma(v128.load(x + o), v128.load(bj + o), acc);
    }
    let s = hsum(acc);
    for (let p = k4; p < k; p++) s += load<f32>(x + ((<usize>p) << 2)) * load<f32>(bj + ((<usize>p) << 2));
    store<f32>(c + ((<usize>j) << 2), s);
  }
}

/** c[j] = Σ_p x[p] · b[p, j] for j in [col0, col1); b is [k, n] row-major. */
export function gemvPlain(x: usize, b: usize, c: usize, k: i32, n: i32, col0: i32, col1: i32): void {
  const row = (<usize>n) << 2;
  let j = col0;
  for (; j + 16 <= col1; j += 16) {
    let a0 = f32x4.splat(0),
      a1 = f32x4.splat(0),
      a2 = f32x4.splat(0),
      a3 = f32x4.splat(0);
    let bp = b + ((<usize>j) << 2);
    for (let p = 0; p < k; p++) {
      const xv = v128.load32_splat(x + ((<usize>p) << 2));
      a0 = fma(xv, v128.load(bp), a0);
      a1 = fma(xv, v128.load(bp, 16), a1);
      a2 = fma(xv, v128.load(bp, 32), a2);
      a3 = fma(xv, v128.load(bp, 48), a3);
      bp += row;
    }
    const cj = c + ((<usize>j) << 2);
    v128.store(cj, a0);
    v128.store(cj, a1, 16);
    v128.store(cj, a2, 32);
    v128.store(cj, a3, 48);
  }
  for (; j + 4 <= col1; j += 4) {
    let acc = f32x4.splat(0);
    let bp = b + ((<usize>j) << 2);
    for (let p = 0; p < k; p++) {
      acc = fma(v128.load32_splat(x + ((<usize>p) << 2)), v128.load(bp), acc);
      bp += row;
    }
    v128.store(c + ((<usize>j) << 2), acc);
  }
  for (; j < col1; j++) {
    let s: f32 = 0;
    for (let p = 0; p < k; p++)
      s += load<f32>(x + ((<usize>p) << 2)) * load<f32>(b + <usize>p * row + ((<usize>j) << 2));
    store<f32>(c + ((<usize>j) << 2), s);
  }
}
