/**
 * One instance of the kernel module with its linear memory, the heap inside it (heap.ts) and (in
 * Node) its worker pool. Tensor storage made by this backend lives in the heap and is passed to
 * kernels by address; any other typed array is copied into a scratch block for the call (and a
 * result copied out), so kernels accept both.
 *
 * Layout (bytes):  [static data][control block][heap: packing buffers, storage, scratch …]
 */
import type { MatmulArgs } from '../types.js';
import { type CompiledKernels, type KernelExports, type BuildName, instantiate, instantiateAsync } from './load.js';
import { ThreadPool, type Split } from './pool.js';
import {
  ARG_COUNT,
  CONTROL_BYTES,
  MAX_SLOTS,
  SPLIT_BATCH,
  SPLIT_COLS,
  SPLIT_RANGE,
  SPLIT_RANGE_GUIDED,
  SPLIT_ROWS,
  runTask,
} from './protocol.js';
import {
  GemmAMode,
  RANGE_END,
  RANGE_START,
  Task,
  TaskSlot,
  type RangeTask,
  type TaskArgs,
} from './generated/protocol.js';
import { Heap } from './heap.js';

const PAGE = 65536;
/** The least the memory grows by: 1 MiB (see ensure). */
const GROW_MIN_PAGES = 16;
/** Below this many multiply-adds a GEMM stays on the calling thread: splitting costs more than it saves. */
const THREAD_MIN_WORK = 1 << 18;
/**
 * Units per thread from which a range kernel is cut in guided chunks (SPLIT_RANGE_GUIDED): its
 * small chunks then hold 2 units at least.
 */
export const GUIDED_MIN_UNITS_PER_THREAD = 6;
/** Below this many floats written, a range kernel (im2col, pooling, …) stays on the calling thread. */
const RANGE_MIN_WORK = 1 << 15;
/**
 * Scratch blocks of at most this many bytes (a scalar operand, a row's statistics: arrays too small
 * for the heap, see index.ts) come from a fixed arena, taken and returned by moving its top, not
 * from the heap: token-by-token decoding, all small ops, spent a quarter of its time allocating
 * and freeing such blocks in the heap's maps.
 */
const ARENA_BLOCK_MAX = 4096;
const ARENA_BYTES = 64 * 1024;
/** Tensor storage may fill at most this share of the memory's maximum; the rest is for scratch. */
const STORAGE_SHARE = 0.5;

const align = (bytes: number): number => (bytes + 63) & ~63;

/**
 * Arrays of more than this many elements (64 MiB) stay outside the heap (index.ts), and a call is
 * not allowed to copy one in either: the memory would grow by that much for good (a shared memory
 * never shrinks) — `div(xTrain, 255)` on MNIST's 47M training pixels grew it by 360 MiB. Such a
 * call goes to the portable kernel instead, which reads the array where it is.
 */
export const COPY_MAX_ELEMENTS = 1 << 24;

/**
 * The addresses of one kernel call's operands. An array that lives in the heap is used where it
 * is; any other is copied into a scratch block (`in`), or computed into one and copied back to it
 * by `end` (`out`). `end` (or `abort`) returns the scratch blocks. When the heap cannot hold a
 * block, `ok` turns false and the caller gives the call to the portable kernel.
 */
export class Call {
  ok = true;
  private readonly blocks: number[] = [];
  private readonly results: { ptr: number; to: Float32Array | Int32Array }[] = [];
  /** The scratch arena's top when the call began: its small blocks are returned by resetting it. */
  private readonly arenaMark: number;

  constructor(private readonly e: WasmEngine) {
    this.arenaMark = e.arenaTop;
  }

  /** The address of the first n elements of `a`, an input (copied in unless it lives in the heap). */
  in(a: Float32Array | Int32Array, n: number = a.length): number {
    if (n === 0) return 0;
    const at = this.e.heap.addressOf(a);
    if (at >= 0) return at;
    const ptr = this.copyBlock(n);
    if (ptr > 0) this.e.write(ptr, n === a.length ? a : a.subarray(0, n));
    return ptr;
  }

