/**
 * The training report's pieces, each against numbers worked out by hand: the confusion matrix and
 * precision/recall of a tiny fixed prediction set, the History kept in a model folder, the chart
 * layout, the PNG pictures (decoded again) and the HTML page (self-contained, plots inline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import {
  Dense,
  Flatten,
  buildReport,
  rand,
  FormatError,
  History,
  Sequential,
  classificationMetrics,
  confusionImage,
  encodePng,
  historyFromJson,
  lineChartImage,
  loadModel,
  manualSeed,
  reportHtml,
  saveModel,
  tensor,
  type ReportData,
} from '../../src/index.js';
import { layoutLineChart } from '../../src/explain/report/chart.js';
import { cellShade } from '../../src/explain/report/svg.js';

const labels = tensor([0, 0, 1, 1, 2, 2, 2], { dtype: 'int32' });
const predicted = tensor([0, 1, 1, 1, 2, 0, 2], { dtype: 'int32' });

test('classificationMetrics: confusion, precision and recall of a fixed prediction set, by hand', async () => {
  const m = await classificationMetrics(labels, predicted, 4);
  // Rows: true class; columns: predicted. Class 3 is neither present nor predicted.
  assert.deepEqual(m.confusion, [
    [1, 1, 0, 0],
    [0, 2, 0, 0],
    [1, 0, 2, 0],
    [0, 0, 0, 0],
  ]);
  // precision = hits / predicted as c: 1/2, 2/3, 2/2; recall = hits / true c: 1/2, 2/2, 2/3.
  const close = (got: (number | null)[], want: (number | null)[]): void =>
    got.forEach((v, i) =>
      want[i] === null
        ? assert.equal(v, null)
        : assert.ok(Math.abs((v as number) - (want[i] as number)) < 1e-6, `${got}`),
    );
  close(m.precision, [1 / 2, 2 / 3, 1, null]);
  close(m.recall, [1 / 2, 1, 2 / 3, null]);
  assert.deepEqual(m.support, [2, 2, 3, 0]);
  assert.equal(m.samples, 7);
  assert.ok(Math.abs(m.accuracy - 5 / 7) < 1e-12);
  await assert.rejects(
    classificationMetrics(labels, tensor([0, 1], { dtype: 'int32' }), 4),
    /classificationMetrics: got labels of shape \[7\]/,
  );
});

test('History: toJSON / historyFromJson round trip, a diverged value as null, a bad file named', () => {
  const h = new History();
  h.onEpochEnd(0, { loss: 0.5, accuracy: 0.8 });
  h.onEpochEnd(1, { loss: Number.NaN, accuracy: 0.9 });
  h.run = { epochs: 2, backend: 'wasm' };
  const json = JSON.parse(JSON.stringify(h.toJSON()));
  assert.deepEqual(json.history.loss, [0.5, null]);
  const back = historyFromJson(json, 'test');
  assert.deepEqual(back.epoch, [0, 1]);
  assert.ok(Number.isNaN(back.history.loss[1]));
  assert.deepEqual(back.run, { epochs: 2, backend: 'wasm' });
  assert.throws(
    () => historyFromJson({ format: 'other' }, 'x.json'),
    (e: Error) => e instanceof FormatError && /x\.json: got format "other"/.test(e.message),
  );
  assert.throws(
    () => historyFromJson({ ...json, history: { loss: [1] } }, 'x.json'),
    /history\.loss is not a list of 2 numbers/,
  );
});

test('model.save keeps the History of fit (history.json) and loadModel brings it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-history-'));
  try {
    manualSeed(1);
    const model = new Sequential([new Dense({ units: 3, activation: 'softmax', inputShape: [2] })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = tensor([
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
      [2, 1],
      [1, 2],
    ]);
    const y = tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });
    const history = await model.fit(x, y, { epochs: 3, batchSize: 2, validationSplit: 0.34, verbose: 0 });
    saveModel(model, join(dir, 'm'));
    assert.deepEqual(readdirSync(join(dir, 'm')).sort(), ['config.json', 'history.json', 'model.safetensors']);
    const saved = JSON.parse(readFileSync(join(dir, 'm', 'history.json'), 'utf8'));
    assert.deepEqual(Object.keys(saved.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.equal(typeof saved.run.date, 'string');
    assert.ok(saved.run.seconds >= 0);
    assert.equal(saved.params.samples, 3, 'the first floor(6 × 0.66) samples train, the rest validate');
    const loaded = loadModel(join(dir, 'm'));
    assert.deepEqual(loaded.history?.history.loss, history.history.loss);
    // A folder holding history.json is a model folder: saving over it (the loaded model keeps its History) works.
    saveModel(loaded, join(dir, 'm'));
    assert.ok(readdirSync(join(dir, 'm')).includes('history.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('layoutLineChart: points where the axes put them, a null breaks the line', () => {
  const L = layoutLineChart(
    { title: 't', xLabel: 'epoch', x: [1, 2, 3], series: [{ name: 'a', values: [1, null, 0], color: '#000000' }] },
    400,
    300,
  );
  const { left, right, top, bottom } = L.plot;
  // y from 0 to 1 (ticks every 0.2), x from 1 to 3.
  assert.deepEqual(
    L.yTicks.map((t) => t.label),
    ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'],
  );
  assert.deepEqual(L.lines[0].runs, [[[left, top]], [[right, bottom]]]);
});

test('lineChartImage / confusionImage: PNGs that decode, lines and cells in their colours', () => {
  const chart = lineChartImage(
    { title: 'loss', xLabel: 'epoch', x: [1, 2], series: [{ name: 'training', values: [2, 1], color: '#ff0000' }] },
    320,
    200,
  );
  const png = decode(encodePng(chart));
  assert.equal(png.width, 320);
  assert.equal(png.height, 200);
  let reds = 0;
  for (let p = 0; p < png.data.length; p += 4)
    if (png.data[p] === 255 && png.data[p + 1] === 0 && png.data[p + 2] === 0) reds++;
  assert.ok(reds > 100, `the red line is drawn (${reds} pixels)`);
  // Cell (true 1, predicted 1) holds 2 of its row's 2: the full shade; at its centre-left corner pixel.
  const img = confusionImage(
    [
      [1, 1],
      [0, 2],
    ],
    ['0', '1'],
  );
  const cell = 44;
  const at = ((64 + 1 * cell + 3) * img.width + 64 + 1 * cell + 3) * 4;
  assert.deepEqual([...img.data.subarray(at, at + 3)], cellShade(1));
  const half = ((64 + 3) * img.width + 64 + 3) * 4;
  assert.deepEqual([...img.data.subarray(half, half + 3)], cellShade(0.5));
});

test('reportHtml: one page, no script and nothing fetched, curves and matrix inline, numbers as computed', async () => {
  const metrics = await classificationMetrics(labels, predicted, 3);
  const data: ReportData = {
    title: 'tiny <model>',
    epochs: [0, 1],
    curves: { loss: [1, 0.5], accuracy: [0.5, 0.75], val_loss: [1.2, null], val_accuracy: [0.4, 0.6] },
    params: null,
    stopReason: null,
    run: { epochs: 2, seconds: 1.5, date: '2026-01-01T00:00:00.000Z' },
    metrics,
    classNames: ['0', '1', '2'],
    worst: [
      {
        index: 5,
        label: 2,
        predicted: 0,
        labelProbability: 0.1,
        predictedProbability: 0.8,
        png: encodePng({ width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) }),
      },
    ],
    summary: 'Model: "tiny"',
  };
  const html = reportHtml(data);
  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!/<script|<link rel="stylesheet"|src="http|href="http/.test(html), 'self-contained');
  assert.equal(html.match(/<svg [^>]*class="chart"/g)?.length, 2, 'a chart for loss and one for accuracy');
  assert.equal(html.match(/<svg [^>]*class="confusion"/g)?.length, 1);
  assert.equal(html.match(/class="series"/g)?.length, 4, 'training and validation, validation loss in one run');
  assert.ok(html.includes('tiny &#60;model&#62;'), 'text is escaped');
  assert.ok(html.includes('<td>1</td><td>0.6667</td><td>1.0000</td><td>2</td>'), 'class 1: precision 2/3, recall 1');
  assert.ok(html.includes('<b id="test-accuracy">71.43 %</b>'));
  assert.ok(html.includes('src="data:image/png;base64,'));
});

test('buildReport: worst images by true-class probability, their PNGs, and bad input named', async () => {
  manualSeed(2);
  const mlp = new Sequential([new Flatten({ inputShape: [3, 2, 1] }), new Dense({ units: 3, activation: 'softmax' })]);
  const x = rand([9, 3, 2, 1]);
  const y = tensor([0, 1, 2, 0, 1, 2, 0, 1, 2], { dtype: 'int32' });
  const data = await buildReport(mlp, new History(), x, y, { worst: 4 });
  const p = (await mlp.predict(x).data()) as Float32Array;
  const yv = [0, 1, 2, 0, 1, 2, 0, 1, 2];
  const byHand = yv.map((c, i) => p[i * 3 + c]);
  const order = byHand.map((_, i) => i).sort((a, b) => byHand[a] - byHand[b]);
  assert.deepEqual(
    data.worst.map((w) => w.index),
    order.slice(0, 4),
  );
  for (const w of data.worst) {
    assert.ok(Math.abs(w.labelProbability - byHand[w.index]) < 1e-6);
    const row = [...p.subarray(w.index * 3, w.index * 3 + 3)];
    assert.equal(w.predicted, row.indexOf(Math.max(...row)));
    assert.deepEqual([decode(w.png).width, decode(w.png).height], [2 * 4, 3 * 4]);
  }
  assert.equal(data.metrics.samples, 9);
  assert.ok(data.summary?.includes('Total params: 21'));
  await assert.rejects(
    buildReport(mlp, new History(), x, tensor([0, 1], { dtype: 'int32' })),
    /buildReport: got labels of shape \[2\]/,
  );
  await assert.rejects(buildReport(mlp, new History(), x, y, { worst: -1 }), /buildReport: got worst=-1/);
  const flat = new Sequential([new Dense({ units: 3, inputShape: [3, 2, 1] })]);
  await assert.rejects(
    buildReport(flat, new History(), x, y),
    /buildReport: the model outputs shape \[9, 3, 2, 3\]; expected \[samples, classes\]/,
  );
});
