import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

function run(args: string[]): { code: number | null; stderr: string; last: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  let last: Record<string, unknown> = {};
  try {
    last = JSON.parse(lines[lines.length - 1]);
  } catch {
    /* not JSON: the assertions below report it */
  }
  return { code: r.status, stderr: r.stderr, last };
}

test('tessera pretrain gpt and tessera generate: --json keys, checkpoint errors, unseen prompt characters', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-gpt-cli-'));
  try {
    const out = join(root, 'ckpt');
    const tiny = ['--chars', '3000', '--layers', '1', '--heads', '2', '--width', '16', '--context', '16'];
    const p = run([
      'pretrain',
      'gpt',
      '--corpus',
      'moby-dick',
      ...tiny,
      '--batch-size',
      '4',
      '--steps',
      '6',
      '--eval-windows',
      '2',
      '--out',
      out,
    ]);
    assert.equal(p.code, 0, p.stderr);
    for (const key of ['valLoss', 'bigramValLoss', 'tokensPerSecond', 'steps', 'params', 'seconds'])
      assert.equal(typeof p.last[key], 'number', `pretrain --json has ${key}`);
    assert.equal(p.last.steps, 6);

    const sampling = [
      '--prompt',
      'Call me',
      '--tokens',
      '12',
      '--temperature',
      '0.8',
      '--top-k',
      '5',
      '--top-p',
      '0.95',
    ];
    const g = run(['generate', out, ...sampling, '--seed', '1']);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(typeof g.last.text, 'string');
    assert.equal([...(g.last.text as string)].length, 12);
    assert.equal(typeof g.last.tokensPerSecond, 'number');
    const again = run(['generate', out, ...sampling, '--seed', '1', '--no-cache']);
    assert.equal(again.last.text, g.last.text, 'the same seed gives the same text, with or without the cache');

    const unseen = run(['generate', out, '--prompt', 'Call me ☃', '--tokens', '5']);
    assert.equal(unseen.code, 2);
    assert.match(String(unseen.last.error), /☃/);

    const other = run(['pretrain', 'gpt', '--resume', out, '--layers', '2']);
    assert.equal(other.code, 2);
    assert.match(String(other.last.error), /holds a model with layers=1; got layers=2/);

    // The checkpoint's latest generation (out/gen-00000N, named by out/latest) without its weights.
    rmSync(join(out, readFileSync(join(out, 'latest'), 'utf8').trim(), 'model.safetensors'));
    const missing = run(['generate', out, '--prompt', 'Call me']);
    assert.equal(missing.code, 2);
    assert.match(String(missing.last.error), /checkpoint file .*model\.safetensors is missing/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('tessera pretrain gpt --tokenizer bpe: the checkpoint holds the BPE tokenizer; generate reads any prompt', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-gpt-bpe-'));
  try {
    const out = join(root, 'ckpt');
    const tiny = ['--chars', '6000', '--layers', '1', '--heads', '2', '--width', '16', '--context', '16'];
    const args = ['pretrain', 'gpt', '--tokenizer', 'bpe', '--vocab-size', '300', ...tiny, '--batch-size', '4'];
    const p = run([...args, '--steps', '4', '--eval-windows', '2', '--out', out]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.last.tokenizer, 'bpe');
    assert.equal((p.last.config as { vocabSize: number }).vocabSize, 300);
    for (const key of ['valLoss', 'valLossPerChar', 'bigramValLoss', 'bigramValLossPerChar'])
      assert.equal(typeof p.last[key], 'number', `pretrain --json has ${key}`);
    // BPE tokens hold several characters each: a loss per character is smaller than per token.
    assert.ok((p.last.valLossPerChar as number) < (p.last.valLoss as number));
    const tokenizerFile = join(out, readFileSync(join(out, 'latest'), 'utf8').trim(), 'tokenizer.json');
    assert.equal(JSON.parse(readFileSync(tokenizerFile, 'utf8')).type, 'BpeTokenizer');

    const g = run(['generate', out, '--prompt', 'Call me ☃', '--tokens', '5', '--seed', '3']);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(g.last.tokens, 5);

    const resumed = run(['pretrain', 'gpt', '--resume', out, '--steps', '5']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.last.steps, 5);
    const otherKind = run(['pretrain', 'gpt', '--resume', out, '--tokenizer', 'char']);
    assert.equal(otherKind.code, 2);
    assert.match(String(otherKind.last.error), /holds a model of bpe tokens; got tokenizer=char/);
    const noBpe = run(['pretrain', 'gpt', '--vocab-size', '300', '--steps', '1']);
    assert.equal(noBpe.code, 2);
    assert.match(String(noBpe.last.error), /--vocab-size is the BPE vocabulary; expected it with --tokenizer bpe/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
