/**
 * Choosing and compiling one of the four kernel builds (see scripts/build-wasm.mjs). Relaxed SIMD
 * (fused multiply-add, a 6×8 register tile) is preferred; Node 20 compiles it only after the V8
 * flag below is set, before the first compile, and Node ≥ 22 without it. `WebAssembly.validate`
 * is the judge, so an engine without it gets the plain SIMD build.
 */
import { kernelBuilds, sharedEdits, sharedMaxPages } from './generated/kernels.js';
import { nodeBuiltin } from './node.js';

export type BuildName = 'wasm-relaxed-simd' | 'wasm-simd';

export interface CompiledKernels {
  module: WebAssembly.Module;
  build: BuildName;
  /** Whether the module imports shared memory (and so may be driven by several threads). */
  shared: boolean;
  maxPages: number;
}

/** The kernel exports, as the JS side calls them. */
export interface KernelExports {
  heapBase(): number;
  zero(ptr: number, bytes: number): void;
  /** Elements [i0, i1); vMax = 0: plain Adam; `scalars`: AdamStep's ten numbers as float64. */
  adamStep(p: number, g: number, m: number, v: number, vMax: number, scalars: number, i0: number, i1: number): void;
  /** Winograd F(2×2, 3×3) transforms (assembly/winograd.ts); b0, b1: the range of images. */
  winogradInput(x: number, geometry: number, v: number, scratch: number, b0: number, b1: number): void;
  winogradKernel(w: number, cin: number, cout: number, u: number): void;
  winogradOutput(m: number, geometry: number, cout: number, out: number, b0: number, b1: number): void;
  /**
   * The i-th code or slot of the shared protocol as the kernels were compiled with it (-1 past the
   * last; see its test).
   */
  protocolValue(i: number): number;
  /** 96·iters flops of register-only multiply-adds (the benchmark's ceiling). */
  fmaPeak(iters: number): number;
  packABytes(): number;
  packBBytes(): number;
  tileRows(): number;
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    transA: number,
    transB: number,
    batch0: number,
    batch1: number,
    aStride: number,
    bStride: number,
    row0: number,
    row1: number,
    col0: number,
    col1: number,
    packA: number,
    packB: number,
  ): void;
  /** b0, b1: the range of images to do (all: 0, batch). */
  im2col(x: number, geometry: number, cols: number, b0: number, b1: number): void;
  col2im(cols: number, geometry: number, dx: number, b0: number, b1: number): void;
  convDirect(
    x: number,
    geometry: number,
    w: number,
    cout: number,
    out: number,
    taps: number,
    b0: number,
    b1: number,
  ): void;
  /** t0, t1: the range of taps kh·kW + kw to do (all: 0, kH·kW). */
  convDirectKernelGrad(
    x: number,
    geometry: number,
    dOut: number,
    cout: number,
    dk: number,
    t0: number,
    t1: number,
  ): void;
  /** argmax = 0: no indices wanted. */
  maxPool2d(x: number, geometry: number, out: number, argmax: number, b0: number, b1: number): void;
  maxPool2dBackward(dOut: number, argmax: number, geometry: number, dx: number, b0: number, b1: number): void;
  avgPool2d(x: number, geometry: number, out: number): void;
  avgPool2dBackward(dOut: number, geometry: number, dx: number): void;
  /** op: a UnaryCode, BinaryCode or ReduceCode (generated/protocol.ts). */
  unary(op: number, x: number, out: number, n: number): void;
  binary(
    op: number,
    a: number,
    sa: number,
    ta: number,
    b: number,
    sb: number,
    tb: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
  reduce(op: number, x: number, outer: number, size: number, inner: number, out: number): void;
  /** log-softmax over rows [r0, r1) of x [rows, cols] (assembly/softmax.ts); stats: two floats per row. */
  softmaxStats(x: number, cols: number, stats: number, r0: number, r1: number): void;
  logSoftmaxApply(x: number, stats: number, lse: number, cols: number, out: number, r0: number, r1: number): void;
  logSoftmaxBackward(g: number, x: number, stats: number, cols: number, dx: number, r0: number, r1: number): void;
  /** An LSTM or GRU step over rows [r0, r1) (assembly/rnn.ts). */
  lstmCell(
    gx: number,
    gh: number,
    cPrev: number,
    units: number,
    h: number,
    c: number,
    acts: number,
    r0: number,
    r1: number,
  ): void;
  /** dh, dc or dcPrev = 0: none. */
  lstmCellBackward(
    dh: number,
    dc: number,
    acts: number,
    cPrev: number,
    c: number,
    units: number,
    dGates: number,
    dcPrev: number,
    r0: number,
    r1: number,
  ): void;
  gruCell(gx: number, gh: number, hPrev: number, units: number, h: number, acts: number, r0: number, r1: number): void;
  /** dGx, dGh or dhPrev = 0: not wanted. */
  gruCellBackward(
    dh: number,
    acts: number,
    hPrev: number,
    units: number,
    dGx: number,
    dGh: number,
    dhPrev: number,
    r0: number,
    r1: number,
  ): void;
  /** Attention's softmax over rows [r0, r1) (assembly/softmax.ts); scaleBits: an f32's bits. */
  attentionSoftmax(
    x: number,
    out: number,
    cols: number,
    tq: number,
    scaleBits: number,
    causal: number,
    r0: number,
    r1: number,
  ): void;
  attentionSoftmaxBackward(
    g: number,
    y: number,
    cols: number,
    scaleBits: number,
    dx: number,
    r0: number,
    r1: number,
  ): void;
  /** The exact GELU over n floats (assembly/gelu.ts). */
  gelu(x: number, out: number, n: number): void;
  geluBackward(g: number, x: number, dx: number, n: number): void;
  /** A strided copy of 4-byte elements (assembly/movement.ts), outer indices [r0, r1). */
  copyStrided(
    src: number,
    dst: number,
    n1: number,
    n2: number,
    n3: number,
    ss0: number,
    ss1: number,
    ss2: number,
    ss3: number,
    ds0: number,
    ds1: number,
    ds2: number,
    ds3: number,
    r0: number,
    r1: number,
  ): void;
  /** Layer norm over rows [r0, r1) (assembly/layernorm.ts); w, b = 0: none; epsBits: an f32's bits. */
  layerNorm(
    x: number,
    w: number,
    b: number,
    cols: number,
    epsBits: number,
    out: number,
    stats: number,
    r0: number,
    r1: number,
  ): void;
  layerNormBackward(
    g: number,
    x: number,
    w: number,
    stats: number,
    cols: number,
    dx: number,
    r0: number,
    r1: number,
  ): void;
  /** Columns [c0, c1) of the weight and bias gradients; dw, db = 0: not wanted. */
  layerNormParamGrads(
    g: number,
    x: number,
    stats: number,
    rows: number,
    cols: number,
    dw: number,
    db: number,
    c0: number,
    c1: number,
  ): void;
  /** bias = 0: no bias. act: an ActivationCode. */
  biasActivation(x: number, bias: number, rows: number, cols: number, act: number, out: number): void;
  /** dx = 0 or dBias = 0: that gradient is not wanted. */
  biasActivationBackward(
    g: number,
    y: number,
    rows: number,
    cols: number,
    act: number,
    dx: number,
    dBias: number,
  ): void;
  /** c0, c1: the range of columns whose bias gradient to sum (overwritten). */
  biasGradientColumns(
    g: number,
    y: number,
    rows: number,
    cols: number,
    act: number,
    dBias: number,
    c0: number,
    c1: number,
  ): void;
}

