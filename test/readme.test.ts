/** The README's and examples' code is real: run it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/fixtures.js';

test('every ts code block in the README runs', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length > 0, 'README has no ts code blocks');
  const entry = pathToFileURL(join(repoRoot, 'dist', 'src', 'index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-readme-'));
  try {
    blocks.forEach((code, i) => {
      const file = join(dir, `block${i}.mjs`);
      writeFileSync(file, code.replaceAll(`from 'tessera'`, `from '${entry}'`));
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `README block ${i} failed:\n${r.stderr}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/linear-regression prints the seed's prediction ≈ 15", () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'examples', 'linear-regression.js')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/prediction for \[\[5, 10\]\] tensor\(\[([\d.]+)\]/);
  assert.ok(m, r.stdout);
  assert.ok(Math.abs(Number(m![1]) - 15) < 0.01, r.stdout);
});
