/**
 * How the calling thread and the workers share one kernel call (a GEMM, or a kernel over a range
 * of images or rows), through a control block in the shared WebAssembly memory read and written
 * with Atomics.
 *
 * The call is cut into more chunks than there are threads (ranges of the batch, of C's rows or
 * of its columns; of images or rows). The caller writes the task, resets COUNTER to (generation << 16 | 0) and bumps
 * SEQ; every thread, the caller included, then claims chunk after chunk with a compare-exchange on
 * COUNTER that also checks the generation, and adds 1 to COMPLETED after each. The caller returns
 * when COMPLETED reaches the chunk count. So a worker the OS has not scheduled (a busy machine)
 * simply claims nothing and the caller does its share; the generation check keeps a late worker
 * from claiming chunks of a later task with the arguments of an earlier one.
 *
 * An idle worker polls SEQ with Atomics.load for SPIN_MS before it blocks in Atomics.wait: waking
 * a blocked thread costs ~50 µs on the machines measured in issue 4, polling answers in ~0.2 µs,
 * and a training step issues its GEMMs back to back.
 */
import type { KernelExports } from './load.js';
import { GemmAMode } from './generated/protocol.js';

/** Runs one chunk on the calling thread: the task code (TASK_…) and the chunk's arguments. */
export type RunChunk = (task: number, args: number[]) => void;

export const SEQ = 0;
export const COUNTER = 1;
export const COMPLETED = 2;
/** Set when a chunk threw in a worker (it should not); the caller then redoes the product alone. */
export const FAILED = 3;
export const CHUNKS = 4;
/** How the product is cut: SPLIT_BATCH, SPLIT_ROWS or SPLIT_COLS. */
export const SPLIT = 5;
/** Units (batch items, row tiles or column tiles) to share out, and the size of one unit. */
export const UNITS = 6;
export const UNIT_SIZE = 7;
/** Workers blocked in Atomics.wait: the caller notifies only when there are some. */
export const SLEEPING = 8;
/** Chunks run by worker threads since the pool started (a statistic for tests and benchmarks). */
export const WORKER_CHUNKS = 9;
/** 1 while the caller sleeps in Atomics.wait on COMPLETED: workers then notify after each chunk. */
export const CALLER_SLEEPING = 10;
/** Which kernel the task runs: one of the TASK_ codes below. */
export const TASK = 11;
/**
 * How long the caller polls for the workers' last chunks before it sleeps until they notify: long
 * enough to cover a chunk (the caller has nothing else to do), so that it rarely sleeps. Sleeping
 * after 0.05 ms, the seed CNN's training step was 2–3 % slower (interleaved runs, 2 vCPUs): each
 * notify-and-wake costs tens of µs, and after one the worker was more often found not running
 * when the next call came (the OS may have placed both threads on one core). A sleep still ends
 * the wait where a chunk runs long, e.g. with more threads than free cores.
 */
export const CALLER_SPIN_MS = 2;
/**
 * The task's arguments: for TASK_GEMM the first 16 arguments of the wasm `gemm` export (each
 * thread adds its own packing buffers); for the others, see runTask.
 */
export const ARGS = 16;
export const ARG_COUNT = 16;
/** One flag per worker slot: 1 while the worker should keep serving. */
export const ALIVE = 64;
export const MAX_SLOTS = 64;
export const CONTROL_INTS = ALIVE + MAX_SLOTS;
export const CONTROL_BYTES = CONTROL_INTS * 4;

export const SPLIT_BATCH = 0;
export const SPLIT_ROWS = 1;
export const SPLIT_COLS = 2;
/** A range of units (images, rows) written into arguments 14 and 15 (kernels other than gemm). */
export const SPLIT_RANGE = 3;
/**
 * SPLIT_RANGE in guided chunks: the first UNIT_SIZE chunks (one per thread) share half the units,
 * the other chunks the rest in smaller pieces, so that whichever thread finishes first takes the
 * small ones and the threads end close together (with equal chunks, one thread waited for the
 * other's last chunk).
 */
export const SPLIT_RANGE_GUIDED = 4;

