/**
 * The machine's ceiling for these kernels: 12 independent chains of 128-bit multiply-adds (the
 * GEMM micro-kernel's shape, with no memory traffic), for `iters` rounds, i.e. 96·iters flops.
 * The benchmark times it so that GEMM figures can be read against what one core can do at all
 * with WebAssembly SIMD. Returns a lane of the sum so the work cannot be optimised away.
 */

// @ts-ignore: decorator
@inline
function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

export function fmaPeak(iters: i32): f32 {
  const z = f32x4.splat(0);
  let a0 = z,
    a1 = z,
    a2 = z,
    a3 = z,
    a4 = z,
    a5 = z,
    a6 = z,
    a7 = z,
    a8 = z,
    a9 = z,
    a10 = z,
    a11 = z;
  const x = f32x4.splat(1.0000001),
    y = f32x4.splat(0.9999999);
  for (let i = 0; i < iters; i++) {
    a0 = fma(x, y, a0);
    a1 = fma(x, y, a1);
    a2 = fma(x, y, a2);
    a3 = fma(x, y, a3);
    a4 = fma(x, y, a4);
    a5 = fma(x, y, a5);
    a6 = fma(x, y, a6);
    a7 = fma(x, y, a7);
    a8 = fma(x, y, a8);
    a9 = fma(x, y, a9);
    a10 = fma(x, y, a10);
    a11 = fma(x, y, a11);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
