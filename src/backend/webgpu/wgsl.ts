/**
 * WGSL shared by the kernels: the parameter block, the thread index, float32 bit tests and the
 * conversions that must match the CPU backends bit for bit.
 *
 * Why bit tests: WGSL lets a compiler assume that NaN and ±∞ never occur, so `x != x` or
 * `x == inf` may be folded away; tests on the bits cannot be. For the same reason NaN and ∞ are
 * made from bits at run time (a constant expression that evaluates to one is a shader error).
 */
import type { DType } from '../types.js';
import { WG } from './device.js';

/** The WGSL element type of a dtype. */
export function wgslType(dtype: DType): 'f32' | 'i32' {
  return dtype === 'int32' ? 'i32' : 'f32';
}

/** Storage bindings from 1 on, in order. All read_write: a kernel may run in place (x and out one
 * buffer), and WebGPU allows a buffer bound twice only when every binding of it is read_write. */
export function bindings(list: readonly [name: string, type: 'f32' | 'i32' | 'u32'][]): string {
  return list
    .map(([name, type], i) => `@group(0) @binding(${i + 1}) var<storage, read_write> ${name}: array<${type}>;`)
    .join('\n');
}

export const PRELUDE = /* wgsl */ `
struct Params { v: array<vec4<u32>, 16> }
@group(0) @binding(0) var<uniform> P: Params;
fn pu(i: u32) -> u32 { return P.v[i >> 2u][i & 3u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }

fn from_bits(b: u32) -> f32 { return bitcast<f32>(b); }
fn nan() -> f32 { return from_bits(0x7fc00000u); }
fn inf() -> f32 { return from_bits(0x7f800000u); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
fn with_sign_of(x: f32, s: f32) -> f32 {
  return from_bits((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}

// JavaScript's ToInt32 of a float32 (what storing into an Int32Array does): truncate toward zero,
// NaN and ±∞ give 0, and values past the int32 range wrap modulo 2^32 (WGSL's i32() saturates).
fn to_i32(x: f32) -> i32 {
  let u = bitcast<u32>(x);
  let e = i32((u >> 23u) & 0xffu) - 127;
  if (e < 31) { return i32(trunc(x)); }
  if (e == 128) { return 0; }
  let sh = u32(e - 23);
  var r = 0u;
  if (sh < 32u) { r = ((u & 0x7fffffu) | 0x800000u) << sh; }
  if ((u >> 31u) != 0u) { r = 0u - r; }
  return bitcast<i32>(r);
}
fn f32_of_f32(x: f32) -> f32 { return x; }
fn f32_of_i32(x: i32) -> f32 { return f32(x); }
fn i32_of_f32(x: f32) -> i32 { return to_i32(x); }
fn i32_of_i32(x: i32) -> i32 { return x; }
`;

/** \`to_from(x)\`: the WGSL call converting a value of type \`from\` to \`to\` as an Int32Array/Float32Array store would. */
export function convert(to: 'f32' | 'i32', from: 'f32' | 'i32', expr: string): string {
  return `${to}_of_${from}(${expr})`;
}

/**
 * The entry point of a one-thread-per-element kernel over pu(0) elements, launched by
 * Queue.dispatch1d (a 2-d grid past 65535 workgroups, folded back here). `i` is the element.
 */
export const MAIN_1D = /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= pu(0u)) { return; }
`;

/**
 * float32 exp, log, tanh, sigmoid, sin and cos within 1–2 ulps (Cephes' reductions and polynomials), so
 * results do not depend on the GPU: WGSL only promises 3 + 2|x| ulps for exp, 2^-21 absolute for
 * log near 1 and 2^-11 absolute for sin/cos, and a tanh that may overflow to NaN.
 */
export const MATH = /* wgsl */ `
fn exp_(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72283) { return inf(); }
  if (x < -103.97208) { return 0.0; }
  let z = floor(1.44269504088896341 * x + 0.5);
  let r = (x - z * 0.693359375) - z * -2.12194440e-4;
  var y = 1.9875691500e-4;
  y = y * r + 1.3981999507e-3;
  y = y * r + 8.3334519073e-3;
  y = y * r + 4.1665795894e-2;
  y = y * r + 1.6666665459e-1;
  y = y * r + 5.0000001201e-1;
  y = y * (r * r) + r + 1.0;
  return ldexp(y, i32(z));
}

fn log_(x0: f32) -> f32 {
  if (is_nan(x0) || x0 < 0.0) { return nan(); }
  if (x0 == 0.0) { return -inf(); }
  if (is_inf(x0)) { return x0; }
  let fr = frexp(x0);
  var e = f32(fr.exp);
  var x = fr.fract;
  if (x < 0.707106781186547524) { e -= 1.0; x = x + x - 1.0; } else { x -= 1.0; }
  let z = x * x;
  var y = 7.0376836292e-2;
  y = y * x - 1.1514610310e-1;
  y = y * x + 1.1676998740e-1;
  y = y * x - 1.2420140846e-1;
  y = y * x + 1.4249322787e-1;
  y = y * x - 1.6668057665e-1;
  y = y * x + 2.0000714765e-1;
  y = y * x - 2.4999993993e-1;
  y = y * x + 3.3333331174e-1;
  y = y * x * z;
  y += -2.12194440e-4 * e;
  y -= 0.5 * z;
  return (x + y) + 0.693359375 * e;
}

fn tanh_(x: f32) -> f32 {
  let a = abs(x);
  if (is_nan(x)) { return x; }
  if (a > 9.0) { return with_sign_of(1.0, x); }
  if (a >= 0.625) { return with_sign_of(1.0 - 2.0 / (exp_(2.0 * a) + 1.0), x); }
  let z = x * x;
  var y = -5.70498872745e-3;
  y = y * z + 2.06390887954e-2;
  y = y * z - 5.37397155531e-2;
  y = y * z + 1.33314422036e-1;
  y = y * z - 3.33332819422e-1;
  return y * z * x + x;
}

fn sigmoid_(v: f32) -> f32 {
  // Two branches keep exp's argument non-positive, so neither overflows.
  if (v >= 0.0) { return 1.0 / (1.0 + exp_(-v)); }
  let e = exp_(v);
  return e / (1.0 + e);
}

// sin (cosine = false) or cos of x: reduction by π/4 in three parts whose products are exact while
// |x| < 8192 (about 1e-7 absolute there, growing with |x| past it). From 2^20 on, where a float32
// is a multiple of 1/8 and this reduction would be meaningless, the GPU's own sin/cos.
fn sincos_(x0: f32, cosine: bool) -> f32 {
  if (!is_finite(x0)) { return nan(); }
  if (abs(x0) >= 1048576.0) { return select(sin(x0), cos(x0), cosine); }
  var negate = !cosine && x0 < 0.0;
  let ax = abs(x0);
  var j = u32(ax * 1.27323954473516);
  var y = f32(j);
  if ((j & 1u) == 1u) { j += 1u; y += 1.0; }
  j = j & 7u;
  if (j > 3u) { negate = !negate; j -= 4u; }
  if (cosine && j > 1u) { negate = !negate; }
  let x = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = x * x;
  var r: f32;
  if ((j == 1u || j == 2u) != cosine) {
    r = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  } else {
    r = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * x + x;
  }
  return select(r, -r, negate);
}
`;
