/**
 * The main job end to end, at CI size: `tessera train mnist --limit 2000 --epochs 1 --json` trains
 * the seed's exact CNN on real MNIST, evaluates on the 10,000 held-out test images and saves;
 * then `evaluate` and `predict` use the saved model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function runJson(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `tessera ${args.join(' ')} failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout should hold only the JSON line under --json, got:\n${r.stdout}`);
  return JSON.parse(lines[0]);
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-mnist-'));
const out = join(dir, 'model');

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('train mnist --limit 2000 --epochs 1 learns far above chance and saves the model', () => {
  const r = runJson(['train', 'mnist', '--limit', '2000', '--epochs', '1', '--out', out]);
  for (const key of ['testAccuracy', 'testLoss', 'epochs', 'trainSamples', 'seconds', 'samplesPerSecond', 'params']) {
    assert.ok(key in r, `missing ${key}`);
  }
  assert.equal(r.params, 93322);
  assert.equal(r.trainSamples, 2000);
  assert.equal(r.testSamples, 10000);
  // Chance is 10%; 2000 images for one epoch reach about 85% with this model.
  assert.ok((r.testAccuracy as number) > 0.7, `test accuracy ${r.testAccuracy}`);
  assert.ok(existsSync(join(out, 'config.json')) && existsSync(join(out, 'model.safetensors')));
});

test('evaluate DIR reproduces the accuracy of the saved model', () => {
  const r = runJson(['evaluate', out, '--limit', '1000']);
  assert.equal(r.testSamples, 1000);
  assert.ok((r.testAccuracy as number) > 0.7, `accuracy ${r.testAccuracy}`);
});

test('predict DIR --image N prints the digit and ten probabilities', () => {
  const r = runJson(['predict', out, '--image', '0']);
  const p = r.probabilities as number[];
  assert.equal(p.length, 10);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.equal(r.label, 7); // the first MNIST test image is a 7
  assert.equal(r.digit, p.indexOf(Math.max(...p)));
});
