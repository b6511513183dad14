/**
 * Run as its own process by stream-memory.test.ts: train a small classifier for one epoch on a
 * file streamed from disk (IDX or CSV), and print one JSON line with the loss at the start and the
 * end and the process's resident memory (RSS) after every batch.
 * A full collection runs every `gcEvery` batches, before RSS is sampled, as in test/memory: the
 * wasm heap otherwise collects only every 128 MiB of storage, and the peak would show that pacing
 * rather than what the loader keeps.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Callback,
  DataLoader,
  Dense,
  Flatten,
  type Logs,
  Sequential,
  backendReady,
  manualSeed,
  streamCsv,
  streamIdx,
} from '../../src/index.js';

const [kind, dir, gcEveryArg] = process.argv.slice(2);
const gcEvery = Number(gcEveryArg ?? 1);
await backendReady();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

manualSeed(0);
const dataset =
  kind === 'idx'
    ? await streamIdx({ images: `${dir}/x.idx`, labels: `${dir}/y.idx`, divideBy: 255, chunkRows: 2048 })
    : await streamCsv(`${dir}/data.csv`, { label: 'label', chunkBytes: 1 << 20 });
const loader = new DataLoader(dataset, { batchSize: 1024, shuffle: true, seed: 3, shuffleBuffer: 4096 });
const model =
  kind === 'idx'
    ? new Sequential([new Flatten({ inputShape: [28, 28] }), new Dense({ units: 10, activation: 'softmax' })])
    : new Sequential([new Dense({ units: 4, activation: 'softmax', inputShape: [16] })]);
model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });

const losses: number[] = [];
const rss: number[] = [];
class Probe extends Callback {
  override onBatchEnd(batch: number, logs: Logs): void {
    if (batch % gcEvery === 0) gc();
    rss.push(process.memoryUsage().rss);
    losses.push(logs.loss);
  }
}
const history = await model.fit(loader, { epochs: 1, verbose: 0, callbacks: [new Probe()] });
process.stdout.write(
  `${JSON.stringify({ firstLoss: losses[0], lastLoss: history.history.loss[0], rss, steps: history.params?.steps })}\n`,
);