  /** The address of `a`, read and then overwritten by the kernel (copied in, and back by `end`). */
  inOut(a: Float32Array | Int32Array): number {
    const at = this.e.heap.addressOf(a);
    if (at >= 0 || a.length === 0) return Math.max(at, 0);
    const ptr = this.in(a);
    if (ptr > 0) this.results.push({ ptr, to: a });
    return ptr;
  }

  /** The address the first n elements of `a`, an output, are computed at (copied back by `end`). */
  out(a: Float32Array | Int32Array, n: number = a.length): number {
    if (n === 0) return 0;
    const at = this.e.heap.addressOf(a);
    if (at >= 0) return at;
    const ptr = this.copyBlock(n);
    if (ptr > 0) this.results.push({ ptr, to: n === a.length ? a : a.subarray(0, n) });
    return ptr;
  }

  /** The address of i32 values written into a scratch block (kernel arguments passed in memory). */
  ints(values: readonly number[]): number {
    const ptr = this.scratch(values.length * 4);
    if (ptr > 0) this.e.writeInts(ptr, values);
    return ptr;
  }

  /** The address of float64 values written into a scratch block (scalar kernel arguments). */
  floats64(values: readonly number[]): number {
    const ptr = this.scratch(values.length * 8);
    if (ptr > 0) this.e.writeFloats64(ptr, values);
    return ptr;
  }

  /** A scratch block for a copy of n elements from outside the heap; none past COPY_MAX_ELEMENTS. */
  private copyBlock(n: number): number {
    if (n > COPY_MAX_ELEMENTS) this.ok = false;
    return this.scratch(n * 4);
  }

  /** A scratch block of `bytes` (0 bytes: address 0, never read). */
  scratch(bytes: number): number {
    if (bytes === 0 || !this.ok) return 0;
    if (bytes <= ARENA_BLOCK_MAX) {
      const small = this.e.arenaTake(align(bytes));
      if (small > 0) return small;
    }
    const ptr = this.e.heap.alloc(bytes);
    if (ptr < 0) {
      this.ok = false;
      return 0;
    }
    this.blocks.push(ptr);
    return ptr;
  }

  /** Copy the results out and return the scratch blocks. */
  end(): void {
    for (const r of this.results) this.e.read(r.ptr, r.to);
    this.abort();
  }

  /** Return the scratch blocks without copying anything out; false, for `return call.abort()`. */
  abort(): false {
    for (const ptr of this.blocks) this.e.heap.release(ptr);
    this.blocks.length = 0;
    this.results.length = 0;
    this.e.arenaTop = this.arenaMark;
    return false;
  }
}

