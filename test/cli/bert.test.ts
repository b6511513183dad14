import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* not JSON: the assertions below report it */
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last };
}

test('tessera pretrain bert and tessera finetune: --json keys on a tiny checkpoint', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-bert-cli-'));
  try {
    const out = join(root, 'ckpt');
    const p = run([
      'pretrain',
      'bert',
      '--corpus',
      'spam-unlabelled',
      '--documents',
      '40',
      '--vocab-size',
      '300',
      ...['--layers', '1', '--heads', '2', '--width', '16', '--context', '16', '--batch-size', '4'],
      ...['--steps', '4', '--eval-rows', '8', '--out', out],
    ]);
    assert.equal(p.code, 0, p.stderr);
    for (const key of ['mlmLoss', 'maskedAccuracy', 'steps', 'params', 'seconds', 'tokensPerSecond'])
      assert.equal(typeof p.last[key], 'number', `pretrain bert --json has ${key}`);
    assert.equal(p.last.steps, 4);

    const f = run(
      ['finetune', out, '--task', 'spam', '--emails', '20', '--labels', '16', '--seeds', '2'].concat([
        '--max-steps',
        '2',
        '--batch-size',
        '4',
        '--test-limit',
        '8',
        '--skip-baselines',
      ]),
    );
    assert.equal(f.code, 0, f.stderr);
    for (const arm of ['pretrained', 'scratch']) {
      const score = f.last[arm] as Record<string, unknown>;
      assert.equal(typeof score.accuracy, 'number', `${arm}.accuracy`);
      assert.equal(typeof score.f1, 'number', `${arm}.f1`);
      assert.equal((score.runs as unknown[]).length, 2);
    }
    assert.equal(f.last.labels, 16);
    assert.deepEqual(f.last.seeds, [0, 1]);
    assert.equal(f.last.testSamples, 8);
    for (const key of ['testAccuracy', 'testF1', 'scratchTestAccuracy', 'labels', 'trainSamples'])
      assert.equal(typeof f.last[key], 'number', `finetune --json has ${key}`);
    assert.equal(f.last.baselines, undefined, '--skip-baselines leaves them out');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('tessera pretrain bert: help, and bad corpora and checkpoints are named', () => {
  const help = spawnSync(process.execPath, [cli, 'pretrain', 'bert', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /tessera pretrain bert --corpus spam-unlabelled,sotu/);
  assert.match(help.stdout, /--pre-ln/);
  const bad = run(['pretrain', 'bert', '--corpus', 'moby-dick']);
  assert.notEqual(bad.code, 0);
  assert.match(
    String(bad.last.error),
    /--corpus got "moby-dick"; expected a comma-separated list of spam-unlabelled, sotu/,
  );
  const missing = run(['finetune', join(tmpdir(), 'no-such-bert-checkpoint'), '--task', 'spam']);
  assert.notEqual(missing.code, 0);
  assert.match(String(missing.last.error), /BERT checkpoint: folder .* does not exist/);
  const task = run(['finetune', 'x', '--task', 'sentiment']);
  assert.match(String(task.last.error), /--task got "sentiment"; expected "spam"/);
});
