/**
 * `tessera export onnx DIR`: a saved model becomes an .onnx file that onnxruntime-web runs with
 * the saved model's outputs; --json prints the file's description as the last line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { Dense, LSTM, Sequential, loadModel, manualSeed, randn, saveModel, type Tensor } from '../../src/index.js';
import { seedMnistCnn } from '../../src/zoo/mnist-cnn.js';
import { repoRoot } from '../helpers/fixtures.js';

ort.env.wasm.numThreads = 1;
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* not JSON: the assertions report it */
  }
  return { code: r.status, stderr: r.stderr, last };
}

async function largestDifference(file: string, dir: string, x: Tensor): Promise<number> {
  const session = await ort.InferenceSession.create(file);
  const feed = new ort.Tensor('float32', Float32Array.from(x.toFlatArray()), [...x.shape]);
  const theirs = (await session.run({ input: feed })).output.data as Float32Array;
  const ours = loadModel(dir).predict(x).toFlatArray();
  assert.equal(theirs.length, ours.length);
  return ours.reduce((worst, v, i) => Math.max(worst, Math.abs(v - theirs[i])), 0);
}

test("tessera export onnx DIR --json: the seed's CNN, saved, runs in onnxruntime as loaded", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-export-'));
  try {
    manualSeed(11);
    saveModel(seedMnistCnn(), dir);
    const r = run(['export', 'onnx', dir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const file = join(dir, 'model.onnx');
    assert.equal(r.last.format, 'onnx');
    assert.equal(r.last.file, file);
    assert.equal(r.last.bytes, statSync(file).size);
    assert.equal(r.last.opset, 17);
    assert.deepEqual(r.last.inputs, [{ name: 'input', dtype: 'float32', shape: ['batch', 28, 28, 1] }]);
    assert.deepEqual(r.last.outputs, [{ name: 'output', dtype: 'float32', shape: ['batch', 10] }]);
    assert.equal(typeof r.last.nodes, 'number');
    assert.ok((await largestDifference(file, dir, randn([2, 28, 28, 1]).abs())) < 1e-5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tessera export onnx --out FILE: a saved LSTM keeps its variable time axis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-export-'));
  try {
    manualSeed(12);
    saveModel(
      new Sequential([new LSTM({ units: 4, inputShape: [null, 3] }), new Dense({ units: 2, activation: 'sigmoid' })]),
      dir,
    );
    const file = join(dir, 'elsewhere', 'lstm.onnx');
    const r = run(['export', 'onnx', dir, '--out', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((r.last.inputs as { shape: unknown }[])[0].shape, ['batch', 'input_dim1', 3]);
    assert.ok((await largestDifference(file, dir, randn([3, 7, 3]))) < 1e-5);
    // --input-shape fixes the length (here 5 steps) or leaves it variable ('?').
    const fixed = run(['export', 'onnx', dir, '--out', file, '--input-shape', '5,3', '--json']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual((fixed.last.inputs as { shape: unknown }[])[0].shape, ['batch', 5, 3]);
    const bad = run(['export', 'onnx', dir, '--input-shape', '5,x', '--json']);
    assert.equal(bad.code, 2);
    assert.match(String(bad.last.error), /--input-shape got "5,x"; expected sizes separated by commas/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tessera export names the formats it knows and refuses a missing folder', () => {
  const unknown = run(['export', 'tflite', 'x', '--json']);
  assert.equal(unknown.code, 2);
  assert.match(String(unknown.last.error), /tessera export: got format "tflite"; expected one of onnx/);
  const missing = run(['export', 'onnx', join(tmpdir(), 'no-such-model-folder'), '--json']);
  assert.equal(missing.code, 2);
  assert.match(String(missing.last.error), /loadModel: .* does not exist/);
});