export class WasmEngine {
  readonly build: BuildName;
  readonly shared: boolean;
  readonly kernels: KernelExports;
  readonly heap: Heap;
  private readonly memory: WebAssembly.Memory;
  private readonly maxPages: number;
  private pages: number;
  private f32: Float32Array;
  private i32: Int32Array;
  private readonly controlBase: number;
  private readonly packABytes: number;
  private readonly packBBytes: number;
  /** Packing buffers [packA, packB] of each thread (0 is the caller), allocated once. */
  private readonly packing: [number, number][] = [];
  /** Rows of the GEMM's register tile (6 with relaxed SIMD, 5 without). */
  readonly tileRows: number;
  private pool: ThreadPool | null = null;
  private threadCount = 1;
  private workersStarted = false;
  private readonly args = new Array<number>(ARG_COUNT).fill(0);
  /** The small-scratch arena (see ARENA_BLOCK_MAX): its address (0: none) and bytes in use. */
  private arenaBase = 0;
  arenaTop = 0;

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
    const heapBase = this.controlBase + CONTROL_BYTES;
    if (!this.ensure(heapBase)) throw new Error('could not allocate the wasm control block');
    const budget = this.maxPages * PAGE - heapBase;
    const engine = this;
    this.heap = new Heap(
      {
        get buffer() {
          return engine.memory.buffer;
        },
        ensure: (end) => engine.ensure(end),
        zero: (ptr, bytes) => engine.kernels.zero(ptr, bytes),
      },
      heapBase,
      budget,
      Math.floor(budget * STORAGE_SHARE),
      compiled.shared,
    );
    this.packABytes = align(this.kernels.packABytes());
    this.packBBytes = align(this.kernels.packBBytes());
    this.tileRows = this.kernels.tileRows();
    if (!this.reservePacking(1)) throw new Error('could not allocate the GEMM packing buffers');
    this.arenaBase = Math.max(this.heap.alloc(ARENA_BYTES), 0);
    if (compiled.shared && ThreadPool.available()) {
      this.pool = new ThreadPool(compiled.module, this.memory, this.controlBase, (t) => this.packing[t]);
    }
  }

  /** Allocate packing buffers for threads up to `count`; false when the heap cannot. */
  private reservePacking(count: number): boolean {
    while (this.packing.length < count) {
      const ptr = this.heap.alloc(this.packABytes + this.packBBytes);
      if (ptr < 0) return false;
      this.packing.push([ptr, ptr + this.packABytes]);
    }
    return true;
  }

  /**
   * Threads a large GEMM is split across (the calling thread included): the count asked for,
   * less the workers that failed to start once they were started.
   */
  get threads(): number {
    if (!this.workersStarted || this.pool === null) return this.threadCount;
    return Math.min(this.threadCount, 1 + this.pool.working);
  }

  /** Chunks of products run by worker threads so far (0 without workers). */
  get workerChunks(): number {
    return this.pool?.workerChunks ?? 0;
  }

  /** Current size of the linear memory: grows to the largest need, then stays. */
  get memoryBytes(): number {
    return this.pages * PAGE;
  }

  /** Why workers are unavailable or failed, if they are. */
  get threadProblem(): string | null {
    if (this.pool === null) return ThreadPool.unavailableReason() ?? 'private memory: single-threaded build';
    return this.pool.failure;
  }

  /**
   * Use `count` threads (the caller plus count − 1 workers); 1 turns the pool off. Workers are
   * started on the first product worth splitting (or by whenReady), so programs that never
   * multiply large matrices never start a thread.
   */
  setThreads(count: number): void {
    let n = this.pool ? Math.min(Math.max(1, Math.floor(count)), MAX_SLOTS + 1) : 1;
    while (n > 1 && !this.reservePacking(n)) n--;
    this.threadCount = n;
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
    // Grow by an eighth at least (1 MiB at least): growing a shared memory costs far more than the
    // bytes (every view is remade), and between forced collections the heap's top creeps up by
    // small blocks — page by page, decoding a token at a time spent 16 % of its time growing.
    // Untouched pages cost no resident memory.
    const want = Math.min(this.maxPages, Math.max(need, this.pages + (this.pages >> 3), this.pages + GROW_MIN_PAGES));
    try {
      this.memory.grow(want - this.pages);
    } catch {
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
    this.pages = want;
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    return true;
  }

  /** `bytes` (64-aligned) of the small-scratch arena, or 0 when it is full (or absent). */
  arenaTake(bytes: number): number {
    if (this.arenaBase === 0 || this.arenaTop + bytes > ARENA_BYTES) return 0;
    const ptr = this.arenaBase + this.arenaTop;
    this.arenaTop += bytes;
    return ptr;
  }

  /** Operand addresses for one kernel call (see Call). */
  call(): Call {
    return new Call(this);
  }

  /** Copy a typed array into the memory at byte address `ptr`. */
  write(ptr: number, src: Float32Array | Int32Array): void {
    if (src instanceof Float32Array) this.f32.set(src, ptr >> 2);
    else this.i32.set(src, ptr >> 2);
  }

  /** A view of n floats at byte address `ptr`: valid until the memory grows (the next allocation). */
  floats(ptr: number, n: number): Float32Array {
    return this.f32.subarray(ptr >> 2, (ptr >> 2) + n);
  }

  /** Copy dst.length elements from byte address `ptr` into dst. */
  read(ptr: number, dst: Float32Array | Int32Array): void {
    const at = ptr >> 2;
    if (dst instanceof Float32Array) dst.set(this.f32.subarray(at, at + dst.length));
    else dst.set(this.i32.subarray(at, at + dst.length));
  }

  /** Write float64 values at byte address `ptr` (8-aligned: heap blocks are 64-aligned). */
  writeFloats64(ptr: number, values: readonly number[]): void {
    new Float64Array(this.memory.buffer, ptr, values.length).set(values);
  }

  /** Write i32 values at byte address `ptr`. */
  writeInts(ptr: number, values: readonly number[]): void {
    for (let i = 0; i < values.length; i++) this.i32[(ptr >> 2) + i] = values[i];
  }

  /** C = op(A)·op(B) over the batch (see MatmulArgs); false when the operands do not fit in memory. */
  matmul(a: Float32Array, b: Float32Array, out: Float32Array, p: MatmulArgs): boolean {
    const { m, k, n, batch } = p;
    const cLen = batch * m * n;
    if (cLen === 0) return true;
    const aLen = k === 0 ? 0 : (p.aBatchStride > 0 ? (batch - 1) * p.aBatchStride : 0) + m * k;
    const bLen = k === 0 ? 0 : (p.bBatchStride > 0 ? (batch - 1) * p.bBatchStride : 0) + k * n;
    const c = this.call();
    const aPtr = c.in(a, aLen),
      bPtr = c.in(b, bLen),
      cPtr = c.out(out, cLen);
    if (!c.ok) return c.abort();
    this.gemmAt(aPtr, bPtr, cPtr, p);
    c.end();
    return true;
  }

  /**
   * C = op(A)·op(B) on operands already in the memory at byte addresses, split across the
   * threads when it is large enough.
   */
  gemmAt(aPtr: number, bPtr: number, cPtr: number, p: MatmulArgs): void {
    this.runGemm(aPtr, bPtr, cPtr, p, p.transA ? GemmAMode.transposed : GemmAMode.plain, p.aBatchStride);
  }

  /**
   * A convolution's product with its patch matrix never built (assembly/conv-pack.ts), threaded
   * like gemmAt, with the same bits as gemmAt on im2col's matrix: the forward out [rows, cout] =
   * patches(x) · kernel, or (transposed, x's channels at least tileRows) the kernel gradient
   * dk [K, cout] = patches(x)ᵀ · dOut.
   */
  gemmConvAt(
    transposed: boolean,
    xPtr: number,
    gPtr: number,
    bPtr: number,
    cPtr: number,
    m: number,
    k: number,
    n: number,
  ): void {
    const p: MatmulArgs = { m, k, n, transA: transposed, transB: false, batch: 1, aBatchStride: 0, bBatchStride: 0 };
    this.runGemm(xPtr, bPtr, cPtr, p, transposed ? GemmAMode.convT : GemmAMode.conv, gPtr);
  }

  /** One gemm task: `aMode` and `aArg` are its transA (a GemmAMode) and aStride slots. */
  private runGemm(aPtr: number, bPtr: number, cPtr: number, p: MatmulArgs, aMode: number, aArg: number): void {
    if (p.batch * p.m * p.n === 0) return;
    const split = this.splitFor(p);
    const args = this.args,
      s = TaskSlot.gemm;
    args[s.a] = aPtr;
    args[s.b] = bPtr;
    args[s.c] = cPtr;
    args[s.m] = p.m;
    args[s.k] = p.k;
    args[s.n] = p.n;
    args[s.transA] = aMode;
    args[s.transB] = p.transB ? 1 : 0;
    args[s.batch0] = 0;
    args[s.batch1] = p.batch;
    args[s.aStride] = aArg;
    args[s.bStride] = p.bBatchStride;
    args[s.row0] = 0;
    args[s.row1] = p.m;
    args[s.col0] = 0;
    args[s.col1] = p.n;
    // If a chunk threw in a worker (it should not), the whole product is redone here.
    if (split === null || !this.pool!.run(Task.gemm, args, split, this.runHere)) this.runHere(Task.gemm, args);
  }

  /**
   * Run a range task (generated/protocol.ts) over units [0, units) — images, or rows — with
   * `args` by name (the range goes into RANGE_START and RANGE_END), split across the threads when
   * it writes at least RANGE_MIN_WORK floats (`work`) over at least two units.
   */
  parallel<T extends RangeTask>(name: T, args: TaskArgs<T>, units: number, work: number, guided = true): void {
    const a = this.args,
      task = Task[name];
    a.fill(0);
    const slots: Readonly<Record<string, number>> = TaskSlot[name],
      values: Readonly<Record<string, number>> = args;
    for (const arg in slots) a[slots[arg]] = values[arg];
    a[RANGE_START] = 0;
    a[RANGE_END] = units;
    if (units === 0) return;
    const threads = this.threadCount;
    if (this.pool === null || threads === 1 || units < 2 || work < RANGE_MIN_WORK) {
      this.runHere(task, a);
      return;
    }
    this.startWorkers();
    const split: Split =
      guided && units >= GUIDED_MIN_UNITS_PER_THREAD * threads
        ? { kind: SPLIT_RANGE_GUIDED, units, unitSize: threads, chunks: 3 * threads }
        : { kind: SPLIT_RANGE, units, unitSize: 1, chunks: Math.min(units, 2 * threads) };
    if (!this.pool.run(task, a, split, this.runHere)) {
      a[RANGE_START] = 0;
      a[RANGE_END] = units;
      this.runHere(task, a);
    }
  }

  /**
   * How to share a product between threads, or null to keep it on the calling thread (one thread,
   * or too little work). It is cut along the batch when there are enough products, else along the
   * side of C with more register tiles (rows of MR, columns of 8). Row chunks are one per thread:
   * each chunk packs all of B, and with four per thread the thin deep products of a conv's kernel
   * gradient (288×3872×64) ran at 65 instead of 75 GFLOP/s, 1024² at 77 instead of 82 (a thread
   * the OS runs late still costs little: the caller claims its chunk). Column chunks each repack A.
   */
  private splitFor(p: MatmulArgs): Split | null {
    const threads = this.threadCount;
    if (this.pool === null || threads === 1 || p.batch * p.m * p.n * p.k < THREAD_MIN_WORK) return null;
    this.startWorkers();
    const rowTiles = Math.ceil(p.m / this.tileRows);
    const colTiles = Math.ceil(p.n / 8);
    if (p.batch >= 2 * threads)
      return { kind: SPLIT_BATCH, units: p.batch, unitSize: 1, chunks: Math.min(p.batch, 4 * threads) };
    if (rowTiles >= colTiles)
      return { kind: SPLIT_ROWS, units: rowTiles, unitSize: this.tileRows, chunks: Math.min(rowTiles, threads) };
    return { kind: SPLIT_COLS, units: colTiles, unitSize: 8, chunks: Math.min(colTiles, 2 * threads) };
  }

  /** Run a task's chunk on the calling thread, with its own packing buffers (thread 0). */
  private readonly runHere = (task: number, a: number[]): void => {
    const [packA, packB] = this.packing[0];
    runTask(this.kernels, task, a, packA, packB);
  };
}
