/**
 * The GPU queue as the kernels see it: compiled pipelines, a batch of recorded commands, and the
 * small parameter blocks each dispatch reads.
 *
 * Batching: kernels record into one open command encoder (one compute pass while only dispatches
 * follow each other) that is submitted when something must happen in order with the queue's own
 * operations — a write (queue.writeBuffer runs at once, ahead of anything still unsubmitted), a
 * read, destroying a buffer — when the parameter arena is full, and otherwise when the current
 * task ends (a microtask), so the GPU starts while JavaScript waits. Dispatches in one pass see
 * each other's writes, so no kernel waits on the host.
 *
 * Parameters: each dispatch takes a 256-byte slot of one uniform buffer (256 is the largest
 * uniform offset alignment WebGPU allows); the host copy of the slots is uploaded with a single
 * writeBuffer just before the batch is submitted. The previous batch was submitted earlier, so
 * overwriting the slots cannot race with it.
 */
/// <reference types="@webgpu/types" />
import { BackendError } from '../../util/errors.js';
import type { DeviceLimits } from './adapter.js';

/** GPUBufferUsage / GPUMapMode flags (numbers, since Node has no such globals without the package's). */
export const Usage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_MODE_READ = 0x1;

/** Threads per workgroup of the one-thread-per-element kernels (see wgsl.ts, MAIN_1D). */
export const WG = 256;
/** Bytes per parameter slot, and slots per batch. */
const SLOT_BYTES = 256;
const SLOTS = 256;
export const PARAM_WORDS = SLOT_BYTES / 4;

export interface Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export class Queue {
  readonly maxGroups: number;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Buffers the recorded, unsubmitted commands use: writing or destroying one must submit first. */
  private readonly pending = new Set<GPUBuffer>();
  private readonly doomed: GPUBuffer[] = [];
  /** Where in-place calls copy their inputs (see snapshots); grows as needed. */
  private scratch: GPUBuffer | null = null;
  private readonly arena: GPUBuffer;
  private readonly words = new Int32Array((SLOTS * SLOT_BYTES) / 4);
  private slots = 0;
  private readonly kernels = new Map<string, Kernel>();
  /** Validation and out-of-memory errors Dawn reported; the next read throws them. */
  private readonly errors: string[] = [];
  private lost: string | null = null;
  private flushQueued = false;