export const TASK_GEMM = 0;
export const TASK_IM2COL = 1;
export const TASK_COL2IM = 2;
export const TASK_MAX_POOL = 3;
export const TASK_MAX_POOL_BACKWARD = 4;
export const TASK_CONV_DIRECT = 5;
export const TASK_BIAS_ACTIVATION = 6;
export const TASK_CONV_DIRECT_KERNEL_GRAD = 7;
export const TASK_ADAM = 8;
export const TASK_WINOGRAD_INPUT = 9;
export const TASK_WINOGRAD_OUTPUT = 10;
/** A conv's forward for a range of images: their rows of the product, patches packed from the image. */
export const TASK_CONV_FORWARD = 11;
/** A conv's backward for a range of images: their patches (for dk, where its product cannot pack them from x), and dx through their rows of dOut · kernelᵀ. */
export const TASK_CONV_BACKWARD_IMAGES = 12;
/** biasActivation's input gradient for a range of rows. */
export const TASK_BIAS_BACKWARD_ROWS = 13;
/** biasActivation's bias gradient for a range of 16-column blocks. */
export const TASK_BIAS_GRADIENT_COLUMNS = 14;

/** An elementwise op over a range of ELEMENT_BLOCK-float blocks. */
export const TASK_UNARY = 15;
/** A binary op over a range of rows, or of ELEMENT_BLOCK-column blocks of a single row. */
export const TASK_BINARY = 16;
/** A reduction over a range of its outer index (each output row independent of the others). */
export const TASK_REDUCE = 17;
/** log-softmax over a range of rows: the shift and Σ exp; the output; the backward. */
export const TASK_SOFTMAX_STATS = 18;
export const TASK_LOG_SOFTMAX_APPLY = 19;
export const TASK_LOG_SOFTMAX_BACKWARD = 20;
/** Floats per unit of TASK_UNARY (and of TASK_BINARY along one row): a multiple of 16, so chunks never share a cache line. */
export const ELEMENT_BLOCK = 4096;

/** Flags of TASK_CONV_BACKWARD_IMAGES (argument 11). */
export const CONV_BUILD_PATCHES = 1;
export const CONV_INPUT_GRADIENT = 2;
export const CONV_FOLD_PATCHES = 4;

/**
 * Run one chunk of a task on this thread: `a` holds the chunk's arguments (for the range tasks,
 * the range in a[14], a[15]); packA/packB are this thread's own buffers (convDirect uses packA as
 * its tap-list scratch).
 */
