/**
 * The worker threads that share a GEMM with the calling thread: Node worker threads, or Web Workers
 * in a cross-origin-isolated browser page (where SharedArrayBuffer exists). Both run the same
 * script, generated/worker-source.ts (see worker.ts). Workers start in the background and join in
 * as they come up (until then the caller claims every chunk itself). Node's are unref'd, so an
 * idle pool never keeps a program alive.
 *
 * A browser's main thread may not block in Atomics.wait: there the caller polls until the last
 * chunk is done (the workers still sleep when idle). Training on the main thread freezes the page
 * anyway, so an app should train in a Web Worker, as the playground does; threads work in both.
 */
import type { Worker as NodeWorker } from 'node:worker_threads';
import { nodeBuiltin } from './node.js';
import { workerSource } from './generated/worker-source.js';
import type { WorkerInit, WorkerReply } from './worker.js';
import {
  ALIVE,
  ARGS,
  ARG_COUNT,
  CALLER_SLEEPING,
  CALLER_SPIN_MS,
  CHUNKS,
  COMPLETED,
  CONTROL_INTS,
  COUNTER,
  FAILED,
  GENERATION_MASK,
  MAX_SLOTS,
  SEQ,
  SLEEPING,
  SPLIT,
  TASK,
  UNITS,
  UNIT_SIZE,
  WORKER_CHUNKS,
  workOn,
  type RunChunk,
} from './protocol.js';

/** How one product is cut into chunks: see protocol.ts. */
export interface Split {
  kind: number;
  units: number;
  unitSize: number;
  chunks: number;
}

interface Member {
  stop(): void;
  slot: number;
}

/** A browser's Worker, as far as the pool uses it (the DOM types are not in this build). */
interface WebWorker {
  postMessage(message: WorkerInit): void;
  terminate(): void;
  onmessage: ((event: { data: WorkerReply }) => void) | null;
  onerror: ((event: { message?: string; preventDefault(): void }) => void) | null;
}
interface WebGlobals {
  Worker?: new (url: string, options?: { name?: string }) => WebWorker;
  crossOriginIsolated?: boolean;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL: { createObjectURL?(blob: object): string };
}

const web = globalThis as unknown as WebGlobals;

/** Whether Web Workers over shared memory are possible here (a cross-origin-isolated page or worker). */
function webWorkersAvailable(): boolean {
  return (
    typeof web.Worker === 'function' &&
    typeof web.Blob === 'function' &&
    typeof web.URL?.createObjectURL === 'function' &&
    web.crossOriginIsolated === true &&
    typeof SharedArrayBuffer === 'function'
  );
}

let workerUrl: string | undefined;
/** The worker script as a Blob URL, made once and kept (each worker loads it). */
function webWorkerUrl(): string {
  workerUrl ??= web.URL.createObjectURL!(new web.Blob!([workerSource], { type: 'text/javascript' }));
  return workerUrl;
}

let waitAllowed: boolean | undefined;
/** Whether this thread may block in Atomics.wait (a browser's main thread may not). */
function canWait(): boolean {
  if (waitAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      waitAllowed = true;
    } catch {
      waitAllowed = false;
    }
  }
  return waitAllowed;
}

export class ThreadPool {
  private readonly members: Member[] = [];
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private readonly control: Int32Array;
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;
  /** Why a worker could not start or stopped, if one did. */
  failure: string | null = null;
  /** Slots of started workers that failed to start or stopped: they claim no chunks. */
  private readonly failed = new Set<number>();
  private readonly callerWaits = canWait();

