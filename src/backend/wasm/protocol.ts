/**
 * How the calling thread and the GEMM workers talk: one 128-byte slot (its own cache lines) per
 * worker in a control block of the shared WebAssembly memory, read and written with Atomics.
 *
 *   caller: write the task's arguments, then store seq + 1 into SEQ (and notify)
 *   worker: sees SEQ change, runs the task, stores seq into DONE (and notifies)
 *
 * A worker polls SEQ with Atomics.load for SPIN_MS before it blocks in Atomics.wait: waking a
 * blocked thread costs ~50 µs on the machines measured in issue 4, polling answers in ~0.2 µs, and
 * a training step issues its GEMMs back to back. SEQ = -1 tells the worker to exit.
 */
export const SLOT_INTS = 32;
export const MAX_SLOTS = 64;
export const CONTROL_BYTES = SLOT_INTS * 4 * MAX_SLOTS;

export const SEQ = 0;
export const DONE = 1;
export const READY = 2;
/** Set by a worker whose task threw; the caller then reruns the task itself. */
export const FAILED = 3;
/** The 18 arguments of the wasm `gemm` export start here. */
export const ARGS = 8;
export const ARG_COUNT = 18;

export const SPIN_MS = 0.2;
export const EXIT = -1;
