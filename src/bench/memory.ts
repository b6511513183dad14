/**
 * Memory stays flat over a long training run with no dispose() anywhere: 20,000 small training
 * steps (an MLP on a fresh random batch each step, Adam, cross-entropy), sampling RSS and heap as
 * it goes. "start" is after a short warm-up (JIT and allocator settle), "end" the last window.
 */
import { Adam, Dense, Sequential, randn, randint, sparseCategoricalCrossEntropy, manualSeed } from '../src/index.js';

export interface MemoryResult {
  case: string;
  engine: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssPeakMiB: number;
  heapStartMiB: number;
  heapEndMiB: number;
  /** RSS in MiB every `steps/20` steps, to see the curve. */
  rssTraceMiB: number[];
}

const MiB = 1024 * 1024;

export function memoryBench(steps = 20000): MemoryResult {
  manualSeed(0);
  const model = new Sequential([new Dense({ units: 64, activation: 'relu', inputDim: 32 }), new Dense({ units: 10, inputDim: 64 })]);
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const warmup = Math.min(1000, Math.floor(steps / 10));
  const every = Math.max(1, Math.floor(steps / 20));
  const trace: number[] = [];
  let rssStart = 0, heapStart = 0, peak = 0;
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    const x = randn([16, 32]);
    const y = randint(0, 10, [16]);
    optimizer.zeroGrad();
    const loss = sparseCategoricalCrossEntropy(model.call(x), y, { fromLogits: true });
    loss.backward();
    optimizer.step();
    if (step === warmup) {
      const m = process.memoryUsage();
      rssStart = m.rss;
      heapStart = m.heapUsed;
    }
    if (step % every === 0) {
      const rss = process.memoryUsage().rss;
      trace.push(Math.round((rss / MiB) * 10) / 10);
      if (step > warmup) peak = Math.max(peak, rss);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = process.memoryUsage();
  return {
    case: 'memory-20k-steps',
    engine: 'tessera',
    steps,
    seconds,
    stepsPerSecond: steps / seconds,
    rssStartMiB: rssStart / MiB,
    rssEndMiB: end.rss / MiB,
    rssPeakMiB: peak / MiB,
    heapStartMiB: heapStart / MiB,
    heapEndMiB: end.heapUsed / MiB,
    rssTraceMiB: trace,
  };
}