  /**
   * @param packBuffers byte addresses [packA, packB] of the packing buffers of thread t (t ≥ 1; the
   *   caller is thread 0)
   */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly controlBase: number,
    private readonly packBuffers: (thread: number) => [number, number],
  ) {
    this.control = new Int32Array(memory.buffer, controlBase, CONTROL_INTS);
  }

  /** Whether this runtime can start workers at all. */
  static available(): boolean {
    if (nodeBuiltin('node:worker_threads') !== undefined) return typeof SharedArrayBuffer === 'function';
    return webWorkersAvailable();
  }

  /** Why there can be no workers here, or null where there can. */
  static unavailableReason(): string | null {
    if (typeof SharedArrayBuffer !== 'function')
      return nodeBuiltin('node:worker_threads') || typeof web.Worker === 'function'
        ? 'no SharedArrayBuffer (a browser page must be cross-origin isolated: COOP same-origin and COEP require-corp headers)'
        : 'this runtime has neither worker_threads nor Web Workers';
    if (nodeBuiltin('node:worker_threads')) return null;
    if (typeof web.Worker !== 'function') return 'this runtime has neither worker_threads nor Web Workers';
    return webWorkersAvailable() ? null : 'the page is not cross-origin isolated (crossOriginIsolated is false)';
  }

  get size(): number {
    return this.members.length;
  }

  /** Workers that are starting or serving (not failed). */
  get working(): number {
    return this.members.filter((m) => !this.failed.has(m.slot)).length;
  }

  /** Start or retire workers until there are `count`. */
  resize(count: number): void {
    while (this.members.length > count) {
      const m = this.members.pop()!;
      // A retiring worker sees ALIVE = 0 at its next wake-up, which the SEQ bump below forces.
      Atomics.store(this.control, ALIVE + m.slot, 0);
      this.failed.delete(m.slot);
      m.stop();
    }
    this.seq = (this.seq + 1) & 0x3fffffff;
    Atomics.store(this.control, SEQ, this.seq);
    Atomics.notify(this.control, SEQ);
    while (this.members.length < count) {
      const slot = this.freeSlots.pop() ?? (this.nextSlot < MAX_SLOTS ? this.nextSlot++ : -1);
      if (slot < 0) {
        this.failure = `at most ${MAX_SLOTS} worker threads`;
        return;
      }
      this.spawn(slot, this.members.length + 1);
    }
  }

  /** Chunks of products that worker threads (not the caller) have run so far. */
  get workerChunks(): number {
    return Atomics.load(this.control, WORKER_CHUNKS);
  }

  /** Resolves once every started worker is ready (or failed to start). */
  async whenReady(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Run one task on the caller and the workers: `args` are its arguments (for a GEMM without the
   * packing buffers), `run` runs one chunk on the calling thread. Returns false if a chunk threw
   * in a worker, in which case the caller must redo the whole task.
   */
  run(task: number, args: readonly number[], split: Split, run: RunChunk): boolean {
    const c = this.control;
    this.seq = (this.seq + 1) & 0x3fffffff;
    const generation = this.seq & GENERATION_MASK;
    c[TASK] = task;
    for (let i = 0; i < ARG_COUNT; i++) c[ARGS + i] = args[i];
    c[SPLIT] = split.kind;
    c[UNITS] = split.units;
    c[UNIT_SIZE] = split.unitSize;
    c[CHUNKS] = split.chunks;
    Atomics.store(c, COMPLETED, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.store(c, COUNTER, generation << 16);
    Atomics.store(c, SEQ, this.seq);
    if (Atomics.load(c, SLEEPING) > 0) Atomics.notify(c, SEQ);
    const mine = args.slice();
    workOn(c, generation, mine, run, false);
    // The last chunks may still be running in workers. Poll (see CALLER_SPIN_MS); past that, sleep
    // until a worker notifies, so that on a busy machine the caller's core goes to the workers.
    const start = performance.now();
    for (let spins = 1; ; spins++) {
      const done = Atomics.load(c, COMPLETED);
      if (done >= split.chunks) break;
      if (this.callerWaits && (spins & 63) === 0 && performance.now() - start > CALLER_SPIN_MS) {
        Atomics.store(c, CALLER_SLEEPING, 1);
        // The timeout guards against a notify that raced ahead of the store above.
        Atomics.wait(c, COMPLETED, done, 1);
        Atomics.store(c, CALLER_SLEEPING, 0);
      }
    }
    return Atomics.load(c, FAILED) === 0;
  }

  private spawn(slot: number, thread: number): void {
    Atomics.store(this.control, ALIVE + slot, 1);
    const [packA, packB] = this.packBuffers(thread);
    const init: WorkerInit = {
      module: this.module,
      memory: this.memory,
      controlBase: this.controlBase,
      slot,
      packA,
      packB,
    };
    let settle!: () => void;
    const started = new Promise<void>((resolve) => (settle = resolve));
    const fail = (why: string): void => {
      // The first reason is the telling one ('exit' follows 'error').
      if (this.failed.has(slot)) return;
      this.failure = `a kernel worker failed: ${why}`;
      this.failed.add(slot);
      settle();
    };
    let stop = (): void => {};
    try {
      stop = nodeBuiltin('node:worker_threads')
        ? this.spawnNode(init, settle, fail)
        : this.spawnWeb(init, settle, fail);
    } catch (err) {
      // e.g. a Content-Security-Policy that refuses blob: workers (a SecurityError), or no memory.
      fail(err instanceof Error ? err.message : String(err));
    }
    this.members.push({ stop, slot });
    const tracked = started.then(() => void this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private spawnNode(init: WorkerInit, ready: () => void, fail: (why: string) => void): () => void {
    const wt = nodeBuiltin('node:worker_threads')!;
    const worker: NodeWorker = new wt.Worker(workerSource, { eval: true, workerData: init });
    worker.unref();
    // Kept for the worker's whole life: an 'error' event without a listener would crash the program.
    worker.on('error', (err: Error) => fail(err.message));
    worker.once('message', (reply: WorkerReply) => (reply === 'ready' ? ready() : fail(reply.error)));
    worker.once('exit', () => {
      // The slot may be reused once its old worker is gone for good.
      if (Atomics.load(this.control, ALIVE + init.slot) === 0) this.freeSlots.push(init.slot);
      else fail('it exited');
    });
    return () => void worker.terminate();
  }

  private spawnWeb(init: WorkerInit, ready: () => void, fail: (why: string) => void): () => void {
    const worker = new web.Worker!(webWorkerUrl(), { name: `tessera kernels ${init.slot}` });
    worker.onmessage = (event) => (event.data === 'ready' ? ready() : fail(event.data.error));
    worker.onerror = (event) => {
      event.preventDefault();
      fail(event.message ?? 'the Web Worker could not start (a Content-Security-Policy without worker-src blob:?)');
    };
    worker.postMessage(init);
    return () => {
      worker.terminate();
      this.freeSlots.push(init.slot);
    };
  }
}
