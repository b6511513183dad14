/**
 * Elementwise kernels: unary, binary (broadcasting through strides), where, fill and cast.
 * Float ops compute in float32 and int32 ops in wrapping int32, and every result is stored as an
 * Int32Array/Float32Array store would convert it (to_i32), so they match the portable backend:
 * exactly for arithmetic, comparisons, selection and rounding, within a few ulps for the rest
 * (WGSL's division and sqrt are not correctly rounded; exp, log, tanh, sin and cos are wgsl.ts's).
 */
import type { BinaryOp, Shape, UnaryOp } from '../types.js';
import { contiguousStrides } from '../strided.js';
import { floatBits, type Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { runStrided, offsetsFn } from './strided.js';
import { MAIN_1D, MATH, PRELUDE, bindings, convert, wgslType } from './wgsl.js';

const FLOAT_FUNCTIONS = /* wgsl */ `
// The portable backend's erf: a Maclaurin series below 0.5, Numerical Recipes' erfc fit above.
fn erf_(x: f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.5) {
    let x2 = x * x;
    var term = x;
    var sum = x;
    for (var k = 1; k < 12; k++) {
      term *= -x2 / f32(k);
      sum += term / f32(2 * k + 1);
    }
    return 1.1283791670955126 * sum;
  }
  let t = 1.0 / (1.0 + 0.5 * ax);
  let y = t * exp_(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(y - 1.0, 1.0 - y, x >= 0.0);
}

// Math.round: halves go up, and results of magnitude below 1 keep x's sign (-0.4 → -0).
fn round_(x: f32) -> f32 {
  let f = floor(x);
  let r = select(f, f + 1.0, x - f >= 0.5);
  return select(r, with_sign_of(0.0, x), r == 0.0);
}

// Math.pow on float32: the special cases as JavaScript defines them, small integer powers by
// repeated squaring, the rest as exp(y·log|x|).
fn pow_(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (is_nan(x) || is_nan(y)) { return nan(); }
  let ax = abs(x);
  if (is_inf(y)) {
    if (ax == 1.0) { return nan(); }
    return select(0.0, inf(), (ax > 1.0) == (y > 0.0));
  }
  let integer = floor(y) == y;
  let odd = integer && abs(y) < 16777216.0 && (i32(y) & 1) != 0;
  if (x == 0.0 || is_inf(x)) {
    // |x|^y is 0 or ∞; an odd power keeps x's sign.
    let big = (x == 0.0) == (y < 0.0);
    let m = select(0.0, inf(), big);
    return select(m, with_sign_of(m, x), odd);
  }
  if (x < 0.0 && !integer) { return nan(); }
  var r: f32;
  if (integer && abs(y) <= 64.0) {
    var e = u32(abs(y));
    var b = ax;
    r = 1.0;
    loop {
      if ((e & 1u) == 1u) { r *= b; }
      e = e >> 1u;
      if (e == 0u) { break; }
      b *= b;
    }
    if (y < 0.0) { r = 1.0 / r; }
  } else if (y == 0.5) {
    r = sqrt(ax);
  } else {
    r = exp_(y * log_(ax));
  }
  return select(r, -r, x < 0.0 && odd);
}

// Math.pow on int32 values stored to an Int32Array: integer powers wrap modulo 2^32 as the
// float64 result does while it is exact (|result| < 2^53); negative powers are 1/x^|y|, which
// truncates to 0 except for x = ±1, and 0^negative = ∞ stores as 0.
fn ipow_(x: i32, y: i32) -> i32 {
  if (y < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (y & 1) != 0); }
    return 0;
  }
  var e = u32(y);
  var b = x;
  var r = 1;
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) == 1u) { r *= b; }
    e = e >> 1u;
    b *= b;
  }
  return r;
}
`;

const FLOAT_UNARY: Record<UnaryOp, string> = {
  neg: '-v',
  exp: 'exp_(v)',
  log: 'log_(v)',
  sqrt: 'select(sqrt(v), nan(), v < 0.0)',
  abs: 'from_bits(bitcast<u32>(v) & 0x7fffffffu)',
  // v itself for ±0 and NaN, as the portable kernel.
  sign: 'select(select(v, -1.0, v < 0.0), 1.0, v > 0.0)',
  square: 'v * v',
  reciprocal: '1.0 / v',
  sigmoid: 'sigmoid_(v)',
  tanh: 'tanh_(v)',
  // NaN stays NaN (is_nan tests the bits: a driver may fold a NaN-aware max), -0 gives +0.
  relu: 'select(0.0, v, v > 0.0 || is_nan(v))',
  step: 'select(0.0, 1.0, v > 0.0)',
  erf: 'erf_(v)',
  sin: 'sincos_(v, false)',
  cos: 'sincos_(v, true)',
  floor: 'floor(v)',
  ceil: 'ceil(v)',
  round: 'round_(v)',
  isnan: 'select(0.0, 1.0, is_nan(v))',
};

/** Ops with an exact int32 form; the others run on the value converted to float32. */
const INT_UNARY: Partial<Record<UnaryOp, string>> = {
  neg: '-v',
  abs: 'abs(v)',
  sign: 'sign(v)',
  square: 'v * v',
  relu: 'max(v, 0)',
  step: 'select(0, 1, v > 0)',
  floor: 'v',
  ceil: 'v',
  round: 'v',
  isnan: '0',
};

export function unary(q: Queue, op: UnaryOp, x: GpuStorage, out: GpuStorage): void {
  const tx = wgslType(x.dtype),
    to = wgslType(out.dtype);
  const k = q.kernel(`unary:${op}:${tx}:${to}`, () => {
    const int = tx === 'i32' ? INT_UNARY[op] : undefined;
    const value = int !== undefined ? `let v = x[i];` : `let v = ${convert('f32', tx, 'x[i]')};`;
    const result = int !== undefined ? convert(to, 'i32', int) : convert(to, 'f32', FLOAT_UNARY[op]);
    return `${PRELUDE}${MATH}${FLOAT_FUNCTIONS}
${bindings([
  ['x', tx],
  ['out', to],
])}
${MAIN_1D}
  ${value}
  out[i] = ${result};
}`;
  });
  q.dispatch1d(k, [x.buffer, out.buffer], [out.size], out.size);
}

const COMPARE: Partial<Record<BinaryOp, string>> = {
  eq: 'x == y',
  ne: 'x != y',
  lt: 'x < y',
  le: 'x <= y',
  gt: 'x > y',
  ge: 'x >= y',
};

const FLOAT_BINARY: Record<BinaryOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'pow_(x, y)',
  maximum: 'select(y, x, x >= y || is_nan(x))',
  minimum: 'select(y, x, x <= y || is_nan(x))',
  // NaN compares unequal to everything, tested on the bits (see wgsl.ts).
  eq: '!unordered(x, y) && x == y',
  ne: 'unordered(x, y) || x != y',
  lt: '!unordered(x, y) && x < y',
  le: '!unordered(x, y) && x <= y',
  gt: '!unordered(x, y) && x > y',
  ge: '!unordered(x, y) && x >= y',
};

