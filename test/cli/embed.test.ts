/**
 * `tessera embed` and `tessera similar` end to end on the first words of Moby Dick (a quick run):
 * the folder holds the three files, the JSON holds the numbers, the neighbours come ranked, and
 * bad input is refused with a message naming the option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tessera-embed-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, json: lines[0] ? JSON.parse(lines[lines.length - 1]) : {}, stderr: r.stderr };
}

const quick = ['--words', '5000', '--steps', '12', '--dim', '16', '--batch-size', '256', '--min-count', '3'];

for (const method of ['word2vec', 'glove']) {
  test(`embed --method ${method} writes the vectors and reports the pair scores; similar ranks neighbours`, () => {
    const out = join(dir, method);
    const r = run(['embed', '--corpus', 'moby-dick', '--method', method, ...quick, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const j = r.json;
    assert.equal(j.method, method);
    assert.equal(j.dim, 16);
    assert.equal(j.out, out);
    for (const key of [
      'vocabSize',
      'lossStart',
      'lossEnd',
      'relatedPairMeanSim',
      'randomPairMeanSim',
      'randomVectorBaseline',
      'seconds',
    ])
      assert.equal(typeof j[key], 'number', key);
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'vectors.safetensors', 'vocab.json']);

    const s = run(['similar', out, 'Whale', '--k', '4']);
    assert.equal(s.status, 0, s.stderr);
    assert.equal(s.json.word, 'whale');
    const n = s.json.neighbours as { word: string; cosine: number }[];
    assert.equal(n.length, 4);
    assert.ok(n.every((x, i) => x.word !== 'whale' && (i === 0 || x.cosine <= n[i - 1].cosine)));
  });
}

test('bad input is refused with the option or word named', () => {
  const m = run(['embed', '--method', 'fasttext']);
  assert.notEqual(m.status, 0);
  assert.match(m.stderr, /--method got "fasttext"; expected word2vec or glove/);
  const w = run(['similar', join(dir, 'word2vec'), 'xyzzy']);
  assert.notEqual(w.status, 0);
  assert.match(w.stderr, /the word "xyzzy" is not in the vocabulary/);
  const d = run(['similar', join(dir, 'nothing'), 'whale']);
  assert.match(d.stderr, /is not a folder; expected one written by "tessera embed"/);
});
