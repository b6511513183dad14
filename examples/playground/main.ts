/**
 * The playground's page: the UI only. The model lives in a Web Worker (worker.ts), which trains it
 * and answers predictions; this thread draws, shows and keeps files.
 */
import { drawCurve, type CurvePoint } from './curve.js';
import { mnistPixels, showPixels } from './digit.js';
import type { ExplainMethod, FromWorker, ToWorker } from './messages.js';
import { download, loadFromBrowser, readFiles, storeInBrowser } from './storage.js';

function $<T extends HTMLElement | SVGSVGElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`playground: the page has no #${id}`);
  return e as T;
}

const ui = {
  backend: $('backend'),
  status: $('status'),
  error: $('error'),
  train: $<HTMLButtonElement>('train'),
  stop: $<HTMLButtonElement>('stop'),
  batchSize: $<HTMLSelectElement>('batch-size'),
  metrics: $('metrics'),
  testAccuracy: $('test-accuracy'),
  curve: $<SVGSVGElement>('curve'),
  pad: $<HTMLCanvasElement>('pad'),
  clear: $<HTMLButtonElement>('clear'),
  method: $<HTMLSelectElement>('method'),
  input: $<HTMLCanvasElement>('input'),
  prediction: $('prediction'),
  probabilities: $('probabilities'),
  heatmap: $<HTMLCanvasElement>('heatmap'),
  download: $<HTMLButtonElement>('download'),
  upload: $<HTMLInputElement>('upload'),
  store: $<HTMLButtonElement>('store'),
  restore: $<HTMLButtonElement>('restore'),
  modelStatus: $('model-status'),
};

/** What the page has seen, for people poking at it in the console and for the browser test. */
const state = {
  ready: false,
  training: false,
  step: 0,
  curve: [] as CurvePoint[],
  prediction: null as null | { id: number; digit: number; probabilities: number[]; method: ExplainMethod },
  predictions: 0,
  backend: '',
  threads: 0,
  /** A prediction is being made, or one more is wanted. */
  get busy(): boolean {
    return inFlight || again;
  },
};
(globalThis as unknown as { playground: typeof state }).playground = state;

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (message: ToWorker): void => worker.postMessage(message);

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
  console.error(`playground: ${message}`);
}

worker.onerror = (event) => showError(`the worker failed: ${event.message}`);

function setTraining(on: boolean): void {
  state.training = on;
  ui.train.disabled = on || !state.ready;
  ui.stop.disabled = !on;
  ui.batchSize.disabled = on;
  ui.upload.disabled = on;
  ui.restore.disabled = on;
}

// Saves ask the worker for the bytes; the answer says where they go.
let saveTo: 'download' | 'browser' = 'download';

worker.onmessage = async (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  try {
    switch (m.type) {
      case 'ready':
        state.ready = true;
        state.backend = m.backend;
        state.threads = m.threads;
        ui.backend.textContent = `backend: ${m.backend} · threads: ${m.threads}${m.threadProblem ? ` (${m.threadProblem})` : ''} · cross-origin isolated: ${crossOriginIsolated ? 'yes' : 'no'} · ${m.params.toLocaleString('en')} parameters`;
        ui.status.textContent = 'Ready: train the model, or draw a digit.';
        for (const b of [ui.train, ui.download, ui.store, ui.restore, ui.upload]) b.disabled = false;
        break;
      case 'status':
        ui.status.textContent = m.text;
        break;
      case 'progress':
        state.step = m.step;
        state.curve.push({ step: m.step, loss: m.loss, accuracy: m.accuracy });
        ui.metrics.textContent = `step ${m.step} · epoch ${m.epoch + 1} · loss ${m.loss.toFixed(3)} · accuracy ${(100 * m.accuracy).toFixed(1)}% · ${m.stepsPerSecond.toFixed(1)} steps/s`;
        drawCurve(ui.curve, state.curve);
        break;
      case 'stopped':
        setTraining(false);
        state.step = m.step;
        ui.status.textContent = `Stopped after ${m.step} steps.`;
        ui.testAccuracy.textContent = `Test accuracy: ${(100 * m.testAccuracy).toFixed(1)}% on the first ${m.testImages.toLocaleString('en')} test images`;
        predictSoon();
        break;
      case 'prediction':
        showPrediction(m);
        break;
      case 'saved':
        if (saveTo === 'download') {
          download(m);
          ui.modelStatus.textContent = 'Downloaded mnist-cnn.safetensors and mnist-cnn.config.json.';
        } else {
          await storeInBrowser(m);
          ui.modelStatus.textContent = `Saved in this browser (IndexedDB) at step ${state.step}.`;
        }
        break;
      case 'loaded':
        ui.modelStatus.textContent = `Loaded ${m.source} (${m.params.toLocaleString('en')} parameters).`;
        predictSoon();
        break;
      case 'error':
        setTraining(false);
        showError(m.message);
        break;
    }
  } catch (error) {
    showError((error as Error).message);
  }
};

