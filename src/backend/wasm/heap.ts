/**
 * A heap inside the wasm memory, so that tensor storage can live where the kernels read it.
 *
 * Why: with storage in ordinary typed arrays every kernel call copied its operands into the
 * memory and its result out, and every op's output was a fresh typed array whose pages the OS
 * had to fault in and zero. In the seed CNN's training step those copies and allocations were
 * 28 % of the time, in inference 42 % (`node --cpu-prof`, Xeon, 2 threads). A tensor whose
 * storage is a view of this memory is passed to a kernel by address.
 *
 * Freeing without dispose(): each block handed out as tensor storage is registered with a
 * FinalizationRegistry and returns to the free blocks when its view is garbage-collected. V8
 * cannot see the megabytes behind a small view, so on its own it collects far too rarely (the
 * heap reached 1 GiB in 60 CNN steps); in Node the heap therefore forces a full collection every
 * COLLECT_EVERY bytes of storage and runs the registry's callbacks at once (node.ts), which keeps
 * even a synchronous training loop flat. Where that is unavailable the callbacks run when the
 * event loop turns (`fit` yields every 100 ms); past its storage budget the heap refuses and
 * tensors get ordinary typed arrays (correct, only slower), so memory is bounded either way.
 *
 * Only shared memory can hold storage: growing a shared memory keeps every existing view valid,
 * while growing a private one detaches them. The private (browser, single-thread) build uses the
 * heap for per-call scratch only.
 *
 * Blocks are 64-byte aligned; returned blocks merge with free neighbours (free-blocks.ts), and the
 * top comes down when the highest blocks are free.
 */

import { FreeBlocks } from './free-blocks.js';
import { garbageCollector, noteFinalizerActivity, type Collector, type SyncRegistry } from './node.js';

const ALIGN = 64;
/** Storage bytes handed out between two forced collections (when a collector is available). */
const COLLECT_EVERY = 128 * 1024 * 1024;
/** Smaller blocks are not given back early (see releaseEarly). */
const EARLY_MIN_BYTES = 64 * 1024;
const roundUp = (bytes: number): number => (bytes + ALIGN - 1) & ~(ALIGN - 1);

/**
 * Views of heap storage. `subarray` records the array it was cut from, so that a view of part of
 * a tensor's storage keeps the whole block alive (the registry watches only the original view).
 */
export class HeapFloat32Array extends Float32Array {
  parent: Float32Array | null = null;
  /** The storage block's serial number (see Heap.storage); 0 for a view cut by subarray. */
  serial = 0;
  override subarray(begin?: number, end?: number): HeapFloat32Array {
    const view = super.subarray(begin, end) as HeapFloat32Array;
    view.parent = this;
    return view;
  }
}

export class HeapInt32Array extends Int32Array {
  parent: Int32Array | null = null;
  serial = 0;
  override subarray(begin?: number, end?: number): HeapInt32Array {
    const view = super.subarray(begin, end) as HeapInt32Array;
    view.parent = this;
    return view;
  }
}

function isHeapView(a: Float32Array | Int32Array): a is HeapFloat32Array | HeapInt32Array {
  return a instanceof HeapFloat32Array || a instanceof HeapInt32Array;
}

export interface HeapMemory {
  /** The memory's current buffer (a new object after each growth). */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grow so that byte address `end` is inside the memory; false when it cannot. */
  ensure(end: number): boolean;
  /** Zero bytes [ptr, ptr + bytes). */
  zero(ptr: number, bytes: number): void;
}

export class Heap {
  private readonly free = new FreeBlocks();
  /** First byte past the highest block in use. */
  private top: number;
  private readonly registry: SyncRegistry<number>;
  private readonly collector: Collector | null;
  /** Storage bytes handed out since the last forced collection. */
  private sinceCollect = 0;
  /** Forced collections so far (for tests and the memory benchmark). */
  collections = 0;
  /** Sizes of the live blocks by address: the registry's callbacks and `release` look them up. */
  private readonly sizes = new Map<number, number>();
  /**
   * Live storage blocks by serial number. The registry holds serials, not addresses, so that a
   * block given back early (releaseEarly) and then reused is not freed again when its old view
   * is finally collected.
   */
  private readonly owners = new Map<number, number>();
  private serial = 0;
  /** Bytes of live tensor storage (not scratch). */
  storageBytes = 0;

  /**
   * @param base first byte the heap may use
   * @param budget bytes past `base` the heap may grow to
   * @param storageBudget bytes of that tensor storage may hold, so scratch always finds room
   * @param shared whether views of storage survive growth (shared memory)
   */
  constructor(
    private readonly memory: HeapMemory,
    private readonly base: number,
    private readonly budget: number,
    private readonly storageBudget: number,
    readonly shared: boolean,
  ) {
    this.top = roundUp(base);
    this.collector = shared ? garbageCollector() : null;
    const Registry = this.collector?.Registry ?? FinalizationRegistry;
    this.registry = new Registry<number>((serial) => this.releaseStorage(serial));
  }