const INT_BINARY: Record<BinaryOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  // x / 0 is ±∞ or NaN in JavaScript, which an Int32Array stores as 0.
  div: 'select(x / y, 0, y == 0)',
  pow: 'ipow_(x, y)',
  maximum: 'max(x, y)',
  minimum: 'min(x, y)',
  ...(COMPARE as Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', string>),
};

const BINARY_FUNCTIONS = `fn unordered(x: f32, y: f32) -> bool { return is_nan(x) || is_nan(y); }`;

export function binary(
  q: Queue,
  op: BinaryOp,
  a: GpuStorage,
  aStrides: Shape,
  b: GpuStorage,
  bStrides: Shape,
  outShape: Shape,
  out: GpuStorage,
): void {
  const ta = wgslType(a.dtype),
    tb = wgslType(b.dtype),
    to = wgslType(out.dtype);
  const k = q.kernel(`binary:${op}:${ta}:${tb}:${to}`, () => {
    const int = ta === 'i32' && tb === 'i32';
    const tc = int ? 'i32' : 'f32';
    const expr = (int ? INT_BINARY : FLOAT_BINARY)[op];
    const result = op in COMPARE ? `select(${to}(0), ${to}(1), ${expr})` : convert(to, tc, expr);
    return `${PRELUDE}${MATH}${FLOAT_FUNCTIONS}${BINARY_FUNCTIONS}${offsetsFn(3)}
${bindings([
  ['a', ta],
  ['b', tb],
  ['out', to],
])}
${MAIN_1D}
  let o = offsets(i);
  let x = ${convert(tc, ta, 'a[o[0]]')};
  let y = ${convert(tc, tb, 'b[o[1]]')};
  out[o[2]] = ${result};
}`;
  });
  runStrided(
    q,
    k,
    [a.buffer, b.buffer, out.buffer],
    outShape,
    [aStrides, bStrides, contiguousStrides(outShape)],
    [0, 0, 0],
  );
}

