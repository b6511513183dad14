/**
 * `tessera train mnist` and its destinations: --resume DIR checkpoints the run and continues it;
 * Ctrl-C (SIGINT) stops after the current step, checkpoints and says how to continue (exit 130);
 * the resumed run ends as an uninterrupted one, bit for bit. --out is checked before training
 * (empty, unwritable, a model already there without --overwrite).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tessera-train-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// 320 images, batch 32: 10 steps an epoch, 20 in all; 100 test images.
const RUN = ['train', 'mnist', '--limit', '320', '--epochs', '2', '--test-limit', '100', '--json'];

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

test('Ctrl-C stops after the step, checkpoints, says how to continue; the resumed run equals an uninterrupted one', async () => {
  const ckpt = join(dir, 'ckpt');
  const child = spawn(process.execPath, [
    cli,
    ...RUN,
    '--out',
    join(dir, 'a'),
    '--resume',
    ckpt,
    '--checkpoint-every',
    '1',
  ]);
  let stdout = '',
    stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // Interrupt once the first checkpoint is there (a step into the run, many steps before its end).
  const poll = setInterval(() => {
    if (existsSync(join(ckpt, 'latest'))) {
      clearInterval(poll);
      child.kill('SIGINT');
    }
  }, 10);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  assert.equal(code, 130, stderr);
  assert.match(
    stderr,
    /interrupted at epoch 1, batch \d+: the run is checkpointed in .*ckpt; continue it with: tessera train mnist --resume .*ckpt/,
  );
  const stopped = lastJson(stdout);
  assert.equal(stopped.interrupted, true);
  assert.equal(stopped.savedTo, null);
  assert.equal(existsSync(join(dir, 'a')), false);

  // The data settings come from the checkpoint's run.json; other ones are refused.
  const wrong = run(['train', 'mnist', '--limit', '64', '--resume', ckpt, '--json']);
  assert.equal(wrong.status, 2);
  assert.match(lastJson(wrong.stdout).error as string, /is a run with limit=320; got limit=64/);
  const resumed = run(['train', 'mnist', '--test-limit', '100', '--out', join(dir, 'a'), '--resume', ckpt, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /resumed from .*ckpt at epoch 1, batch [1-9]/);
  const whole = run([...RUN, '--out', join(dir, 'b')]);
  assert.equal(whole.status, 0, whole.stderr);
  const r = lastJson(resumed.stdout),
    w = lastJson(whole.stdout);
  assert.deepEqual(r.history, w.history);
  assert.equal(r.testLoss, w.testLoss);
});

test('--out is checked before training: empty, unwritable, or a model there without --overwrite', () => {
  const empty = run(['train', 'mnist', '--limit', '32', '--out', '', '--json']);
  assert.equal(empty.status, 2);
  assert.match(lastJson(empty.stdout).error as string, /--out got ""; expected the folder/);
  const proc = run(['train', 'mnist', '--limit', '32', '--out', '/proc/x', '--json']);
  assert.equal(proc.status, 2);
  assert.match(lastJson(proc.stdout).error as string, /cannot write in \/proc/);
  const out = join(dir, 'once');
  const first = run([
    ...RUN.slice(0, 2),
    '--limit',
    '32',
    '--epochs',
    '1',
    '--test-limit',
    '10',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(first.status, 0, first.stderr);
  const again = run([...RUN.slice(0, 2), '--limit', '32', '--epochs', '1', '--out', out, '--json']);
  assert.equal(again.status, 2);
  assert.match(lastJson(again.stdout).error as string, /already holds a saved model; pass overwrite \(--overwrite\)/);
  assert.doesNotMatch(again.stderr, /Epoch 1/, 'refused before training');
  const over = run([
    ...RUN.slice(0, 2),
    '--limit',
    '32',
    '--epochs',
    '1',
    '--test-limit',
    '10',
    '--out',
    out,
    '--overwrite',
    '--json',
  ]);
  assert.equal(over.status, 0, over.stderr);
});
