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
import { ARG_COUNT, GemmAMode, RANGE_END, RANGE_START, Task, TaskSlot } from './generated/protocol.js';

/** Runs one chunk on the calling thread: the task code (a Task) and the chunk's arguments. */
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
/** Which kernel the task runs: a Task code (generated/protocol.ts). */
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
/** The task's ARG_COUNT arguments, in the slots of its TaskSlot entry (scripts/wasm-protocol.mjs). */
export const ARGS = 16;
export { ARG_COUNT };
/** One flag per worker slot: 1 while the worker should keep serving. */
export const ALIVE = 64;
export const MAX_SLOTS = 64;
export const CONTROL_INTS = ALIVE + MAX_SLOTS;
export const CONTROL_BYTES = CONTROL_INTS * 4;

export const SPLIT_BATCH = 0;
export const SPLIT_ROWS = 1;
export const SPLIT_COLS = 2;
/** A range of units (images, rows) written into slots RANGE_START and RANGE_END (tasks other than gemm). */
export const SPLIT_RANGE = 3;
/**
 * SPLIT_RANGE in guided chunks: the first UNIT_SIZE chunks (one per thread) share half the units,
 * the other chunks the rest in smaller pieces, so that whichever thread finishes first takes the
 * small ones and the threads end close together (with equal chunks, one thread waited for the
 * other's last chunk).
 */
export const SPLIT_RANGE_GUIDED = 4;

/**
 * Floats per unit of the unary task (and of the binary one along one row): a multiple of 16, so
 * chunks never share a cache line.
 */
export const ELEMENT_BLOCK = 4096;

/** Flags of the convBackwardImages task (its `flags` slot). */
export const CONV_BUILD_PATCHES = 1;
export const CONV_INPUT_GRADIENT = 2;
export const CONV_FOLD_PATCHES = 4;

/**
 * Run one chunk of a task on this thread: `a` holds the chunk's arguments in the task's TaskSlot
 * slots (for the range tasks, the range in RANGE_START, RANGE_END); packA/packB are this thread's
 * own buffers (convDirect uses packA as its tap-list scratch).
 */
