/** `tessera export pytorch` and `tessera import pytorch` on a small saved model and on a GPT checkpoint. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CharTokenizer, Dense, loadModel, Sequential, saveModel, tensor } from '../../src/index.js';
import { GPT } from '../../src/zoo/gpt.js';
import { saveGpt } from '../../src/zoo/gpt-train.js';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stderr: r.stderr, last: JSON.parse(lines[lines.length - 1] || '{}') };
}

test('export pytorch then import pytorch gives back a model with the same outputs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-pt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = new Sequential([new Dense({ units: 3, activation: 'relu', inputShape: [4] }), new Dense({ units: 2 })]);
  saveModel(model, join(dir, 'model'));

  const exported = run(['export', 'pytorch', join(dir, 'model'), '--out', join(dir, 'pt')]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.last.tensors, 4);
  assert.equal(exported.last.className, 'TesseraModel');
  assert.ok(existsSync(join(dir, 'pt', 'model.py')));

  const imported = run(['import', 'pytorch', join(dir, 'pt'), '--out', join(dir, 'back')]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.last.params, 4 * 3 + 3 + 3 * 2 + 2);
  const x = tensor([0.5, -1, 2, 0.25, 1, 1, -0.5, 0], { shape: [2, 4] });
  assert.deepEqual(loadModel(join(dir, 'back')).predict(x).dataSync(), model.predict(x).dataSync());
});

test('export and import name what they expected when the input is wrong', () => {
  const format = run(['export', 'tflite', 'x']);
  assert.equal(format.code, 2);
  assert.match(String(format.last.error), /tessera export: got format "tflite"; expected one of onnx, pytorch/);
  const noOut = run(['import', 'pytorch', 'somewhere']);
  assert.equal(noOut.code, 2);
  assert.match(String(noOut.last.error), /got no --out; expected --out DIR/);
  const missing = run(['export', 'pytorch', '/nonexistent/model']);
  assert.equal(missing.code, 2);
  assert.match(String(missing.last.error), /loadModel: \/nonexistent\/model does not exist/);
});

test('a GPT checkpoint: export onnx, export pytorch (with its tokenizer), import pytorch, then generate the same text', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-gpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokenizer = CharTokenizer.fit('call me ishmael. some years ago');
  const model = new GPT({ vocabSize: tokenizer.vocabSize, context: 8, layers: 1, heads: 2, width: 8 });
  saveGpt(join(dir, 'ckpt'), model, tokenizer);

  const onnx = run(['export', 'onnx', join(dir, 'ckpt'), '--out', join(dir, 'gpt.onnx')]);
  assert.equal(onnx.code, 0, onnx.stderr);
  assert.deepEqual(onnx.last.inputs, [{ name: 'input', dtype: 'int32', shape: ['batch', 'input_dim1'] }]);

  const exported = run(['export', 'pytorch', join(dir, 'ckpt'), '--out', join(dir, 'pt')]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.last.className, 'GPT');
  assert.ok(existsSync(join(dir, 'pt', 'tokenizer.json')));

  const imported = run(['import', 'pytorch', join(dir, 'pt'), '--out', join(dir, 'back')]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.last.params, model.numParameters());
  const generate = (folder: string): unknown =>
    run(['generate', join(dir, folder), '--prompt', 'call', '--tokens', '12', '--seed', '3']).last.text;
  const text = generate('back');
  assert.equal(typeof text, 'string');
  assert.equal(text, generate('ckpt'));
});
