/**
 * Memory stays flat over a long training run with no dispose() anywhere: 20,000 small training
 * steps (an MLP on a fresh random batch each step, Adam, cross-entropy), sampling RSS and heap as
 * it goes. "start" is after a short warm-up (JIT and allocator settle), "end" the last window.
 * `trackMemory` takes any training step: gpt.ts's GPT memory row uses it too.
 */
import {
  Adam,
  Dense,
  Sequential,
  randn,
  randint,
  sparseCategoricalCrossEntropy,
  manualSeed,
  getBackend,
} from '../index.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { round } from './timing.js';
import type { BenchCase, Row } from './types.js';

export interface MemoryResult extends Row {
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  rssStartMiB: number;
  rssEndMiB: number;
  /** rssEndMiB − rssStartMiB: what the run after the warm-up added. */
  rssGrowthMiB: number;
  /** Highest RSS sampled after the warm-up. */
  peakRssMiB: number;
  heapStartMiB: number;
  heapEndMiB: number;
  /**
   * Heap still reachable after a forced full GC, at the warm-up and at the end: the number that
   * shows a leak. heapUsed alone rises and falls with V8's GC pacing.
   */
  retainedHeapStartMiB: number;
  retainedHeapEndMiB: number;
  /** RSS in MiB every `steps/20` steps, to see the curve. */
  rssTraceMiB: number[];
}

const MiB = 1024 * 1024;

/** V8's full GC. Exposed through the --expose-gc flag, set at run time for a fresh context. */
function forcedGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export function memoryCaseName(steps: number): string {
  return `memory ${steps >= 1000 ? `${steps / 1000}k` : steps} training steps`;
}

export function memoryBench(steps = 20000): MemoryResult {
  manualSeed(0);
  const model = new Sequential([
    new Dense({ units: 64, activation: 'relu', inputDim: 32 }),
    new Dense({ units: 10, inputDim: 64 }),
  ]);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  return trackMemory(memoryCaseName(steps), steps, () => {
    const x = randn([16, 32]);
    const y = randint(0, 10, [16]);
    optimizer.zeroGrad();
    const loss = sparseCategoricalCrossEntropy(model.call(x), y, { fromLogits: true });
    loss.backward();
    optimizer.step();
  });
}

/**
 * Runs `step` `steps` times, sampling RSS and heap: the figures of a memory row. Its first tenth
 * (at most 1000 steps) is the warm-up; "start" is taken there.
 */
export function trackMemory(caseName: string, steps: number, step: () => void): MemoryResult {
  const warmup = Math.max(1, Math.min(1000, Math.floor(steps / 10)));
  const every = Math.max(1, Math.floor(steps / 20));
  const trace: number[] = [];
  let rssStart = 0,
    heapStart = 0,
    peak = 0,
    retainedStart = 0;
  const gc = forcedGc();
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    step();
    if (i === warmup) {
      const m = process.memoryUsage();
      rssStart = m.rss;
      heapStart = m.heapUsed;
      retainedStart = retainedHeap(gc);
    }
    if (i % every === 0) {
      const rss = process.memoryUsage().rss;
      trace.push(Math.round((rss / MiB) * 10) / 10);
      if (i > warmup) peak = Math.max(peak, rss);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = process.memoryUsage();
  const retainedEnd = retainedHeap(gc);
  return {
    case: caseName,
    engine: 'tessera',
    backend: getBackend().name,
    steps,
    seconds: round(seconds),
    stepsPerSecond: round(steps / seconds),
    rssStartMiB: round(rssStart / MiB),
    rssEndMiB: round(end.rss / MiB),
    rssGrowthMiB: round((end.rss - rssStart) / MiB),
    peakRssMiB: round(Math.max(peak, end.rss) / MiB),
    heapStartMiB: round(heapStart / MiB),
    heapEndMiB: round(end.heapUsed / MiB),
    retainedHeapStartMiB: round(retainedStart / MiB),
    retainedHeapEndMiB: round(retainedEnd / MiB),
    rssTraceMiB: trace,
  };
}

/** Only tessera: the peers free memory by hand (tfjs dispose) or by reference counting (PyTorch). */
export function memoryCase(steps: number): BenchCase {
  return { name: memoryCaseName(steps), run: async () => [memoryBench(steps)] };
}
