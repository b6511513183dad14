/**
 * The body of a kernel worker: a Node worker thread or a browser Web Worker, both started by
 * pool.ts. scripts/build-worker.mjs bundles this file (with protocol.ts) into one script string,
 * generated/worker-source.ts, that the pool starts as `eval` source in Node and from a Blob URL in
 * a browser: a bundle of the library thus carries its worker inside it, with no second file to
 * ship or to find by URL (a worker file next to the module broke every bundle). It instantiates
 * the kernel module on the shared memory and serves the control block until its ALIVE flag is
 * cleared: poll for a new task, claim chunks of it, run them (see protocol.ts).
 */
import type { KernelExports } from './load.js';
import {
  ALIVE,
  ARG_COUNT,
  CONTROL_INTS,
  GENERATION_MASK,
  SEQ,
  SLEEPING,
  SPIN_MS,
  runTask,
  workOn,
} from './protocol.js';

/** What the pool sends a worker (as workerData in Node, as the first message in a browser). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  controlBase: number;
  slot: number;
  /** Byte addresses of this thread's own packing buffers. */
  packA: number;
  packB: number;
}

/** What a worker answers once: 'ready', or why it could not start. */
export type WorkerReply = 'ready' | { error: string };

interface Port {
  postMessage(message: WorkerReply): void;
}

function serve(init: WorkerInit, port: Port): void {
  const { module, memory, controlBase, slot, packA, packB } = init;
  let kernels: KernelExports;
  try {
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    return;
  }
  // The control block never moves and a shared buffer is never detached by growth, so one view serves.
  const control = new Int32Array(memory.buffer, controlBase, CONTROL_INTS);
  const args = new Array<number>(ARG_COUNT).fill(0);
  const run = (task: number, a: number[]): void => runTask(kernels, task, a, packA, packB);
  const nextTask = (last: number): number => {
    let start = performance.now();
    for (let spins = 1; ; spins++) {
      const seq = Atomics.load(control, SEQ);
      if (seq !== last) return seq;
      if ((spins & 255) === 0 && performance.now() - start > SPIN_MS) {
        Atomics.add(control, SLEEPING, 1);
        Atomics.wait(control, SEQ, last);
        Atomics.sub(control, SLEEPING, 1);
        start = performance.now();
      }
    }
  };
  port.postMessage('ready');
  for (let last = Atomics.load(control, SEQ); Atomics.load(control, ALIVE + slot) === 1; ) {
    last = nextTask(last);
    if (Atomics.load(control, ALIVE + slot) !== 1) break;
    workOn(control, last & GENERATION_MASK, args, run, true);
  }
}

interface NodeWorkerThreads {
  workerData: unknown;
  parentPort: Port | null;
}
interface WebWorkerScope extends Port {
  onmessage: ((event: { data: WorkerInit }) => void) | null;
}

// Node hands the init over as workerData; a Web Worker gets it as its first message.
const process = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
const threads = process?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
if (threads?.parentPort) serve(threads.workerData as WorkerInit, threads.parentPort);
else {
  const scope = globalThis as unknown as WebWorkerScope;
  scope.onmessage = (event) => {
    scope.onmessage = null;
    serve(event.data, scope);
  };
}