export function runTask(k: KernelExports, task: number, a: readonly number[], packA: number, packB: number): void {
  const r0 = a[14], r1 = a[15];
  switch (task) {
    case TASK_GEMM:
      k.gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], packA, packB);
      return;
    case TASK_IM2COL: k.im2col(a[0], a[1], a[2], r0, r1); return;
    case TASK_WINOGRAD_INPUT: k.winogradInput(a[0], a[1], a[2], packA, r0, r1); return;
    case TASK_WINOGRAD_OUTPUT: k.winogradOutput(a[0], a[1], a[2], a[3], r0, r1); return;
    case TASK_COL2IM: k.col2im(a[0], a[1], a[2], r0, r1); return;
    case TASK_MAX_POOL: k.maxPool2d(a[0], a[1], a[2], a[3], r0, r1); return;
    case TASK_MAX_POOL_BACKWARD: k.maxPool2dBackward(a[0], a[1], a[2], a[3], r0, r1); return;
    case TASK_CONV_DIRECT:
      // a[5..8]: the layer's tail (see tail()).
      k.convDirect(a[0], a[1], a[2], a[3], a[4], packA, r0, r1);
      tail(k, a[4], a[3], a[5], a[6], a[7], a[8], r0, r1);
      return;
    case TASK_BIAS_ACTIVATION: {
      // Rows [r0, r1) of x and out (a[3] floats each): a[0] x, a[1] bias, a[3] cols, a[4] act, a[5] out.
      const skip = r0 * a[3] * 4;
      k.biasActivation(a[0] + skip, a[1], r1 - r0, a[3], a[4], a[5] + skip);
      return;
    }
    case TASK_BIAS_BACKWARD_ROWS: {
      // a[0] g, a[1] y, a[2] cols, a[3] act, a[4] dx: rows [r0, r1).
      const skip = r0 * a[2] * 4;
      k.biasActivationBackward(a[0] + skip, a[1] === 0 ? 0 : a[1] + skip, r1 - r0, a[2], a[3], a[4] + skip, 0);
      return;
    }
    case TASK_BIAS_GRADIENT_COLUMNS:
      // a[0] g (or dx), a[1] y, a[2] rows, a[3] cols, a[4] act, a[5] dBias: blocks of 16 columns [r0, r1).
      k.biasGradientColumns(a[0], a[1], a[2], a[3], a[4], a[5], r0 * 16, Math.min(a[3], r1 * 16));
      return;
    case TASK_CONV_DIRECT_KERNEL_GRAD: k.convDirectKernelGrad(a[0], a[1], a[2], a[3], a[4], r0, r1); return;
    case TASK_CONV_FORWARD: {
      // a[0] x, a[1] geometry, a[3] kernel, a[4] out, a[5] rows, a[6] K, a[7] cout, a[8] rows per
      // image, a[9] = 1: the product packs its patches from x (GemmAMode.conv), 0: pointwise, x is
      // the patch matrix; a[10..12] the layer's tail. Row by row the product is the whole-batch
      // one's: the result does not depend on the cut.
      const conv = a[9] !== 0;
      k.gemm(a[0], a[3], a[4], a[5], a[6], a[7], conv ? GemmAMode.conv : GemmAMode.plain, 0, 0, 1, conv ? a[1] : 0, 0, r0 * a[8], r1 * a[8], 0, a[7], packA, packB);
      tail(k, a[4], a[7], a[10], a[11], a[12], a[8], r0, r1);
      return;
    }
    case TASK_CONV_BACKWARD_IMAGES: {
      // a[0] x, a[1] geometry, a[2] patches, a[3] dOut, a[4] kernel, a[5] patch gradient (dx itself
      // when pointwise), a[6] dx, a[7] rows, a[8] K, a[9] cout, a[10] rows per image, a[11] flags.
      if ((a[11] & CONV_BUILD_PATCHES) !== 0) k.im2col(a[0], a[1], a[2], r0, r1);
      if ((a[11] & CONV_INPUT_GRADIENT) !== 0) {
        k.gemm(a[3], a[4], a[5], a[7], a[9], a[8], GemmAMode.plain, 1, 0, 1, 0, 0, r0 * a[10], r1 * a[10], 0, a[8], packA, packB);
        if ((a[11] & CONV_FOLD_PATCHES) !== 0) k.col2im(a[5], a[1], a[6], r0, r1);
      }
      return;
    }
    case TASK_UNARY: {
      // a[0] op, a[1] x, a[2] out, a[3] n.
      const e0 = r0 * ELEMENT_BLOCK, skip = e0 * 4;
      k.unary(a[0], a[1] + skip, a[2] + skip, Math.min(a[3], r1 * ELEMENT_BLOCK) - e0);
      return;
    }
    case TASK_BINARY: {
      // a[0] op, a[1] a, a[2] sa, a[3] ta, a[4] b, a[5] sb, a[6] tb, a[7] out, a[8] rows, a[9] cols;
      // a[10] = 1: one row, cut into column blocks (inner strides ta, tb are 0 or 1).
      if (a[10] === 1) {
        const c0 = r0 * ELEMENT_BLOCK;
        k.binary(a[0], a[1] + c0 * a[3] * 4, 0, a[3], a[4] + c0 * a[6] * 4, 0, a[6], a[7] + c0 * 4, 1, Math.min(a[9], r1 * ELEMENT_BLOCK) - c0);
      } else {
        k.binary(a[0], a[1] + r0 * a[2] * 4, a[2], a[3], a[4] + r0 * a[5] * 4, a[5], a[6], a[7] + r0 * a[9] * 4, r1 - r0, a[9]);
      }
      return;
    }
    case TASK_REDUCE:
      // a[0] op, a[1] x, a[2] size, a[3] inner, a[4] out.
      k.reduce(a[0], a[1] + r0 * a[2] * a[3] * 4, r1 - r0, a[2], a[3], a[4] + r0 * a[3] * 4);
      return;
    case TASK_SOFTMAX_STATS: k.softmaxStats(a[0], a[1], a[2], r0, r1); return;
    case TASK_LOG_SOFTMAX_APPLY: k.logSoftmaxApply(a[0], a[1], a[2], a[3], a[4], r0, r1); return;
    case TASK_LOG_SOFTMAX_BACKWARD: k.logSoftmaxBackward(a[0], a[1], a[2], a[3], a[4], r0, r1); return;
    case TASK_ADAM:
      // Units of 16 weights (a cache line), so two threads never write the same line; a[6] = n.
      k.adamStep(a[0], a[1], a[2], a[3], a[4], a[5], r0 * 16, Math.min(a[6], r1 * 16));
      return;
    default:
      throw new Error(`runTask: unknown task ${task}`);
  }
}