export function runTask(k: KernelExports, task: number, a: readonly number[], packA: number, packB: number): void {
  const r0 = a[RANGE_START],
    r1 = a[RANGE_END];
  switch (task) {
    case Task.gemm: {
      const s = TaskSlot.gemm;
      k.gemm(
        a[s.a],
        a[s.b],
        a[s.c],
        a[s.m],
        a[s.k],
        a[s.n],
        a[s.transA],
        a[s.transB],
        a[s.batch0],
        a[s.batch1],
        a[s.aStride],
        a[s.bStride],
        a[s.row0],
        a[s.row1],
        a[s.col0],
        a[s.col1],
        packA,
        packB,
      );
      return;
    }
    case Task.im2col: {
      const s = TaskSlot.im2col;
      k.im2col(a[s.x], a[s.geometry], a[s.cols], r0, r1);
      return;
    }
    case Task.winogradInput: {
      const s = TaskSlot.winogradInput;
      k.winogradInput(a[s.x], a[s.geometry], a[s.v], packA, r0, r1);
      return;
    }
    case Task.winogradOutput: {
      const s = TaskSlot.winogradOutput;
      k.winogradOutput(a[s.m], a[s.geometry], a[s.cout], a[s.out], r0, r1);
      return;
    }
    case Task.col2im: {
      const s = TaskSlot.col2im;
      k.col2im(a[s.cols], a[s.geometry], a[s.dx], r0, r1);
      return;
    }
    case Task.maxPool: {
      const s = TaskSlot.maxPool;
      k.maxPool2d(a[s.x], a[s.geometry], a[s.out], a[s.argmax], r0, r1);
      return;
    }
    case Task.maxPoolBackward: {
      const s = TaskSlot.maxPoolBackward;
      k.maxPool2dBackward(a[s.dOut], a[s.argmax], a[s.geometry], a[s.dx], r0, r1);
      return;
    }
    case Task.convDirect: {
      const s = TaskSlot.convDirect;
      k.convDirect(a[s.x], a[s.geometry], a[s.kernel], a[s.cout], a[s.out], packA, r0, r1);
      tail(k, a[s.out], a[s.cout], a[s.tailApply], a[s.tailBias], a[s.tailAct], a[s.rowsPerImage], r0, r1);
      return;
    }
    case Task.biasActivation: {
      // Rows [r0, r1) of x and out.
      const s = TaskSlot.biasActivation;
      const skip = r0 * a[s.cols] * 4;
      k.biasActivation(a[s.x] + skip, a[s.bias], r1 - r0, a[s.cols], a[s.act], a[s.out] + skip);
      return;
    }
    case Task.biasBackwardRows: {
      const s = TaskSlot.biasBackwardRows;
      const skip = r0 * a[s.cols] * 4,
        y = a[s.y];
      k.biasActivationBackward(a[s.g] + skip, y === 0 ? 0 : y + skip, r1 - r0, a[s.cols], a[s.act], a[s.dx] + skip, 0);
      return;
    }
    case Task.biasGradientColumns: {
      // Blocks of 16 columns [r0, r1).
      const s = TaskSlot.biasGradientColumns;
      k.biasGradientColumns(
        a[s.g],
        a[s.y],
        a[s.rows],
        a[s.cols],
        a[s.act],
        a[s.dBias],
        r0 * 16,
        Math.min(a[s.cols], r1 * 16),
      );
      return;
    }
    case Task.convDirectKernelGrad: {
      const s = TaskSlot.convDirectKernelGrad;
      k.convDirectKernelGrad(a[s.x], a[s.geometry], a[s.dOut], a[s.cout], a[s.dk], r0, r1);
      return;
    }
    case Task.convForward: {
      // packPatches = 1: the product packs its patches from x (GemmAMode.conv), 0: pointwise, x is
      // the patch matrix. Row by row the product is the whole-batch one's: the result does not
      // depend on the cut.
      const s = TaskSlot.convForward;
      const conv = a[s.packPatches] !== 0,
        cout = a[s.cout],
        rowsPerImage = a[s.rowsPerImage];
      k.gemm(
        a[s.x],
        a[s.kernel],
        a[s.out],
        a[s.rows],
        a[s.patchLength],
        cout,
        conv ? GemmAMode.conv : GemmAMode.plain,
        0,
        0,
        1,
        conv ? a[s.geometry] : 0,
        0,
        r0 * rowsPerImage,
        r1 * rowsPerImage,
        0,
        cout,
        packA,
        packB,
      );
      tail(k, a[s.out], cout, a[s.tailApply], a[s.tailBias], a[s.tailAct], rowsPerImage, r0, r1);
      return;
    }
    case Task.convBackwardImages: {
      const s = TaskSlot.convBackwardImages;
      const flags = a[s.flags],
        rowsPerImage = a[s.rowsPerImage],
        K = a[s.patchLength];
      if ((flags & CONV_BUILD_PATCHES) !== 0) k.im2col(a[s.x], a[s.geometry], a[s.patches], r0, r1);
      if ((flags & CONV_INPUT_GRADIENT) !== 0) {
        k.gemm(
          a[s.dOut],
          a[s.kernel],
          a[s.patchGradient],
          a[s.rows],
          a[s.cout],
          K,
          GemmAMode.plain,
          1,
          0,
          1,
          0,
          0,
          r0 * rowsPerImage,
          r1 * rowsPerImage,
          0,
          K,
          packA,
          packB,
        );
        if ((flags & CONV_FOLD_PATCHES) !== 0) k.col2im(a[s.patchGradient], a[s.geometry], a[s.dx], r0, r1);
      }
      return;
    }
    case Task.unary: {
      const s = TaskSlot.unary;
      const e0 = r0 * ELEMENT_BLOCK,
        skip = e0 * 4;
      k.unary(a[s.op], a[s.x] + skip, a[s.out] + skip, Math.min(a[s.n], r1 * ELEMENT_BLOCK) - e0);
      return;
    }
    case Task.binary: {
      const s = TaskSlot.binary;
      const sa = a[s.sa],
        ta = a[s.ta],
        sb = a[s.sb],
        tb = a[s.tb],
        cols = a[s.cols];
      if (a[s.byBlocks] === 1) {
        const c0 = r0 * ELEMENT_BLOCK;
        k.binary(
          a[s.op],
          a[s.a] + c0 * ta * 4,
          0,
          ta,
          a[s.b] + c0 * tb * 4,
          0,
          tb,
          a[s.out] + c0 * 4,
          1,
          Math.min(cols, r1 * ELEMENT_BLOCK) - c0,
        );
      } else {
        k.binary(
          a[s.op],
          a[s.a] + r0 * sa * 4,
          sa,
          ta,
          a[s.b] + r0 * sb * 4,
          sb,
          tb,
          a[s.out] + r0 * cols * 4,
          r1 - r0,
          cols,
        );
      }
      return;
    }
    case Task.reduce: {
      const s = TaskSlot.reduce;
      const size = a[s.size],
        inner = a[s.inner];
      k.reduce(a[s.op], a[s.x] + r0 * size * inner * 4, r1 - r0, size, inner, a[s.out] + r0 * inner * 4);
      return;
    }
    case Task.softmaxStats: {
      const s = TaskSlot.softmaxStats;
      k.softmaxStats(a[s.x], a[s.cols], a[s.stats], r0, r1);
      return;
    }
    case Task.logSoftmaxApply: {
      const s = TaskSlot.logSoftmaxApply;
      k.logSoftmaxApply(a[s.x], a[s.stats], a[s.lse], a[s.cols], a[s.out], r0, r1);
      return;
    }
    case Task.logSoftmaxBackward: {
      const s = TaskSlot.logSoftmaxBackward;
      k.logSoftmaxBackward(a[s.g], a[s.x], a[s.stats], a[s.cols], a[s.dx], r0, r1);
      return;
    }
    case Task.lstmCell: {
      const s = TaskSlot.lstmCell;
      k.lstmCell(a[s.gx], a[s.gh], a[s.cPrev], a[s.units], a[s.h], a[s.c], a[s.acts], r0, r1);
      return;
    }
    case Task.lstmCellBackward: {
      const s = TaskSlot.lstmCellBackward;
      k.lstmCellBackward(a[s.dh], a[s.dc], a[s.acts], a[s.cPrev], a[s.c], a[s.units], a[s.dGates], a[s.dcPrev], r0, r1);
      return;
    }
    case Task.gruCell: {
      const s = TaskSlot.gruCell;
      k.gruCell(a[s.gx], a[s.gh], a[s.hPrev], a[s.units], a[s.h], a[s.acts], r0, r1);
      return;
    }
    case Task.gruCellBackward: {
      const s = TaskSlot.gruCellBackward;
      k.gruCellBackward(a[s.dh], a[s.acts], a[s.hPrev], a[s.units], a[s.dGx], a[s.dGh], a[s.dhPrev], r0, r1);
      return;
    }
    case Task.attentionSoftmax: {
      const s = TaskSlot.attentionSoftmax;
      k.attentionSoftmax(a[s.x], a[s.out], a[s.cols], a[s.tq], a[s.scaleBits], a[s.causal], r0, r1);
      return;
    }
    case Task.attentionSoftmaxBackward: {
      const s = TaskSlot.attentionSoftmaxBackward;
      k.attentionSoftmaxBackward(a[s.g], a[s.y], a[s.cols], a[s.scaleBits], a[s.dx], r0, r1);
      return;
    }
    case Task.gelu: {
      const s = TaskSlot.gelu;
      const e0 = r0 * ELEMENT_BLOCK,
        skip = e0 * 4;
      k.gelu(a[s.x] + skip, a[s.out] + skip, Math.min(a[s.n], r1 * ELEMENT_BLOCK) - e0);
      return;
    }
    case Task.geluBackward: {
      const s = TaskSlot.geluBackward;
      const e0 = r0 * ELEMENT_BLOCK,
        skip = e0 * 4;
      k.geluBackward(a[s.g] + skip, a[s.x] + skip, a[s.dx] + skip, Math.min(a[s.n], r1 * ELEMENT_BLOCK) - e0);
      return;
    }
    case Task.copyStrided: {
      const s = TaskSlot.copyStrided;
      k.copyStrided(
        a[s.src],
        a[s.dst],
        a[s.n1],
        a[s.n2],
        a[s.n3],
        a[s.ss0],
        a[s.ss1],
        a[s.ss2],
        a[s.ss3],
        a[s.ds0],
        a[s.ds1],
        a[s.ds2],
        a[s.ds3],
        r0,
        r1,
      );
      return;
    }
    case Task.layerNorm: {
      const s = TaskSlot.layerNorm;
      k.layerNorm(a[s.x], a[s.w], a[s.b], a[s.cols], a[s.epsBits], a[s.out], a[s.stats], r0, r1);
      return;
    }
    case Task.layerNormBackward: {
      const s = TaskSlot.layerNormBackward;
      k.layerNormBackward(a[s.g], a[s.x], a[s.w], a[s.stats], a[s.cols], a[s.dx], r0, r1);
      return;
    }
    case Task.layerNormParamGrads: {
      // Blocks of 16 columns [r0, r1).
      const s = TaskSlot.layerNormParamGrads;
      const cols = a[s.cols];
      k.layerNormParamGrads(
        a[s.g],
        a[s.x],
        a[s.stats],
        a[s.rows],
        cols,
        a[s.dw],
        a[s.db],
        r0 * 16,
        Math.min(cols, r1 * 16),
      );
      return;
    }
    case Task.adam: {
      // Units of 16 weights (a cache line), so two threads never write the same line.
      const s = TaskSlot.adam;
      k.adamStep(a[s.p], a[s.g], a[s.m], a[s.v], a[s.vMax], a[s.scalars], r0 * 16, Math.min(a[s.n], r1 * 16));
      return;
    }
    default:
      throw new Error(`runTask: unknown task ${task}`);
  }
}

