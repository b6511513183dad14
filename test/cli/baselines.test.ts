import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* not JSON: the assertions below report it */
  }
  return { code: r.status, stderr: r.stderr, last };
}

test('tessera baselines spam --json: both baselines scored on the test split, as the last line', () => {
  // 10 e-mails of each of the five groups: 40 train, 10 test; one epoch each, so it is quick.
  const r = run([
    'baselines',
    'spam',
    '--limit',
    '10',
    '--labels',
    '20',
    '--lstm-epochs',
    '1',
    '--bow-epochs',
    '1',
    '--max-length',
    '16',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last.task, 'spam');
  assert.equal(r.last.labels, 20);
  assert.equal(r.last.testSize, 10);
  for (const key of ['lstm', 'bagOfWords']) {
    const s = r.last[key] as Record<string, number>;
    assert.ok(
      s.accuracy >= 0 && s.accuracy <= 1 && s.f1 >= 0 && s.f1 <= 1 && s.seconds > 0,
      `${key}: ${JSON.stringify(s)}`,
    );
  }
  assert.match(r.stderr, /bag of words \+ logreg/);
});

test('tessera baselines refuses an unknown task and too many labels, naming the option', () => {
  const task = run(['baselines', 'ham', '--json']);
  assert.equal(task.code, 2);
  assert.equal(task.last.error, 'tessera baselines: got task "ham"; expected "spam"');
  const labels = run(['baselines', 'spam', '--limit', '2', '--labels', '9', '--json']);
  assert.equal(labels.code, 2);
  assert.match(String(labels.last.error), /--labels got 9; expected at most 8/);
});