export function where(
  q: Queue,
  cond: GpuStorage,
  cStrides: Shape,
  a: GpuStorage,
  aStrides: Shape,
  b: GpuStorage,
  bStrides: Shape,
  outShape: Shape,
  out: GpuStorage,
): void {
  const tc = wgslType(cond.dtype),
    ta = wgslType(a.dtype),
    tb = wgslType(b.dtype),
    to = wgslType(out.dtype);
  const k = q.kernel(`where:${tc}:${ta}:${tb}:${to}`, () => {
    // Nonzero on the bits: NaN counts as true and -0 as false, as `cond !== 0` does.
    const test = tc === 'f32' ? '(bitcast<u32>(c[o[0]]) & 0x7fffffffu) != 0u' : 'c[o[0]] != 0';
    return `${PRELUDE}${offsetsFn(4)}
${bindings([
  ['c', tc],
  ['a', ta],
  ['b', tb],
  ['out', to],
])}
${MAIN_1D}
  let o = offsets(i);
  if (${test}) { out[o[3]] = ${convert(to, ta, 'a[o[1]]')}; } else { out[o[3]] = ${convert(to, tb, 'b[o[2]]')}; }
}`;
  });
  runStrided(
    q,
    k,
    [cond.buffer, a.buffer, b.buffer, out.buffer],
    outShape,
    [cStrides, aStrides, bStrides, contiguousStrides(outShape)],
    [0, 0, 0, 0],
  );
}

/** Every element = value, converted as a typed-array fill converts it (ToInt32 for int32). */
export function fill(q: Queue, s: GpuStorage, value: number): void {
  const word = s.dtype === 'int32' ? value | 0 : floatBits(value);
  if (word === 0) {
    q.clear(s.buffer, s.size * 4);
    return;
  }
  const k = q.kernel(
    'fill',
    () => `${PRELUDE}
${bindings([['out', 'u32']])}
${MAIN_1D}
  out[i] = pu(1u);
}`,
  );
  q.dispatch1d(k, [s.buffer], [s.size, word], s.size);
}

/** out = x converted to out's dtype (float → int32 as ToInt32: truncation, NaN → 0, wrapping). */
export function cast(q: Queue, x: GpuStorage, out: GpuStorage): void {
  if (x.dtype === out.dtype) {
    q.copy(x.buffer, out.buffer, x.size * 4);
    return;
  }
  const tx = wgslType(x.dtype),
    to = wgslType(out.dtype);
  const k = q.kernel(
    `cast:${tx}:${to}`,
    () => `${PRELUDE}
${bindings([
  ['x', tx],
  ['out', to],
])}
${MAIN_1D}
  out[i] = ${convert(to, tx, 'x[i]')};
}`,
  );
  q.dispatch1d(k, [x.buffer, out.buffer], [x.size], x.size);
}
