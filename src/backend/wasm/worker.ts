/**
 * A kernel worker thread (Node only; started by pool.ts). It instantiates the kernel module on the
 * shared memory and then serves the control block until its ALIVE flag is cleared: poll for a new
 * task, claim chunks of it, run them (see protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiate } from './load.js';
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

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  controlBase: number;
  slot: number;
  /** Byte addresses of this thread's own packing buffers. */
  packA: number;
  packB: number;
}

const { module, memory, controlBase, slot, packA, packB } = workerData as WorkerInit;
const kernels = instantiate(module, memory);
// The control block never moves and a shared buffer is never detached by growth, so one view serves.
const control = new Int32Array(memory.buffer, controlBase, CONTROL_INTS);
const args = new Array<number>(ARG_COUNT).fill(0);

function run(task: number, a: number[]): void {
  runTask(kernels, task, a, packA, packB);
}

function nextTask(last: number): number {
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
}

parentPort?.postMessage('ready');
for (let last = Atomics.load(control, SEQ); Atomics.load(control, ALIVE + slot) === 1; ) {
  last = nextTask(last);
  if (Atomics.load(control, ALIVE + slot) !== 1) break;
  workOn(control, last & GENERATION_MASK, args, run, true);
}
