/**
 * The worker threads that share a GEMM with the calling thread (Node only). Workers start in the
 * background and join in as they come up (until then the caller claims every chunk itself). They
 * are unref'd, so an idle pool never keeps a program alive.
 */
import type { Worker as NodeWorker } from 'node:worker_threads';
import { nodeBuiltin } from './node.js';
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
  worker: NodeWorker;
  slot: number;
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
    return nodeBuiltin('node:worker_threads') !== undefined && typeof SharedArrayBuffer === 'function';
  }

  get size(): number {
    return this.members.length;
  }

  /** Start or retire workers until there are `count`. */
  resize(count: number): void {
    while (this.members.length > count) {
      const m = this.members.pop()!;
      // A retiring worker sees ALIVE = 0 at its next wake-up, which the SEQ bump below forces.
      Atomics.store(this.control, ALIVE + m.slot, 0);
      void m.worker.terminate();
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
      if ((spins & 63) === 0 && performance.now() - start > CALLER_SPIN_MS) {
        Atomics.store(c, CALLER_SLEEPING, 1);
        // The timeout guards against a notify that raced ahead of the store above.
        Atomics.wait(c, COMPLETED, done, 1);
        Atomics.store(c, CALLER_SLEEPING, 0);
      }
    }
    return Atomics.load(c, FAILED) === 0;
  }

  private spawn(slot: number, thread: number): void {
    const wt = nodeBuiltin('node:worker_threads')!;
    Atomics.store(this.control, ALIVE + slot, 1);
    const [packA, packB] = this.packBuffers(thread);
    const worker = new wt.Worker(new URL('./worker.js', import.meta.url), {
      workerData: { module: this.module, memory: this.memory, controlBase: this.controlBase, slot, packA, packB },
    });
    worker.unref();
    this.members.push({ worker, slot });
    // Kept for the worker's whole life: an 'error' event without a listener would crash the program.
    worker.on('error', (err: Error) => {
      this.failure = `a GEMM worker stopped: ${err.message}`;
    });
    worker.once('exit', () => {
      // The slot may be reused once its old worker is gone for good.
      if (Atomics.load(this.control, ALIVE + slot) === 0) this.freeSlots.push(slot);
    });
    const started = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
    const tracked = started.then(() => void this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
