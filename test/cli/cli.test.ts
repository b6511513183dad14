import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* not JSON: the assertions below report it */
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last };
}

test('tessera linreg --json prints theta and prediction as the last line', () => {
  const r = run(['linreg', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Array.isArray(r.last.theta));
  assert.ok(Math.abs((r.last.prediction as number) - 15) < 0.01);
});

test('tessera linreg --dataset boston --json reports MSE and R² beside the closed form', () => {
  const r = run(['linreg', '--dataset', 'boston', '--epochs', '800', '--json']);
  assert.equal(r.code, 0, r.stderr);
  for (const key of ['testMse', 'testR2', 'trainMse', 'closedForm']) assert.ok(key in r.last, `missing ${key}`);
});

test('unknown options and commands are errors that name what was expected', () => {
  const bad = run(['linreg', '--bogus', '--json']);
  assert.equal(bad.code, 2);
  assert.match(String(bad.last.error), /linreg.*bogus/);
  const unknown = run(['frobnicate', '--json']);
  assert.equal(unknown.code, 2);
  assert.match(String(unknown.last.error), /unknown command "frobnicate"; expected one of/);
  const badValue = run(['linreg', '--epochs', 'many', '--json']);
  assert.equal(badValue.code, 2);
  assert.match(String(badValue.last.error), /--epochs got "many"; expected an integer/);
});

test('tessera info --json names the backend', () => {
  const r = run(['info', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(typeof r.last.backend, 'string');
});
