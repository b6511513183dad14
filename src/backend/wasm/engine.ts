/**
 * One instance of the kernel module with its linear memory, its scratch layout and (in Node) its
 * worker pool. Tensor storage stays in JS typed arrays, so nothing ever needs freeing: each call
 * copies its operands into one reused region of the wasm memory (grown on demand, never per call)
 * and copies the result out; issue 4 measured those copies at 30–45 GB/s, small beside a GEMM.
 *
 * Layout (bytes):  [static data][control block][per-thread packing buffers][operands]
 */
import type { MatmulArgs } from '../types.js';
import { type CompiledKernels, type KernelExports, type BuildName, instantiate, instantiateAsync } from './load.js';
import { ThreadPool, type Split } from './pool.js';
import { CONTROL_BYTES, MAX_SLOTS, SPLIT_BATCH, SPLIT_COLS, SPLIT_ROWS } from './protocol.js';

const PAGE = 65536;
/** Below this many multiply-adds a GEMM stays on the calling thread: splitting costs more than it saves. */
const THREAD_MIN_WORK = 1 << 18;

const align = (bytes: number): number => (bytes + 63) & ~63;

export class WasmEngine {
  readonly build: BuildName;
  readonly shared: boolean;
  readonly kernels: KernelExports;
  private readonly memory: WebAssembly.Memory;
  private readonly maxPages: number;
  private pages: number;
  private f32: Float32Array;
  private i32: Int32Array;
  private readonly controlBase: number;
  private readonly scratchBase: number;
  private readonly packABytes: number;
  private readonly packBBytes: number;
  private readonly tileRows: number;
  private pool: ThreadPool | null = null;
  private threadCount = 1;
  private workersStarted = false;
  private readonly args = new Array<number>(16).fill(0);

  /** Instantiate synchronously (where the runtime allows it; see load.ts). */
  static create(compiled: CompiledKernels): WasmEngine {
    const memory = WasmEngine.memoryFor(compiled);
    return new WasmEngine(compiled, memory, instantiate(compiled.module, memory));
  }

  static async createAsync(compiled: CompiledKernels): Promise<WasmEngine> {
    const memory = WasmEngine.memoryFor(compiled);
    return new WasmEngine(compiled, memory, await instantiateAsync(compiled.module, memory));
  }

  private static memoryFor(compiled: CompiledKernels): WebAssembly.Memory {
    return compiled.shared
      ? new WebAssembly.Memory({ initial: 1, maximum: compiled.maxPages, shared: true })
      : new WebAssembly.Memory({ initial: 1 });
  }

  private constructor(compiled: CompiledKernels, memory: WebAssembly.Memory, kernels: KernelExports) {
    this.build = compiled.build;
    this.shared = compiled.shared;
    this.maxPages = compiled.maxPages;
    this.pages = 1;
    this.memory = memory;
    this.kernels = kernels;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.controlBase = align(this.kernels.heapBase());
    this.scratchBase = this.controlBase + CONTROL_BYTES;
    this.packABytes = align(this.kernels.packABytes());
    this.packBBytes = align(this.kernels.packBBytes());
    this.tileRows = this.kernels.tileRows();
    if (!this.ensure(this.scratchBase)) throw new Error('could not allocate the wasm control block');
    if (compiled.shared && ThreadPool.available()) {
      const perThread = this.packABytes + this.packBBytes;
      this.pool = new ThreadPool(compiled.module, this.memory, this.controlBase, (t) => {
        const packA = this.scratchBase + t * perThread;
        return [packA, packA + this.packABytes];
      });
    }
  }

  /** Threads a large GEMM is split across (the calling thread included). */
  get threads(): number {
    return this.threadCount;
  }

  /** Chunks of products run by worker threads so far (0 without workers). */
  get workerChunks(): number {
    return this.pool?.workerChunks ?? 0;
  }

  /** Current size of the linear memory: grows to the largest call's need, then stays. */
  get memoryBytes(): number {
    return this.pages * PAGE;
  }

  /** Why workers are unavailable or failed, if they are. */
  get threadProblem(): string | null {
    if (this.pool === null) return this.shared ? 'this runtime has no worker_threads' : 'private memory: single-threaded build';
    return this.pool.failure;
  }

  /**
   * Use `count` threads (the caller plus count − 1 workers); 1 turns the pool off. Workers are
   * started on the first product worth splitting (or by whenReady), so programs that never
   * multiply large matrices never start a thread.
   */
  setThreads(count: number): void {
    this.threadCount = this.pool ? Math.min(Math.max(1, Math.floor(count)), MAX_SLOTS + 1) : 1;
    if (this.workersStarted) this.pool!.resize(this.threadCount - 1);
  }

  private startWorkers(): void {
    if (this.workersStarted || this.pool === null) return;
    this.workersStarted = true;
    this.pool.resize(this.threadCount - 1);
  }

  /** Start the workers now and resolve when all have started (tests and benchmarks wait for it). */
  async whenReady(): Promise<void> {
    this.startWorkers();
    await this.pool?.whenReady();
  }

  /** Grow the memory to hold `bytes`; false when that exceeds its maximum. */
  private ensure(bytes: number): boolean {
    const need = Math.ceil(bytes / PAGE);
    if (need <= this.pages) return true;
    if (need > this.maxPages) return false;
    try {
      this.memory.grow(need - this.pages);
    } catch {
      return false;
    }
    this.pages = need;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    return true;
  }

