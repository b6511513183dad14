/**
 * The WebAssembly SIMD backend: GEMM (split across worker threads when large), im2col / col2im,
 * convolution end to end in wasm memory, pooling, the LSTM and GRU cells, and the common float32 elementwise and
 * reduction kernels run in wasm; everything else (and every case those kernels decline) is
 * delegated to the portable backend.
 */
import type {
  AdamStep,
  Backend,
  BinaryOp,
  ConvTail,
  DType,
  FusedActivation,
  MatmulArgs,
  ReduceOp,
  Shape,
  TypedArray,
  UnaryOp,
  Window2dArgs,
} from '../types.js';
import { portableBackend, portableConvKernels } from '../portable/index.js';
import { newHostArray } from '../host/storage.js';
import { conv2dBackwardComposed, conv2dComposed, type ConvKernels } from '../host/conv.js';
import { compileKernels, compileKernelsAsync, type BuildName } from './load.js';
import { COPY_MAX_ELEMENTS, WasmEngine } from './engine.js';
import { ThreadPool } from './pool.js';
import { nodeBuiltin } from './node.js';
import * as window from './window.js';
import * as convFused from './conv-fused.js';
import * as elementwise from './elementwise.js';
import * as fused from './fused.js';
import * as softmax from './softmax.js';
import * as rnn from './rnn.js';
import * as attention from './attention.js';
import * as movement from './movement.js';

export interface WasmBackendOptions {
  /** Threads for large kernels, the calling thread included (default: the number of cores). */
  threads?: number;
  /** Allow the relaxed-SIMD build (default true); false forces plain SIMD, for tests and benchmarks. */
  relaxed?: boolean;
  /**
   * Where tensor storage lives: 'heap' (default), inside the wasm memory where kernels use it in
   * place; 'copy', ordinary typed arrays copied in and out of the memory at each kernel call
   * (the way before the heap; kept for comparison — `TESSERA_WASM_STORAGE=copy`).
   */
  storage?: 'heap' | 'copy';
}

export interface WasmBackend extends Backend<TypedArray> {
  readonly build: BuildName;
  readonly threads: number;
  /** Why worker threads are unavailable or failed, or null. */
  readonly threadProblem: string | null;
  /** Bytes of WebAssembly memory: the heap's high-water mark (tensor storage and scratch), reused after. */
  readonly memoryBytes: number;
  /** The convolution's building blocks, fused kernels included (for tests and benchmarks). */
  readonly convKernels: ConvKernels;
  /** Chunks of products that worker threads have run: evidence the threads share the work. */
  readonly workerChunks: number;
  setThreads(count: number): void;
  /** Resolves when every worker thread has started; before that, products use fewer threads. */
  whenReady(): Promise<void>;
}

