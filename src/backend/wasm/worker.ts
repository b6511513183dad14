/**
 * A GEMM worker thread (Node only; started by pool.ts). It instantiates the kernel module on the
 * shared memory and then serves its control slot forever: poll, run, report (see protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiate } from './load.js';
import { ARGS, ARG_COUNT, DONE, EXIT, FAILED, READY, SEQ, SLOT_INTS, SPIN_MS } from './protocol.js';

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  controlBase: number;
  slot: number;
}

const { module, memory, controlBase, slot } = workerData as WorkerInit;
const kernels = instantiate(module, memory);
// The control block never moves and a shared buffer is never detached by growth, so one view serves.
const control = new Int32Array(memory.buffer, controlBase + slot * SLOT_INTS * 4, SLOT_INTS);
const args = new Array<number>(ARG_COUNT);

function nextTask(last: number): number {
  let start = performance.now();
  for (let spins = 1; ; spins++) {
    const seq = Atomics.load(control, SEQ);
    if (seq !== last) return seq;
    if ((spins & 255) === 0 && performance.now() - start > SPIN_MS) {
      Atomics.wait(control, SEQ, last);
      start = performance.now();
    }
  }
}

Atomics.store(control, READY, 1);
parentPort?.postMessage('ready');
for (let last = Atomics.load(control, SEQ); ;) {
  const seq = nextTask(last);
  if (seq === EXIT) break;
  last = seq;
  for (let i = 0; i < ARG_COUNT; i++) args[i] = control[ARGS + i];
  try {
    kernels.gemm(
      args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8],
      args[9], args[10], args[11], args[12], args[13], args[14], args[15], args[16], args[17],
    );
  } catch {
    Atomics.store(control, FAILED, 1);
  }
  Atomics.store(control, DONE, seq);
  Atomics.notify(control, DONE);
}
parentPort?.close();