  /**
   * Byte addresses of consecutive 64-byte-aligned regions of the given sizes in the operand area
   * (single-threaded kernels reuse the GEMM packing space), or null when they do not fit.
   */
  regions(bytes: readonly number[]): number[] | null {
    const out: number[] = [];
    let at = this.scratchBase;
    for (const b of bytes) {
      out.push(at);
      at = align(at + b);
    }
    return this.ensure(at) ? out : null;
  }

  /** Copy a typed array into the memory at byte address `ptr`. */
  put(ptr: number, src: Float32Array | Int32Array): void {
    if (src instanceof Float32Array) this.f32.set(src, ptr >> 2);
    else this.i32.set(src, ptr >> 2);
  }

  /** Copy dst.length elements from byte address `ptr` into dst. */
  take(ptr: number, dst: Float32Array | Int32Array): void {
    const at = ptr >> 2;
    if (dst instanceof Float32Array) dst.set(this.f32.subarray(at, at + dst.length));
    else dst.set(this.i32.subarray(at, at + dst.length));
  }

  /** Write i32 values at byte address `ptr` (kernel arguments passed through memory). */
  putInts(ptr: number, values: readonly number[]): void {
    for (let i = 0; i < values.length; i++) this.i32[(ptr >> 2) + i] = values[i];
  }

  /** C = op(A)·op(B) over the batch (see MatmulArgs); false when the operands do not fit in memory. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulArgs): boolean {
    const { m, k, n, batch } = p;
    const cLen = batch * m * n;
    if (cLen === 0) return true;
    const aLen = k === 0 ? 0 : (p.aBatchStride > 0 ? (batch - 1) * p.aBatchStride : 0) + m * k;
    const bLen = k === 0 ? 0 : (p.bBatchStride > 0 ? (batch - 1) * p.bBatchStride : 0) + k * n;
    const r = this.gemmRegions([aLen * 4, bLen * 4, cLen * 4]);
    if (r === null) return false;
    const [aPtr, bPtr, cPtr] = r;
    const f = this.f32;
    if (aLen > 0) f.set(a.length === aLen ? a : a.subarray(0, aLen), aPtr >> 2);
    if (bLen > 0) f.set(b.length === bLen ? b : b.subarray(0, bLen), bPtr >> 2);
    this.gemmAt(aPtr, bPtr, cPtr, p);
    out.set(f.subarray(cPtr >> 2, (cPtr >> 2) + cLen));
    return true;
  }

  /**
   * Like `regions`, but past the packing buffers of every thread, so a threaded `gemmAt` may read
   * and write these regions in place (kernels that chain a GEMM with other steps lay out here).
   */
  gemmRegions(bytes: readonly number[]): number[] | null {
    const out: number[] = [];
    let at = this.scratchBase + this.threadCount * (this.packABytes + this.packBBytes);
    for (const b of bytes) {
      out.push(at);
      at = align(at + b);
    }
    return this.ensure(at) ? out : null;
  }

  /**
   * C = op(A)·op(B) on operands already in the memory at byte addresses (laid out by
   * `gemmRegions`), split across the threads when it is large enough.
   */
  gemmAt(aPtr: number, bPtr: number, cPtr: number, p: MatmulArgs): void {
    if (p.batch * p.m * p.n === 0) return;
    const split = this.splitFor(p);
    const args = this.args;
    args[0] = aPtr; args[1] = bPtr; args[2] = cPtr; args[3] = p.m; args[4] = p.k; args[5] = p.n;
    args[6] = p.transA ? 1 : 0; args[7] = p.transB ? 1 : 0;
    args[8] = 0; args[9] = p.batch; args[10] = p.aBatchStride; args[11] = p.bBatchStride;
    args[12] = 0; args[13] = p.m; args[14] = 0; args[15] = p.n;
    // If a chunk threw in a worker (it should not), the whole product is redone here.
    if (split === null || !this.pool!.run(args, split, this.runHere)) this.runHere(args);
  }

  /**
   * How to share a product between threads, or null to keep it on the calling thread (one thread,
   * or too little work). It is cut along the batch when there are enough products, else along the
   * side of C with more register tiles (rows of MR, columns of 8), into a few chunks per thread so
   * that a thread the OS runs late costs little. Column chunks each repack A, so there are fewer.
   */
  private splitFor(p: MatmulArgs): Split | null {
    const threads = this.threadCount;
    if (this.pool === null || threads === 1 || p.batch * p.m * p.n * p.k < THREAD_MIN_WORK) return null;
    this.startWorkers();
    const rowTiles = Math.ceil(p.m / this.tileRows);
    const colTiles = Math.ceil(p.n / 8);
    if (p.batch >= 2 * threads) return { kind: SPLIT_BATCH, units: p.batch, unitSize: 1, chunks: Math.min(p.batch, 4 * threads) };
    if (rowTiles >= colTiles) return { kind: SPLIT_ROWS, units: rowTiles, unitSize: this.tileRows, chunks: Math.min(rowTiles, 4 * threads) };
    return { kind: SPLIT_COLS, units: colTiles, unitSize: 8, chunks: Math.min(colTiles, 2 * threads) };
  }

  /** Run gemm with `args` on the calling thread, with its own packing buffers (thread 0). */
  private readonly runHere = (a: number[]): void => {
    const packA = this.scratchBase, packB = packA + this.packABytes;
    this.kernels.gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], packA, packB);
  };
}
