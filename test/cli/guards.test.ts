/**
 * The command line's own messages where Node's would show (negative values, extra arguments),
 * --version and per-command --help, a diverged run that says so and exits 3, a model giving NaN,
 * and Ctrl-C during training, which says what was (not) saved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { saveModel, tensor } from '../../src/index.js';
import { loadMnist, seedMnistCnn } from '../../src/zoo/mnist-cnn.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    /* not JSON: the assertions report it */
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last };
}

test('negative option values reach the option check; extra arguments are refused', () => {
  const epochs = run(['linreg', '--epochs', '-1', '--json']);
  assert.equal(epochs.code, 2);
  assert.equal(epochs.last.error, 'tessera linreg: --epochs got "-1"; expected an integer >= 1');
  const image = run(['predict', 'out/none', '--image', '-1', '--json']);
  assert.equal(image.last.error, 'tessera predict: --image got "-1"; expected an integer >= 0');
  const extra = run(['train', 'mnist', 'now', '--json']);
  assert.equal(extra.code, 2);
  assert.match(String(extra.last.error), /tessera train: got extra argument "now"; expected only mnist/);
  const none = run(['linreg', 'a', 'b', '--json']);
  assert.match(String(none.last.error), /got extra arguments "a" "b"; expected no arguments besides options/);
});

test('a bad option is reported before anything else is printed', () => {
  const r = run(['train', 'mnist', '--seed', 'abc']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '', 'no banner');
  assert.match(r.stderr, /--seed got "abc"; expected an integer >= 0/);
});

test('--version, and --help of every command lists its options with what they do', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(run(['--version']).stdout.trim(), `tessera ${pkg.version}`);
  assert.deepEqual(run(['--version', '--json']).last, { version: pkg.version });
  const train = run(['train', '--help']).stdout;
  assert.match(train, /^usage: tessera train mnist/);
  assert.match(train, /--epochs N +passes over the training images \(default 5\)/);
  assert.match(train, /-h, --help +show this help/);
  for (const command of [
    'train',
    'evaluate',
    'predict',
    'pretrain',
    'generate',
    'baselines',
    'linreg',
    'info',
    'bench',
  ]) {
    const r = run([command, '--help']);
    assert.equal(r.code, 0, command);
    assert.match(r.stdout, /\noptions:\n(.+\n)* {2}--json +print one JSON object/, command);
  }
});

test('a diverged linreg says so and exits 3', () => {
  const r = run(['linreg', '--lr', '1e6', '--json']);
  assert.equal(r.code, 3);
  assert.match(String(r.last.error), /tessera linreg: training diverged: theta = \[NaN, NaN\].*lower --lr/);
});

test('predict with a model whose outputs are NaN explains instead of crashing; it reads only the images it needs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-nan-model-'));
  try {
    const model = seedMnistCnn();
    model.predict(tensor(new Float32Array(28 * 28), { shape: [1, 28, 28, 1] }));
    const [kernel] = model.parameters();
    kernel.copy_(tensor(new Float32Array(kernel.size).fill(Number.NaN), { shape: kernel.shape }));
    saveModel(model, dir);
    const r = run(['predict', dir, '--image', '0', '--json']);
    assert.equal(r.code, 3, r.stderr);
    assert.doesNotMatch(r.stderr, /TypeError/);
    assert.match(String(r.last.error), /gives \[NaN, .*\] for test image 0; expected finite probabilities/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const few = loadMnist({ limit: 0, testLimit: 3 });
  assert.deepEqual([few.xTrain.shape[0], few.xTest.shape, few.yTest.shape], [0, [3, 28, 28, 1], [3]]);
});

test('Ctrl-C during train says what was not saved and exits 130; the banner counts the images there are', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sigint-'));
  try {
    const child = spawn(process.execPath, [cli, 'train', 'mnist', '--limit', '99999999', '--out', join(dir, 'm')]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        // The first progress line: fit is running.
        if (/Epoch 1\/5/.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.match(stdout, /all 60000 training images/);
    assert.doesNotMatch(stdout, /99999999/);
    assert.equal(code, 130, stderr);
    assert.match(
      stderr,
      /tessera train: interrupted \(Ctrl-C\); stopping after the current step; the model is not saved/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