let relaxedFlagTried = false;

function enableRelaxedSimdFlag(): void {
  if (relaxedFlagTried) return;
  relaxedFlagTried = true;
  try {
    nodeBuiltin('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // A runtime that rejects the flag simply keeps the plain SIMD build.
  }
}

function decodeBase64(b64: string): Uint8Array {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * A build's bytes; the shared-memory one is its private twin with the memory import edited
 * (scripts/build-wasm.mjs computes the edit from the compiled builds).
 */
export function buildBytes(name: 'simd' | 'relaxedSimd', shared: boolean): Uint8Array {
  const bytes = decodeBase64(kernelBuilds[name]);
  if (!shared) return bytes;
  const { start, end, bytes: hex } = sharedEdits[name];
  const edit = new Uint8Array(hex.length / 2);
  for (let i = 0; i < edit.length; i++) edit[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const out = new Uint8Array(bytes.length - (end - start) + edit.length);
  out.set(bytes.subarray(0, start));
  out.set(edit, start);
  out.set(bytes.subarray(end), start + edit.length);
  return out;
}

/** The best build this engine validates, as bytes; throws (with the reason) when there is none. */
function chooseBuild(shared: boolean, allowRelaxed: boolean): { build: BuildName; bytes: Uint8Array } {
  if (typeof WebAssembly !== 'object') throw new Error('this JavaScript engine has no WebAssembly');
  if (allowRelaxed) enableRelaxedSimdFlag();
  const candidates: [BuildName, 'simd' | 'relaxedSimd'][] = [
    ['wasm-relaxed-simd', 'relaxedSimd'],
    ['wasm-simd', 'simd'],
  ];
  for (const [build, name] of candidates) {
    if (build === 'wasm-relaxed-simd' && !allowRelaxed) continue;
    const bytes = buildBytes(name, shared);
    if (WebAssembly.validate(bytes)) return { build, bytes };
  }
  throw new Error(`this engine does not validate the WebAssembly SIMD kernels${shared ? ' with shared memory' : ''}`);
}

/**
 * Compile the best build synchronously. Throws (with the reason) when WebAssembly SIMD is
 * unavailable, or where synchronous compilation is refused (a browser's main thread refuses
 * modules over 4 KiB); the registry then falls back to the portable backend.
 */
export function compileKernels(shared: boolean, allowRelaxed = true): CompiledKernels {
  const { build, bytes } = chooseBuild(shared, allowRelaxed);
  return { module: new WebAssembly.Module(bytes), build, shared, maxPages: shared ? sharedMaxPages : 65536 };
}

/** The same, compiled off the calling thread: what a browser's main thread must use. */
export async function compileKernelsAsync(shared: boolean, allowRelaxed = true): Promise<CompiledKernels> {
  const { build, bytes } = chooseBuild(shared, allowRelaxed);
  return { module: await WebAssembly.compile(bytes), build, shared, maxPages: shared ? sharedMaxPages : 65536 };
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

export async function instantiateAsync(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