/**
 * A conv layer's tail over the rows of images [r0, r1) of out [rows, cout], in place, when
 * `apply` is 1: activation `act` (an ActivationCode) of out + bias (0: none).
 */
function tail(k: KernelExports, out: number, cout: number, apply: number, bias: number, act: number, rowsPerImage: number, r0: number, r1: number): void {
  if (apply === 0) return;
  const at = out + r0 * rowsPerImage * cout * 4;
  k.biasActivation(at, bias, (r1 - r0) * rowsPerImage, cout, act, at);
}

export const SPIN_MS = 0.2;
export const GENERATION_MASK = 0x7fff;

/** The arguments of chunk `index`, written into `args` (a copy of the task's arguments). */
export function chunkArgs(control: Int32Array, index: number, args: number[]): void {
  const chunks = control[CHUNKS], units = control[UNITS], unit = control[UNIT_SIZE];
  let u0 = Math.floor((units * index) / chunks), u1 = Math.floor((units * (index + 1)) / chunks);
  if (control[SPLIT] === SPLIT_RANGE_GUIDED) {
    const half = units >> 1;
    if (index < unit) {
      u0 = Math.floor((half * index) / unit);
      u1 = Math.floor((half * (index + 1)) / unit);
    } else {
      const j = index - unit, small = chunks - unit;
      u0 = half + Math.floor(((units - half) * j) / small);
      u1 = half + Math.floor(((units - half) * (j + 1)) / small);
    }
  }
  for (let i = 0; i < ARG_COUNT; i++) args[i] = control[ARGS + i];
  // args: 8 batch0, 9 batch1, 12 row0, 13 row1, 14 col0, 15 col1 (m at 3, n at 5).
  switch (control[SPLIT]) {
    case SPLIT_BATCH: args[8] = u0; args[9] = u1; break;
    case SPLIT_ROWS: args[12] = u0 * unit; args[13] = Math.min(args[3], u1 * unit); break;
    case SPLIT_COLS: args[14] = u0 * unit; args[15] = Math.min(args[5], u1 * unit); break;
    case SPLIT_RANGE:
    case SPLIT_RANGE_GUIDED: args[14] = u0; args[15] = u1; break;
  }
}

/**
 * Claim and run chunks of task `generation` until none are left; returns false if a chunk threw.
 * `run` receives the task code and the chunk's arguments.
 */
export function workOn(control: Int32Array, generation: number, args: number[], run: RunChunk, isWorker: boolean): boolean {
  let ok = true;
  for (;;) {
    const c = Atomics.load(control, COUNTER);
    if (c >>> 16 !== generation) return ok;
    const index = c & 0xffff;
    if (index >= control[CHUNKS]) return ok;
    if (Atomics.compareExchange(control, COUNTER, c, c + 1) !== c) continue;
    chunkArgs(control, index, args);
    try {
      run(control[TASK], args);
    } catch {
      ok = false;
      Atomics.store(control, FAILED, 1);
    }
    Atomics.add(control, COMPLETED, 1);
    if (isWorker) {
      Atomics.add(control, WORKER_CHUNKS, 1);
      if (Atomics.load(control, CALLER_SLEEPING) === 1) Atomics.notify(control, COMPLETED);
    }
  }
}