  /** `gpu`: the object the device came from, kept referenced as long as the queue (see openDevice). */
  constructor(
    readonly gpu: GPU,
    readonly device: GPUDevice,
    limits: DeviceLimits,
  ) {
    this.maxGroups = limits.maxComputeWorkgroupsPerDimension;
    this.arena = device.createBuffer({ size: SLOTS * SLOT_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
    device.addEventListener('uncapturederror', (e) => {
      if (this.errors.length < 8) this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
    void device.lost.then((info) => {
      this.lost = info.message || info.reason;
    });
  }

  /** The pipeline compiled from `source()`, once per key. */
  kernel(key: string, source: () => string): Kernel {
    let k = this.kernels.get(key);
    if (k === undefined) {
      const module = this.device.createShaderModule({ code: source(), label: key });
      const pipeline = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: key,
      });
      k = { pipeline, layout: pipeline.getBindGroupLayout(0) };
      this.kernels.set(key, k);
    }
    return k;
  }

  /**
   * Record one dispatch of `groups` workgroups over x, y, z. `params` are 32-bit words (integers,
   * or float bits from floatBits), read by the shader through pu/pi/pf; `buffers` bind in order
   * from binding 1.
   */
  dispatch(k: Kernel, buffers: readonly GPUBuffer[], params: ArrayLike<number>, x: number, y = 1, z = 1): void {
    if (x === 0 || y === 0 || z === 0) return;
    if (params.length > PARAM_WORDS)
      throw new Error(`webgpu: ${params.length} parameter words; at most ${PARAM_WORDS}`);
    if (this.slots === SLOTS) this.flush();
    const slot = this.slots++;
    this.words.set(params, (slot * SLOT_BYTES) / 4);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset: slot * SLOT_BYTES, size: SLOT_BYTES } },
    ];
    const copies = this.snapshots(buffers);
    buffers.forEach((buffer, i) => {
      const copy = copies.get(i);
      entries.push({ binding: i + 1, resource: copy ?? { buffer } });
      this.pending.add(buffer);
    });
    const pass = this.computePass();
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, this.device.createBindGroup({ layout: k.layout, entries }));
    pass.dispatchWorkgroups(x, y, z);
  }

  /**
   * In-place calls (unary with out === x, a bias add over its own product): WebGPU forbids one
   * buffer in two writable bindings of a dispatch, and all bindings here are read_write. So every
   * binding but the last of a repeated buffer (kernels bind outputs last) reads a copy taken just
   * before the dispatch — the semantics of a pure out = f(x), whatever the kernel's access order.
   */
  private snapshots(buffers: readonly GPUBuffer[]): Map<number, GPUBufferBinding> {
    const copies = new Map<number, GPUBufferBinding>();
    let bytes = 0;
    buffers.forEach((b, i) => {
      if (buffers.indexOf(b, i + 1) < 0) return;
      copies.set(i, { buffer: b, offset: bytes, size: b.size });
      bytes += Math.ceil(b.size / SLOT_BYTES) * SLOT_BYTES;
    });
    if (copies.size === 0) return copies;
    if (this.scratch === null || this.scratch.size < bytes) {
      if (this.scratch !== null) this.destroy(this.scratch);
      this.scratch = this.device.createBuffer({ size: bytes, usage: Usage.STORAGE | Usage.COPY_DST });
    }
    const scratch = this.scratch;
    const encoder = this.commandEncoder();
    for (const c of copies.values()) {
      encoder.copyBufferToBuffer(c.buffer, 0, scratch, c.offset!, c.size!);
      c.buffer = scratch;
    }
    this.pending.add(scratch);
    return copies;
  }

  /**
   * One thread per element for `threads` elements, WG to a workgroup; past maxGroups workgroups
   * the grid becomes two-dimensional (the shader folds y back into its index, see MAIN_1D).
   */
  dispatch1d(k: Kernel, buffers: readonly GPUBuffer[], params: ArrayLike<number>, threads: number): void {
    this.dispatchRows(k, buffers, params, Math.ceil(threads / WG));
  }

  /** `groups` workgroups (e.g. one per row), folded into a 2-d grid past maxGroups. */
  dispatchRows(k: Kernel, buffers: readonly GPUBuffer[], params: ArrayLike<number>, groups: number): void {
    const x = Math.min(groups, this.maxGroups);
    this.dispatch(k, buffers, params, x, x === 0 ? 0 : Math.ceil(groups / x));
  }

  /** Zero `bytes` bytes of a buffer (a multiple of 4), in order with the recorded kernels. */
  clear(buffer: GPUBuffer, bytes: number): void {
    if (bytes === 0) return;
    this.commandEncoder().clearBuffer(buffer, 0, bytes);
    this.pending.add(buffer);
  }

  /** Copy `bytes` bytes (a multiple of 4) from the start of src to the start of dst. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    if (bytes === 0) return;
    this.commandEncoder().copyBufferToBuffer(src, 0, dst, 0, bytes);
    this.pending.add(src);
    this.pending.add(dst);
  }

  /** Upload host bytes to the start of a buffer, after every kernel recorded so far. */
  write(buffer: GPUBuffer, data: ArrayBufferView): void {
    if (data.byteLength === 0) return;
    if (this.pending.has(buffer)) this.flush();
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Destroy a buffer once no recorded command can still need it. */
  destroy(buffer: GPUBuffer): void {
    if (this.pending.has(buffer)) this.doomed.push(buffer);
    else buffer.destroy();
  }

  /** The first `bytes` bytes of a buffer, after every kernel recorded so far has run. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: Math.max(4, bytes), usage: Usage.MAP_READ | Usage.COPY_DST });
    try {
      this.copy(buffer, staging, bytes);
      this.flush();
      await staging.mapAsync(MAP_MODE_READ, 0, Math.max(4, bytes));
      this.throwReported();
      return staging.getMappedRange(0, bytes).slice(0);
    } catch (err) {
      this.throwReported();
      throw err;
    } finally {
      staging.destroy();
    }
  }

  /** Submit everything recorded so far. */
  flush(): void {
    if (this.lost !== null)
      throw new BackendError(
        `webgpu: the GPU device was lost (${this.lost}); expected a live device: start the backend again`,
      );
    if (this.encoder === null) return;
    this.pass?.end();
    this.pass = null;
    if (this.slots > 0) this.device.queue.writeBuffer(this.arena, 0, this.words.buffer, 0, this.slots * SLOT_BYTES);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slots = 0;
    this.pending.clear();
    for (const b of this.doomed.splice(0)) b.destroy();
  }

  private throwReported(): void {
    if (this.errors.length > 0) {
      const all = this.errors.splice(0).join('; ');
      throw new BackendError(
        `webgpu: the GPU reported errors (${all}); expected none (a bug in a kernel, or the device is out of memory)`,
      );
    }
  }

  private commandEncoder(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = null;
    if (this.encoder === null) {
      this.encoder = this.device.createCommandEncoder();
      this.queueFlush();
    }
    return this.encoder;
  }

  /** Submit at the end of the current task (errors, e.g. a lost device, surface at the next read). */
  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      try {
        this.flush();
      } catch {
        // The next explicit flush (a read or write) throws it.
      }
    });
  }

  private computePass(): GPUComputePassEncoder {
    if (this.pass === null) this.pass = this.commandEncoder().beginComputePass();
    return this.pass;
  }
}

const bits = new DataView(new ArrayBuffer(4));
/** The bit pattern of a float32 value as an int32 word, for a parameter block. */
export function floatBits(v: number): number {
  bits.setFloat32(0, v, true);
  return bits.getInt32(0, true);
}
