/**
 * Tensor storage on the GPU: a storage buffer, its dtype and element count.
 *
 * Reclaimed without dispose(): every storage object is registered with a FinalizationRegistry
 * whose callback returns its buffer to a free pool, bucketed by size, that the next allocation of
 * that bucket reuses (buffers past the pool's budget are destroyed). V8 cannot see GPU memory
 * behind a small object, so left alone it would collect far too rarely; in Node a full collection
 * is forced every COLLECT_EVERY bytes handed out and the callbacks run at once — the same
 * collector the wasm heap uses (../wasm/node.ts). Elsewhere the callbacks run with ordinary GC.
 *
 * A buffer returned to the pool may still be named by recorded, unsubmitted commands; reusing it
 * is safe because every later use is recorded or queued after them (Queue.write submits first),
 * and destroying it waits for the submission (Queue.destroy).
 */
/// <reference types="@webgpu/types" />
import type { DType, TypedArray } from '../types.js';
import { BackendError } from '../../util/errors.js';
import { garbageCollector, noteFinalizerActivity, type Collector, type SyncRegistry } from '../wasm/node.js';
import { Usage, type Queue } from './device.js';

/** A storage handle (seen from outside this folder as the opaque WebGPUStorage of backend.ts). */
export class GpuStorage {
  constructor(
    readonly buffer: GPUBuffer,
    readonly dtype: DType,
    readonly size: number,
  ) {}
}

/** Bytes handed out between two forced collections (where a collector is available). */
const COLLECT_EVERY = 64 * 1024 * 1024;
/** Free buffers kept for reuse, at most this many bytes; the rest are destroyed. */
const POOL_BUDGET = 256 * 1024 * 1024;

/**
 * The size class of a request: powers of two up to 4 KiB, then four classes per octave, so a
 * buffer is at most 25 % larger than asked and similar sizes share a bucket. Never 0 bytes: a
 * zero-size tensor still needs a buffer to bind.
 */
export function bucketBytes(bytes: number): number {
  if (bytes <= 4096) return Math.max(16, 2 ** Math.ceil(Math.log2(Math.max(bytes, 1))));
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

interface Held {
  buffer: GPUBuffer;
  bytes: number;
}

export class StoragePool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private freeBytes = 0;
  private sinceCollect = 0;
  private readonly collector: Collector | null = garbageCollector();
  private readonly registry: SyncRegistry<Held>;
  /** Forced collections so far (for tests). */
  collections = 0;

  constructor(
    private readonly queue: Queue,
    private readonly maxBufferSize: number,
  ) {
    const Registry = this.collector?.Registry ?? FinalizationRegistry;
    this.registry = new Registry<Held>((held) => this.giveBack(held.buffer, held.bytes));
  }

  /** Storage of `size` elements; zeroed when asked (a reused buffer holds old values). */
  allocate(dtype: DType, size: number, zeroed: boolean): GpuStorage {
    const bytes = bucketBytes(size * 4);
    if (bytes > this.maxBufferSize) {
      throw new BackendError(
        `webgpu: a tensor of ${size} elements needs ${size * 4} bytes; expected at most maxBufferSize = ${this.maxBufferSize} bytes on this device`,
      );
    }
    if (this.sinceCollect > COLLECT_EVERY) this.collect();
    this.sinceCollect += bytes;
    let buffer = this.free.get(bytes)?.pop();
    if (buffer !== undefined) {
      this.freeBytes -= bytes;
      if (zeroed) this.queue.clear(buffer, bytes);
    } else {
      // New buffers start zeroed.
      buffer = this.queue.device.createBuffer({ size: bytes, usage: Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST });
    }
    const s = new GpuStorage(buffer, dtype, size);
    this.registry.register(s, { buffer, bytes }, s);
    noteFinalizerActivity();
    return s;
  }

  /** Give a storage's buffer back now; nothing may use `s` afterwards. */
  release(s: GpuStorage): void {
    if (!this.registry.unregister(s)) return;
    const bytes = bucketBytes(s.size * 4);
    this.sinceCollect = Math.max(0, this.sinceCollect - bytes);
    this.giveBack(s.buffer, bytes);
  }

  /** Force a collection and run the finalizers now (Node); false where that is not possible. */
  collect(): boolean {
    this.sinceCollect = 0;
    if (this.collector === null) return false;
    this.collector.gc();
    this.registry.cleanupSome?.();
    this.collections++;
    return true;
  }

  private giveBack(buffer: GPUBuffer, bytes: number): void {
    if (this.freeBytes + bytes > POOL_BUDGET) {
      this.queue.destroy(buffer);
      return;
    }
    const list = this.free.get(bytes);
    if (list === undefined) this.free.set(bytes, [buffer]);
    else list.push(buffer);
    this.freeBytes += bytes;
  }
}

/** Host values to a fresh typed array of a storage's dtype. */
export function hostArray(dtype: DType, bytes: ArrayBuffer): TypedArray {
  return dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
}
