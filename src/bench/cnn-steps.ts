/**
 * Training steps per second of the seed CNN (batch 32 by default), timed the same way in Node and
 * in a browser page (chromium-page.ts bundles this file): the browser entry only, so the code is
 * the same on both sides. One step is one `fit` call on one batch: forward, loss, backward, Adam.
 */
import {
  Sequential,
  backendInfo,
  backendReady,
  getBackend,
  manualSeed,
  rand,
  randint,
  setThreads,
} from '../browser.js';
import { seedMnistLayers } from '../zoo/mnist-model.js';

export interface CnnStepsOptions {
  /** Timed steps. */
  steps?: number;
  /** Untimed steps first (JIT, the heap's free lists, the workers coming up). */
  warmup?: number;
  batch?: number;
  /** setThreads first (default: the backend's, the number of cores). */
  threads?: number;
}

export interface CnnSteps {
  stepsPerSecond: number;
  steps: number;
  batch: number;
  backend: string;
  threads: number;
  threadProblem: string | null;
  /** Chunks of kernels that worker threads ran during the timed steps (0: the caller ran all). */
  workerChunks: number;
  /** A browser's crossOriginIsolated (undefined in Node). */
  crossOriginIsolated?: boolean;
}

function workerChunks(): number {
  return (getBackend() as { workerChunks?: number }).workerChunks ?? 0;
}

export async function cnnSteps(options: CnnStepsOptions = {}): Promise<CnnSteps> {
  const { steps = 20, warmup = 10, batch = 32, threads } = options;
  if (threads !== undefined) setThreads(threads);
  await backendReady();
  manualSeed(0);
  const model = new Sequential(seedMnistLayers());
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
  const x = rand([batch, 28, 28, 1]);
  const y = randint(0, 10, [batch]);
  const step = () => model.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 });
  for (let i = 0; i < warmup; i++) await step();
  const chunksBefore = workerChunks();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - start) / 1000;
  const info = backendInfo();
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return {
    stepsPerSecond: Math.round((steps / seconds) * 10) / 10,
    steps,
    batch,
    backend: info.name,
    threads: info.threads,
    threadProblem: info.threadProblem,
    workerChunks: workerChunks() - chunksBefore,
    ...(isolated === undefined ? {} : { crossOriginIsolated: isolated }),
  };
}
