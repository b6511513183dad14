/**
 * A long training loop with no dispose() anywhere, run as its own process by memory.test.ts on one
 * backend (TESSERA_BACKEND): an MLP on a fresh random batch each step, Adam, cross-entropy. It
 * prints one JSON line: retained heap and RSS after a warm-up and at the end, each after a forced
 * full collection, so growth shows a leak rather than the collector's pacing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Adam,
  Dense,
  Linear,
  Module,
  backendInfo,
  backendReady,
  manualSeed,
  randint,
  randn,
  sparseCategoricalCrossEntropy,
  type Tensor,
} from '../../src/index.js';

class MLP extends Module {
  hidden = new Linear(32, 64);
  out = new Dense({ units: 10 });
  forward(input: Tensor): Tensor {
    return this.out.call(this.hidden.call(input).relu());
  }
}

const steps = Number(process.argv[2] ?? 20000);
// Long enough for the wasm heap to reach its high-water mark: it grows until the first forced
// collections (every 128 MiB of new storage) and is reused from then on.
const warmup = Math.floor(steps / 4);
await backendReady();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
// Two full collections with a turn of the event loop between them: the first frees what is
// unreachable and queues the finalizers of dead tensors, which run in that turn; the second frees
// what they released. One collection alone left up to ~2 MiB of the queue's garbage in a sample.
const sample = async (): Promise<{ heap: number; rss: number }> => {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
};

manualSeed(0);
const model = new MLP();
model.call(randn([1, 32])); // builds the lazy Dense
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
let start = await sample();
let firstLoss = 0;
for (let step = 0; step < steps; step++) {
  optimizer.zeroGrad();
  const loss = sparseCategoricalCrossEntropy(model.call(randn([16, 32])), randint(0, 10, [16]), { fromLogits: true });
  loss.backward();
  optimizer.step();
  if (step === 0) firstLoss = (await loss.data())[0];
  // A device backend runs ahead of the host: wait for it now and then, as a training loop that
  // reports its loss does.
  if (step % 500 === 499) await loss.data();
  if (step === warmup) start = await sample();
}
const end = await sample();
console.log(JSON.stringify({ backend: backendInfo().name, steps, firstLoss, start, end }));