/** The machine's core count, or 1 where it cannot be known. */
export function coreCount(): number {
  const os = nodeBuiltin('node:os');
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Compile and instantiate the kernels; throws (with the reason) where WebAssembly SIMD is missing. */
export function createWasmBackend(options: WasmBackendOptions = {}): WasmBackend {
  // Shared memory only where workers can use it; browsers get the private single-thread build.
  const engine = WasmEngine.create(compileKernels(ThreadPool.available(), options.relaxed ?? true));
  return backendOn(engine, options);
}

/**
 * The same, compiling and instantiating asynchronously: a browser's main thread refuses to
 * compile modules this size synchronously, so there the wasm backend is only reached this way.
 */
export async function createWasmBackendAsync(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const engine = await WasmEngine.createAsync(
    await compileKernelsAsync(ThreadPool.available(), options.relaxed ?? true),
  );
  return backendOn(engine, options);
}

/**
 * Tensors of at least this many elements get storage in the wasm heap; smaller ones (scalars,
 * biases of a few units) go to the portable kernels anyway, and would only crowd the free lists.
 */
const HEAP_MIN_ELEMENTS = 128;
/**
 * Tensors of more than this many elements (64 MiB) stay ordinary arrays: such tensors are mostly
 * whole data sets (MNIST's training images: 47M floats), which kernels never take whole (batches
 * are copied out of them), and in the heap they would crowd out the working tensors.
 */
const HEAP_MAX_ELEMENTS = COPY_MAX_ELEMENTS;

function backendOn(engine: WasmEngine, options: WasmBackendOptions): WasmBackend {
  engine.setThreads(options.threads ?? coreCount());
  const useHeap = options.storage !== 'copy';
  const inHeap = (size: number): boolean => useHeap && size >= HEAP_MIN_ELEMENTS && size <= HEAP_MAX_ELEMENTS;
  const allocate = (dtype: DType, size: number, zeroed: boolean): TypedArray =>
    (inHeap(size) ? engine.heap.storage(dtype === 'int32', size, zeroed) : null) ?? newHostArray(dtype, size);
  const matmul = (a: Float32Array, b: Float32Array, out: Float32Array, args: MatmulArgs): void => {
    // Operands too large for the wasm memory's maximum take the portable path.
    if (!engine.matmul(a, b, out, args)) portableBackend.matmul(a, b, out, args);
  };
  const biasAct = (
    x: Float32Array,
    bias: Float32Array | null,
    rows: number,
    cols: number,
    act: FusedActivation,
    out: Float32Array,
  ): void => {
    if (!fused.biasActivation(engine, x, bias, rows, cols, act, out))
      portableBackend.biasActivation(x, bias, rows, cols, act, out);
  };
  // The composed convolution with this backend's kernels, fused in the wasm memory where it can be.
  const conv: ConvKernels = {
    im2col: (x, a, cols) => void (window.im2col(engine, x, a, cols) || portableConvKernels.im2col(x, a, cols)),
    col2im: (cols, a, dx) => void (window.col2im(engine, cols, a, dx) || portableConvKernels.col2im(cols, a, dx)),
    matmul,
    biasActivation: biasAct,
    fusedConv2d: (x, kernel, a, cout, out, transformed, tail) =>
      convFused.conv2d(engine, x, kernel, a, cout, out, transformed, tail ?? undefined),
    fusedConv2dBackward: (x, kernel, dOut, a, cout, dx, dk) =>
      convFused.conv2dBackward(engine, x, kernel, dOut, a, cout, dx, dk),
  };
  return {
    // Kernels without a wasm version (where, gather, scatterAdd) and the host storage methods.
    ...portableBackend,
    allocate,
    fromHost(values: TypedArray, owned: boolean): TypedArray {
      if (owned && !inHeap(values.length)) return values;
      const s = allocate(values instanceof Int32Array ? 'int32' : 'float32', values.length, false);
      s.set(values);
      return s;
    },
    releaseStorage: (data: TypedArray) => void engine.heap.releaseEarly(data),
    convKernels: conv,
    get name(): string {
      return `${engine.build} (${engine.threads} thread${engine.threads === 1 ? '' : 's'}${useHeap ? '' : ', copied storage'})`;
    },
    get build(): BuildName {
      return engine.build;
    },
    get threads(): number {
      return engine.threads;
    },
    get threadProblem(): string | null {
      return engine.threadProblem;
    },
    get memoryBytes(): number {
      return engine.memoryBytes;
    },
    get workerChunks(): number {
      return engine.workerChunks;
    },
    setThreads: (count: number) => engine.setThreads(count),
    whenReady: () => engine.whenReady(),
    matmul: (a, b, out, args) => matmul(a as Float32Array, b as Float32Array, out as Float32Array, args),
    unary(op: UnaryOp, x: TypedArray, out: TypedArray): void {
      if (!elementwise.unary(engine, op, x, out)) portableBackend.unary(op, x, out);
    },
    binary(
      op: BinaryOp,
      a: TypedArray,
      aStrides: Shape,
      b: TypedArray,
      bStrides: Shape,
      outShape: Shape,
      out: TypedArray,
    ): void {
      if (!elementwise.binary(engine, op, a, aStrides, b, bStrides, outShape, out))
        portableBackend.binary(op, a, aStrides, b, bStrides, outShape, out);
    },
    reduce(op: ReduceOp, x: TypedArray, outer: number, size: number, inner: number, out: TypedArray): void {
      if (!elementwise.reduce(engine, op, x, outer, size, inner, out))
        portableBackend.reduce(op, x, outer, size, inner, out);
    },
    logSoftmax(x: Float32Array, rows: number, cols: number, out: Float32Array, stats: Float32Array): void {
      if (!softmax.logSoftmax(engine, x, rows, cols, out, stats)) portableBackend.logSoftmax(x, rows, cols, out, stats);
    },
    logSoftmaxBackward(
      g: Float32Array,
      x: Float32Array,
      stats: Float32Array,
      rows: number,
      cols: number,
      dx: Float32Array,
    ): void {
      if (!softmax.logSoftmaxBackward(engine, g, x, stats, rows, cols, dx))
        portableBackend.logSoftmaxBackward(g, x, stats, rows, cols, dx);
    },
    copyStrided(
      src: TypedArray,
      srcOffset: number,
      srcStrides: Shape,
      dst: TypedArray,
      dstOffset: number,
      dstStrides: Shape,
      shape: Shape,
    ): void {
      if (!movement.copyStrided(engine, src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape))
        portableBackend.copyStrided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
    },
    gelu(x: Float32Array, out: Float32Array): void {
      if (!attention.gelu(engine, x, out)) portableBackend.gelu!(x, out);
    },
    geluBackward(g: Float32Array, x: Float32Array, dx: Float32Array): void {
      if (!attention.geluBackward(engine, g, x, dx)) portableBackend.geluBackward!(g, x, dx);
    },
    attentionSoftmax(
      x: Float32Array,
      rows: number,
      cols: number,
      tq: number,
      scale: number,
      causal: boolean,
      out: Float32Array,
    ): void {
      if (!attention.attentionSoftmax(engine, x, rows, cols, tq, scale, causal, out))
        portableBackend.attentionSoftmax!(x, rows, cols, tq, scale, causal, out);
    },
    attentionSoftmaxBackward(
      g: Float32Array,
      y: Float32Array,
      rows: number,
      cols: number,
      scale: number,
      dx: Float32Array,
    ): void {
      if (!attention.attentionSoftmaxBackward(engine, g, y, rows, cols, scale, dx))
        portableBackend.attentionSoftmaxBackward!(g, y, rows, cols, scale, dx);
    },
    layerNorm(
      x: Float32Array,
      w: Float32Array | null,
      b: Float32Array | null,
      rows: number,
      cols: number,
      eps: number,
      out: Float32Array,
      stats: Float32Array,
    ): void {
      if (!attention.layerNorm(engine, x, w, b, rows, cols, eps, out, stats))
        portableBackend.layerNorm!(x, w, b, rows, cols, eps, out, stats);
    },
    layerNormBackward(
      g: Float32Array,
      x: Float32Array,
      w: Float32Array | null,
      stats: Float32Array,
      rows: number,
      cols: number,
      dx: Float32Array | null,
      dw: Float32Array | null,
      db: Float32Array | null,
    ): void {
      if (!attention.layerNormBackward(engine, g, x, w, stats, rows, cols, dx, dw, db))
        portableBackend.layerNormBackward!(g, x, w, stats, rows, cols, dx, dw, db);
    },
    conv2d: (x, kernel, a, cout, out, transformed, tail) =>
      conv2dComposed(
        conv,
        x as Float32Array,
        kernel as Float32Array,
        a,
        cout,
        out as Float32Array,
        transformed,
        tail as ConvTail<Float32Array> | null,
      ),
    conv2dBackward: (x, kernel, g, a, cout, dx, dk) =>
      conv2dBackwardComposed(
        conv,
        x as Float32Array,
        kernel as Float32Array,
        g as Float32Array,
        a,
        cout,
        dx as Float32Array | null,
        dk as Float32Array | null,
      ),
    maxPool2d(x: Float32Array, a: Window2dArgs, out: Float32Array, argmax: Int32Array | null): void {
      if (!window.maxPool2d(engine, x, a, out, argmax)) portableBackend.maxPool2d(x, a, out, argmax);
    },
    avgPool2d(x: Float32Array, a: Window2dArgs, out: Float32Array): void {
      if (!window.avgPool2d(engine, x, a, out)) portableBackend.avgPool2d(x, a, out);
    },
    avgPool2dBackward(dOut: Float32Array, a: Window2dArgs, dx: Float32Array): void {
      if (!window.avgPool2dBackward(engine, dOut, a, dx)) portableBackend.avgPool2dBackward(dOut, a, dx);
    },
    // With dx in the heap (no copy out) the wasm scatter wins; before the heap, the TypeScript
    // one beat a wasm scatter whose whole dx had to be copied out.
    maxPool2dBackward(dOut: Float32Array, argmax: Int32Array, a: Window2dArgs, dx: Float32Array): void {
      if (!window.maxPool2dBackward(engine, dOut, argmax, a, dx))
        portableBackend.maxPool2dBackward(dOut, argmax, a, dx);
    },
    biasActivation: (x, bias, rows, cols, act, out) =>
      biasAct(x as Float32Array, bias as Float32Array | null, rows, cols, act, out as Float32Array),
    adamStep(
      p: Float32Array,
      g: Float32Array,
      m: Float32Array,
      v: Float32Array,
      vMax: Float32Array | null,
      s: AdamStep,
    ): void {
      if (!fused.adamStep(engine, p, g, m, v, vMax, s)) portableBackend.adamStep(p, g, m, v, vMax, s);
    },
    biasActivationBackward(
      g: Float32Array,
      y: Float32Array,
      rows: number,
      cols: number,
      act: FusedActivation,
      dx: Float32Array | null,
      dBias: Float32Array | null,
    ): void {
      if (!fused.biasActivationBackward(engine, g, y, rows, cols, act, dx, dBias))
        portableBackend.biasActivationBackward(g, y, rows, cols, act, dx, dBias);
    },
    lstmCell(
      gx: Float32Array,
      gh: Float32Array,
      cPrev: Float32Array,
      rows: number,
      units: number,
      h: Float32Array,
      c: Float32Array,
      acts: Float32Array,
    ): void {
      if (!rnn.lstmCell(engine, gx, gh, cPrev, rows, units, h, c, acts))
        portableBackend.lstmCell(gx, gh, cPrev, rows, units, h, c, acts);
    },
    lstmCellBackward(
      dh: Float32Array | null,
      dc: Float32Array | null,
      acts: Float32Array,
      cPrev: Float32Array,
      c: Float32Array,
      rows: number,
      units: number,
      dGates: Float32Array,
      dcPrev: Float32Array | null,
    ): void {
      if (!rnn.lstmCellBackward(engine, dh, dc, acts, cPrev, c, rows, units, dGates, dcPrev))
        portableBackend.lstmCellBackward(dh, dc, acts, cPrev, c, rows, units, dGates, dcPrev);
    },
    gruCell(
      gx: Float32Array,
      gh: Float32Array,
      hPrev: Float32Array,
      rows: number,
      units: number,
      h: Float32Array,
      acts: Float32Array,
    ): void {
      if (!rnn.gruCell(engine, gx, gh, hPrev, rows, units, h, acts))
        portableBackend.gruCell(gx, gh, hPrev, rows, units, h, acts);
    },
    gruCellBackward(
      dh: Float32Array,
      acts: Float32Array,
      hPrev: Float32Array,
      rows: number,
      units: number,
      dGx: Float32Array | null,
      dGh: Float32Array | null,
      dhPrev: Float32Array | null,
    ): void {
      if (!rnn.gruCellBackward(engine, dh, acts, hPrev, rows, units, dGx, dGh, dhPrev))
        portableBackend.gruCellBackward(dh, acts, hPrev, rows, units, dGx, dGh, dhPrev);
    },
  };
}
