/**
 * `tessera explain` end to end on a model the test saves (the seed's CNN, untrained, seeded): the
 * PNG decodes to the expected size, the JSON holds the numbers, and bad input is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decode } from 'fast-png';
import { manualSeed, saveModel } from '../../src/index.js';
import { seedMnistCnn } from '../../src/zoo/index.js';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tessera-explain-'));
const model = join(dir, 'model');
manualSeed(0);
saveModel(seedMnistCnn(), model);

test.after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'explain', ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout holds only the JSON line under --json, got:\n${r.stdout}`);
  return { status: r.status, json: JSON.parse(lines[0]), stderr: r.stderr };
}

test('explain --method integrated-gradients writes the digit with its heat map and prints the numbers', () => {
  const file = join(dir, 'ig.png');
  const r = run([model, '--image', '0', '--method', 'integrated-gradients', '--steps', '16', '--out', file]);
  assert.equal(r.status, 0, r.stderr);
  const j = r.json;
  assert.equal(j.method, 'integrated-gradients');
  assert.equal(j.file, file);
  assert.equal(j.label, 7, 'the first test image is a 7');
  assert.equal(j.steps, 16);
  const top = j.probabilities as { class: number; probability: number }[];
  assert.equal(top.length, 3);
  assert.equal(j.predictedClass, top[0].class);
  assert.equal(j.target, j.predictedClass);
  assert.ok(top[0].probability >= top[1].probability && top[1].probability >= top[2].probability);
  // Completeness: the attributions add up to f(x) − f(0) up to the reported gap.
  assert.equal(typeof j.attributionSum, 'number');
  assert.ok(Math.abs(j.completenessGap as number) < 1e-3, `gap ${j.completenessGap}`);
  const png = decode(readFileSync(file));
  assert.equal(png.width, 28 * 8 + 120);
  assert.equal(png.height, 28 * 8);
  assert.equal(png.channels, 4);
});

test('explain --method grad-cam --layer 2, and occlusion; the gap is only reported for IG', () => {
  const cam = run([model, '--image', '3', '--method', 'grad-cam', '--layer', '2', '--out', join(dir, 'cam.png')]);
  assert.equal(cam.status, 0, cam.stderr);
  assert.equal(cam.json.layer, '2');
  assert.equal(cam.json.completenessGap, null);
  const occ = run([model, '--image', '3', '--method', 'occlusion', '--target', '1', '--out', join(dir, 'occ.png')]);
  assert.equal(occ.status, 0, occ.stderr);
  assert.equal(occ.json.target, 1);
  assert.equal(decode(readFileSync(join(dir, 'occ.png'))).height, 224);
});

test('bad input: an image out of range, an unknown method (the known ones listed), a layer that is not a convolution', () => {
  const far = run([model, '--image', '10000']);
  assert.equal(far.status, 2);
  assert.match(far.json.error as string, /--image got 10000; expected 0 <= N < 10000/);
  const lime = run([model, '--image', '0', '--method', 'lime']);
  assert.equal(lime.status, 2);
  assert.match(
    lime.json.error as string,
    /unknown method "lime"; expected one of saliency, gradient-x-input, smoothgrad, integrated-gradients, occlusion, grad-cam/,
  );
  const pool = run([model, '--image', '0', '--method', 'grad-cam', '--layer', '1']);
  assert.equal(pool.status, 2);
  assert.match(pool.json.error as string, /got layer "1", a MaxPooling2D; expected a convolution: '0', '2', '4'/);
});
