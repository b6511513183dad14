/**
 * One instance of the kernel module with its linear memory, its scratch layout and (in Node) its
 * worker pool. Tensor storage stays in JS typed arrays, so nothing ever needs freeing: each call
 * copies its operands into one reused region of the wasm memory (grown on demand, never per call)
 * and copies the result out; issue 4 measured those copies at 30–45 GB/s, small beside a GEMM.
 *
 * Layout (bytes):  [static data][control block][per-thread packing buffers][operands]
 */
import type { MatmulArgs } from '../types.js';
import { CompiledKernels, KernelExports, BuildName, instantiate } from './load.js';
import { ThreadPool } from './pool.js';
import { CONTROL_BYTES } from './protocol.js';

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
  private readonly args = new Array<number>(18).fill(0);

  constructor(compiled: CompiledKernels) {
    this.build = compiled.build;
    this.shared = compiled.shared;
    this.maxPages = compiled.maxPages;
    this.pages = 1;
    this.memory = compiled.shared
      ? new WebAssembly.Memory({ initial: 1, maximum: compiled.maxPages, shared: true })
      : new WebAssembly.Memory({ initial: 1 });
    this.kernels = instantiate(compiled.module, this.memory);
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.controlBase = align(this.kernels.heapBase());
    this.scratchBase = this.controlBase + CONTROL_BYTES;
    this.packABytes = align(this.kernels.packABytes());
    this.packBBytes = align(this.kernels.packBBytes());
    this.tileRows = this.kernels.tileRows();
    if (!this.ensure(this.scratchBase)) throw new Error('could not allocate the wasm control block');
    if (compiled.shared && ThreadPool.available()) this.pool = new ThreadPool(compiled.module, this.memory, this.controlBase);
  }

  /** Threads a large GEMM is split across (the calling thread included). */
  get threads(): number {
    return this.threadCount;
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

  /** Use `count` threads (the caller plus count − 1 workers); 1 turns the pool off. */
  setThreads(count: number): void {
    const wanted = this.pool ? Math.max(1, Math.floor(count)) : 1;
    this.pool?.resize(wanted - 1);
    this.threadCount = this.pool ? this.pool.size + 1 : 1;
  }

  /** Resolves when every worker has started (tests and benchmarks wait for it). */
  async whenReady(): Promise<void> {
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
    const parts = this.partsFor(p);
    const aPtr = this.scratchBase + parts * (this.packABytes + this.packBBytes);
    const bPtr = align(aPtr + aLen * 4);
    const cPtr = align(bPtr + bLen * 4);
    if (!this.ensure(cPtr + cLen * 4)) return false;
    const f = this.f32;
    if (aLen > 0) f.set(a.length === aLen ? a : a.subarray(0, aLen), aPtr >> 2);
    if (bLen > 0) f.set(b.length === bLen ? b : b.subarray(0, bLen), bPtr >> 2);
    const args = this.args;
    args[0] = aPtr; args[1] = bPtr; args[2] = cPtr; args[3] = m; args[4] = k; args[5] = n;
    args[6] = p.transA ? 1 : 0; args[7] = p.transB ? 1 : 0;
    args[10] = p.aBatchStride; args[11] = p.bBatchStride;
    if (parts === 1) {
      this.run(args, 0, batch, 0, m, 0, n, 0);
    } else {
      this.runSplit(args, p, parts);
    }
    out.set(f.subarray(cPtr >> 2, (cPtr >> 2) + cLen));
    return true;
  }

  /** How many threads this product is worth: 1 below THREAD_MIN_WORK or without ready workers. */
  private partsFor(p: MatmulArgs): number {
    if (this.pool === null || this.threadCount === 1) return 1;
    if (p.batch * p.m * p.n * p.k < THREAD_MIN_WORK) return 1;
    const workers = this.pool.ready().length;
    if (workers === 0) return 1;
    const tiles = Math.max(p.batch, Math.ceil(p.m / this.tileRows), Math.ceil(p.n / 8));
    return Math.min(workers + 1, this.threadCount, tiles);
  }

  /**
   * Split across up to `wanted` threads: by batch when there are enough products, else along the longer
   * side of C counted in register tiles (rows of MR, columns of 8), on tile boundaries.
   */
  private runSplit(args: number[], p: MatmulArgs, wanted: number): void {
    const pool = this.pool!;
    // A worker that stopped since partsFor looked is simply left out.
    const workers = pool.ready().slice(0, wanted - 1);
    const parts = workers.length + 1;
    const rowTiles = Math.ceil(p.m / this.tileRows);
    const colTiles = Math.ceil(p.n / 8);
    const ranges: [number, number, number, number, number, number][] = [];
    for (let t = 0; t <= workers.length; t++) {
      const share = (total: number): [number, number] => [Math.floor((total * t) / parts), Math.floor((total * (t + 1)) / parts)];
      if (p.batch >= parts) {
        const [b0, b1] = share(p.batch);
        ranges.push([b0, b1, 0, p.m, 0, p.n]);
      } else if (rowTiles >= colTiles) {
        const [t0, t1] = share(rowTiles);
        ranges.push([0, p.batch, t0 * this.tileRows, Math.min(p.m, t1 * this.tileRows), 0, p.n]);
      } else {
        const [t0, t1] = share(colTiles);
        ranges.push([0, p.batch, 0, p.m, t0 * 8, Math.min(p.n, t1 * 8)]);
      }
    }
    for (let w = 0; w < workers.length; w++) {
      const [b0, b1, r0, r1, c0, c1] = ranges[w + 1];
      this.fill(args, b0, b1, r0, r1, c0, c1, w + 1);
      pool.post(workers[w], args);
    }
    const [b0, b1, r0, r1, c0, c1] = ranges[0];
    this.run(args, b0, b1, r0, r1, c0, c1, 0);
    for (let w = 0; w < workers.length; w++) {
      if (pool.wait(workers[w])) continue;
      // The worker's task threw (it should not): redo that part here so the result is complete.
      const [wb0, wb1, wr0, wr1, wc0, wc1] = ranges[w + 1];
      this.run(args, wb0, wb1, wr0, wr1, wc0, wc1, 0);
    }
  }

  private fill(args: number[], b0: number, b1: number, r0: number, r1: number, c0: number, c1: number, thread: number): void {
    args[8] = b0; args[9] = b1; args[12] = r0; args[13] = r1; args[14] = c0; args[15] = c1;
    args[16] = this.scratchBase + thread * (this.packABytes + this.packBBytes);
    args[17] = args[16] + this.packABytes;
  }

  private run(args: number[], b0: number, b1: number, r0: number, r1: number, c0: number, c1: number, thread: number): void {
    this.fill(args, b0, b1, r0, r1, c0, c1, thread);
    this.kernels.gemm(
      args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8],
      args[9], args[10], args[11], args[12], args[13], args[14], args[15], args[16], args[17],
    );
  }
}