ui.train.onclick = () => {
  ui.error.hidden = true;
  setTraining(true);
  send({ type: 'train', batchSize: Number(ui.batchSize.value) });
};
ui.stop.onclick = () => {
  ui.stop.disabled = true;
  ui.status.textContent = 'Stopping after this step, then testing …';
  send({ type: 'stop' });
};

// Drawing: white strokes on black, as MNIST's digits are.
const pen = ui.pad.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
function clearPad(): void {
  pen.fillStyle = 'black';
  pen.fillRect(0, 0, ui.pad.width, ui.pad.height);
}
clearPad();
let last: { x: number; y: number } | null = null;

function at(event: PointerEvent): { x: number; y: number } {
  const r = ui.pad.getBoundingClientRect();
  return {
    x: ((event.clientX - r.left) * ui.pad.width) / r.width,
    y: ((event.clientY - r.top) * ui.pad.height) / r.height,
  };
}

ui.pad.onpointerdown = (event) => {
  ui.pad.setPointerCapture(event.pointerId);
  last = at(event);
  stroke(last, last);
};
ui.pad.onpointermove = (event) => {
  if (!last) return;
  const p = at(event);
  stroke(last, p);
  last = p;
  predictSoon();
};
ui.pad.onpointerup = ui.pad.onpointercancel = () => {
  last = null;
  predictSoon();
};

function stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
  pen.strokeStyle = 'white';
  pen.lineWidth = 24;
  pen.lineCap = 'round';
  pen.lineJoin = 'round';
  pen.beginPath();
  pen.moveTo(from.x, from.y);
  pen.lineTo(to.x, to.y);
  pen.stroke();
}

ui.clear.onclick = () => {
  clearPad();
  predictSoon();
};
ui.method.onchange = () => predictSoon();

// One prediction in flight at a time; strokes meanwhile ask for one more when it is answered.
let inFlight = false;
let again = false;
let nextId = 1;

function predictSoon(): void {
  if (!state.ready) return;
  if (inFlight) {
    again = true;
    return;
  }
  const pixels = mnistPixels(ui.pad);
  showPixels(ui.input, pixels);
  if (!pixels) {
    showEmpty();
    return;
  }
  inFlight = true;
  send({ type: 'predict', id: nextId++, pixels, method: ui.method.value as ExplainMethod });
}

function showEmpty(): void {
  state.prediction = null;
  ui.prediction.textContent = 'The canvas is empty: draw a digit (0–9) to see what the model makes of it.';
  ui.prediction.dataset.digit = '';
  ui.probabilities.replaceChildren();
  ui.heatmap.getContext('2d')?.clearRect(0, 0, ui.heatmap.width, ui.heatmap.height);
}

function showPrediction(m: Extract<FromWorker, { type: 'prediction' }>): void {
  inFlight = false;
  if (again) {
    again = false;
    predictSoon();
  }
  // An empty canvas since the request was sent: keep saying so.
  if (!mnistPixels(ui.pad)) {
    showEmpty();
    return;
  }
  state.prediction = { id: m.id, digit: m.digit, probabilities: m.probabilities, method: m.method };
  state.predictions++;
  const trained = state.step > 0 ? '' : ' (untrained model: train it first)';
  ui.prediction.textContent = `Prediction: ${m.digit} (${(100 * m.probabilities[m.digit]).toFixed(1)}%)${trained}`;
  ui.prediction.dataset.digit = String(m.digit);
  ui.probabilities.replaceChildren(
    ...m.probabilities.map((p, digit) => {
      const row = document.createElement('div');
      row.className = digit === m.digit ? 'row best' : 'row';
      row.innerHTML = `<span class="label">${digit}</span><span class="bar" style="width:${(140 * p).toFixed(1)}px"></span><span class="value">${(100 * p).toFixed(1)}%</span>`;
      return row;
    }),
  );
  const image = new ImageData(new Uint8ClampedArray(m.heatmap.data), m.heatmap.width, m.heatmap.height);
  ui.heatmap.width = image.width;
  ui.heatmap.height = image.height;
  ui.heatmap.getContext('2d')?.putImageData(image, 0, 0);
}

ui.download.onclick = () => {
  saveTo = 'download';
  send({ type: 'save' });
};
ui.store.onclick = () => {
  saveTo = 'browser';
  send({ type: 'save' });
};
ui.upload.onchange = async () => {
  try {
    if (!ui.upload.files) return;
    const { config, weights, source } = await readFiles(ui.upload.files);
    send({ type: 'load', config, weights, source });
  } catch (error) {
    showError((error as Error).message);
  } finally {
    ui.upload.value = '';
  }
};
ui.restore.onclick = async () => {
  try {
    const saved = await loadFromBrowser();
    if (!saved) {
      ui.modelStatus.textContent = 'No model is saved in this browser yet: train one and press "Save in browser".';
      return;
    }
    send({
      type: 'load',
      config: saved.config,
      weights: saved.weights,
      source: `the model saved in this browser on ${new Date(saved.savedAt).toLocaleString('en')}`,
    });
  } catch (error) {
    showError((error as Error).message);
  }
};

drawCurve(ui.curve, []);
showEmpty();