/**
 * A conv layer's tail over the rows of images [r0, r1) of out [rows, cout], in place, when
 * `apply` is 1: activation `act` (an ActivationCode) of out + bias (0: none).
 */
function tail(
  k: KernelExports,
  out: number,
  cout: number,
  apply: number,
  bias: number,
  act: number,
  rowsPerImage: number,
  r0: number,
  r1: number,
): void {
  if (apply === 0) return;
  const at = out + r0 * rowsPerImage * cout * 4;
  k.biasActivation(at, bias, (r1 - r0) * rowsPerImage, cout, act, at);
}

export const SPIN_MS = 0.2;
export const GENERATION_MASK = 0x7fff;

/** The arguments of chunk `index`, written into `args` (a copy of the task's arguments). */
export function chunkArgs(control: Int32Array, index: number, args: number[]): void {
  const chunks = control[CHUNKS],
    units = control[UNITS],
    unit = control[UNIT_SIZE];
  let u0 = Math.floor((units * index) / chunks),
    u1 = Math.floor((units * (index + 1)) / chunks);
  if (control[SPLIT] === SPLIT_RANGE_GUIDED) {
    const half = units >> 1;
    if (index < unit) {
      u0 = Math.floor((half * index) / unit);
      u1 = Math.floor((half * (index + 1)) / unit);
    } else {
      const j = index - unit,
        small = chunks - unit;
      u0 = half + Math.floor(((units - half) * j) / small);
      u1 = half + Math.floor(((units - half) * (j + 1)) / small);
    }
  }
  for (let i = 0; i < ARG_COUNT; i++) args[i] = control[ARGS + i];
  const g = TaskSlot.gemm;
  switch (control[SPLIT]) {
    case SPLIT_BATCH:
      args[g.batch0] = u0;
      args[g.batch1] = u1;
      break;
    case SPLIT_ROWS:
      args[g.row0] = u0 * unit;
      args[g.row1] = Math.min(args[g.m], u1 * unit);
      break;
    case SPLIT_COLS:
      args[g.col0] = u0 * unit;
      args[g.col1] = Math.min(args[g.n], u1 * unit);
      break;
    case SPLIT_RANGE:
    case SPLIT_RANGE_GUIDED:
      args[RANGE_START] = u0;
      args[RANGE_END] = u1;
      break;
  }
}

/**
 * Claim and run chunks of task `generation` until none are left; returns false if a chunk threw.
 * `run` receives the task code and the chunk's arguments.
 */
export function workOn(
  control: Int32Array,
  generation: number,
  args: number[],
  run: RunChunk,
  isWorker: boolean,
): boolean {
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