  /** Bytes from the heap's base to its top: what the memory holds for it. */
  get extent(): number {
    return this.top - this.base;
  }

  /** A block of at least `bytes`, 64-byte aligned; -1 when the budget is spent. Contents are undefined. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1));
    const ptr = this.take(size);
    if (ptr >= 0) this.sizes.set(ptr, size);
    return ptr;
  }

  /** Return a block from `alloc`. */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`Heap.release: ${ptr} is not a live block`);
    this.sizes.delete(ptr);
    this.put(ptr, size);
  }

  /**
   * Float32 or int32 storage of `length` elements in the heap (zeroed when `zeroed`), freed when
   * the returned view is garbage-collected; null where the heap cannot hold storage (private
   * memory, budget).
   */
  storage(int: boolean, length: number, zeroed: boolean): Float32Array | Int32Array | null {
    if (!this.shared) return null;
    const want = roundUp(length * 4);
    if (this.sinceCollect > COLLECT_EVERY) this.collect();
    let ptr = this.storageBytes + want <= this.storageBudget ? this.alloc(want) : -1;
    if (ptr < 0 && this.collect()) ptr = this.storageBytes + want <= this.storageBudget ? this.alloc(want) : -1;
    if (ptr < 0) return null;
    this.sinceCollect += want;
    // (Typed as ArrayBuffer only because the subclasses' inherited constructor signature says so.)
    const buffer = this.memory.buffer as ArrayBuffer;
    const view = int ? new HeapInt32Array(buffer, ptr, length) : new HeapFloat32Array(buffer, ptr, length);
    // A reused block holds old data.
    if (zeroed) this.memory.zero(ptr, want);
    this.storageBytes += want;
    view.serial = ++this.serial;
    this.owners.set(view.serial, ptr);
    this.registry.register(view, view.serial);
    noteFinalizerActivity();
    return view;
  }

  /**
   * Give the storage block of `a` back now instead of when `a` is collected: `a` must be the view
   * `storage` returned (not one cut from it), and the caller guarantees that nothing reads it or
   * any view of it again — an op's own temporary that never leaves it. Blocks under
   * EARLY_MIN_BYTES are left to the collector: as holes between blocks still waiting for
   * collection they would only fragment the free blocks. True when the block was given back.
   */
  releaseEarly(a: Float32Array | Int32Array): boolean {
    if (!isHeapView(a) || a.parent !== null || !this.isMine(a.buffer)) return false;
    const size = this.sizes.get(this.owners.get(a.serial) ?? -1);
    if (size === undefined || size < EARLY_MIN_BYTES) return false;
    this.releaseStorage(a.serial);
    // Bytes given back are no garbage for the next forced collection to find.
    this.sinceCollect = Math.max(0, this.sinceCollect - size);
    return true;
  }

  /** The byte address of `a` when it is a view of this heap's memory, else -1. */
  addressOf(a: Float32Array | Int32Array): number {
    return isHeapView(a) && this.isMine(a.buffer) ? a.byteOffset : -1;
  }

  /** Buffers of this memory seen so far: one per growth (a view keeps the buffer it was made on). */
  private readonly buffers = new WeakSet<object>();
  private lastBuffer: object | null = null;

  private isMine(buffer: object): boolean {
    const current = this.memory.buffer;
    if (current !== this.lastBuffer) {
      this.lastBuffer = current;
      this.buffers.add(current);
    }
    return this.buffers.has(buffer);
  }

  /**
   * Collect garbage and return the storage of dead views now (where the runtime allows it; see
   * node.ts); true when that was possible.
   */
  collect(): boolean {
    this.sinceCollect = 0;
    if (this.collector === null) return false;
    this.collector.gc();
    this.registry.cleanupSome?.();
    this.collections++;
    return true;
  }

  private releaseStorage(serial: number): void {
    const ptr = this.owners.get(serial);
    if (ptr === undefined) return; // given back early already
    this.owners.delete(serial);
    this.storageBytes -= this.sizes.get(ptr)!;
    this.release(ptr);
  }

  private take(size: number): number {
    const ptr = this.free.take(size);
    return ptr >= 0 ? ptr : this.bump(size);
  }

  /** A new block at the top, growing the memory; -1 past the budget. */
  private bump(size: number): number {
    if (this.top + size - this.base > this.budget || !this.memory.ensure(this.top + size)) return -1;
    // Record the buffer views will be made on before any of them is checked.
    this.isMine(this.memory.buffer);
    const ptr = this.top;
    this.top += size;
    return ptr;
  }

  /** Return a block to the free ones, and lower the top when the highest blocks are free. */
  private put(ptr: number, size: number): void {
    this.free.put(ptr, size);
    const start = this.free.takeEndingAt(this.top);
    if (start >= 0) this.top = start;
  }
}
