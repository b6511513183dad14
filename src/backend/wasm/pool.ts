/**
 * The worker threads that share a GEMM with the calling thread (Node only). Workers are started
 * in the background and join as they become ready, so the first products after start-up simply
 * run on fewer threads. They are unref'd: an idle pool never keeps a program alive.
 */
import type { Worker as NodeWorker } from 'node:worker_threads';
import { nodeBuiltin } from './node.js';
import { ARGS, ARG_COUNT, DONE, EXIT, FAILED, MAX_SLOTS, READY, SEQ, SLOT_INTS } from './protocol.js';

interface Member {
  worker: NodeWorker;
  slot: number;
  /** View of this worker's control slot. */
  control: Int32Array;
  seq: number;
}

export class ThreadPool {
  private readonly members: Member[] = [];
  /** Slots are never reused: a retiring worker may still be reading its old one. */
  private nextSlot = 0;
  private readonly pending = new Set<Promise<void>>();
  /** Why a worker could not start, if one could not. */
  failure: string | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly controlBase: number,
  ) {}

  /** Whether this runtime can start workers at all. */
  static available(): boolean {
    return nodeBuiltin('node:worker_threads') !== undefined && typeof SharedArrayBuffer === 'function';
  }

  get size(): number {
    return this.members.length;
  }

  /** Start or retire workers until there are `count`. */
  resize(count: number): void {
    while (this.members.length > count) this.retire(this.members.pop()!);
    while (this.members.length < count && this.nextSlot < MAX_SLOTS) this.spawn(this.nextSlot++);
  }

  /** Resolves once every started worker is ready (or failed to start). */
  async whenReady(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The workers that can take a task right now. */
  ready(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.members.length; i++) if (Atomics.load(this.members[i].control, READY) === 1) out.push(i);
    return out;
  }

  /** Hand the gemm arguments to worker i; it starts at once. */
  post(i: number, args: readonly number[]): void {
    const m = this.members[i];
    for (let j = 0; j < ARG_COUNT; j++) m.control[ARGS + j] = args[j];
    m.seq = m.seq === 0x7fffffff ? 1 : m.seq + 1;
    Atomics.store(m.control, SEQ, m.seq);
    Atomics.notify(m.control, SEQ);
  }

  /** Block until worker i has finished its task; false if the task threw there. */
  wait(i: number): boolean {
    const m = this.members[i];
    const start = performance.now();
    for (let spins = 1; ; spins++) {
      const done = Atomics.load(m.control, DONE);
      if (done === m.seq) break;
      // A long task: stop burning the core and sleep until the worker's notify.
      if ((spins & 1023) === 0 && performance.now() - start > 1) Atomics.wait(m.control, DONE, done, 10);
    }
    if (Atomics.load(m.control, FAILED) === 0) return true;
    Atomics.store(m.control, FAILED, 0);
    return false;
  }

  private spawn(slot: number): void {
    const wt = nodeBuiltin('node:worker_threads')!;
    const control = new Int32Array(this.memory.buffer, this.controlBase + slot * SLOT_INTS * 4, SLOT_INTS);
    control.fill(0);
    const worker = new wt.Worker(new URL('./worker.js', import.meta.url), {
      workerData: { module: this.module, memory: this.memory, controlBase: this.controlBase, slot },
    });
    worker.unref();
    const member: Member = { worker, slot, control, seq: 0 };
    this.members.push(member);
    // Kept for the worker's whole life: an 'error' event without a listener would crash the program.
    worker.on('error', (err: Error) => {
      this.failure = `a GEMM worker stopped: ${err.message}`;
      Atomics.store(control, READY, 0);
    });
    const started = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
    const tracked = started.then(() => void this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private retire(m: Member): void {
    Atomics.store(m.control, READY, 0);
    Atomics.store(m.control, SEQ, EXIT);
    Atomics.notify(m.control, SEQ);
    void m.worker.terminate();
  }
}
