import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, saveSafetensors, loadSafetensors, tensor, FormatError } from '../../src/index.js';

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-io-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('writeFileAtomic writes bytes or text, creates parent folders and leaves no temp files', () => {
  withTempDir((dir) => {
    const path = join(dir, 'a', 'b', 'weights.bin');
    writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    assert.deepEqual(Array.from(readFileSync(path)), [1, 2, 3]);
    writeFileAtomic(path, 'replaced ✓');
    assert.equal(readFileSync(path, 'utf8'), 'replaced ✓');
    assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['weights.bin']);
    // A view into a larger buffer writes only its own bytes.
    const big = Uint8Array.from([9, 8, 7, 6, 5]);
    writeFileAtomic(path, big.subarray(1, 3));
    assert.deepEqual(Array.from(readFileSync(path)), [8, 7]);
  });
});

test('a failed write leaves the old target untouched and no temp files behind', () => {
  withTempDir((dir) => {
    // Renaming a file onto a non-empty folder fails after the temp file was written.
    const target = join(dir, 'model.safetensors');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'x');
    assert.throws(
      () => writeFileAtomic(target, Uint8Array.from([1])),
      (e: NodeJS.ErrnoException) => typeof e.code === 'string',
    );
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    assert.deepEqual(readdirSync(target), ['keep.txt']);
    // A parent that is a file cannot be created: nothing is written at all.
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'old');
    assert.throws(() => writeFileAtomic(join(blocker, 'child.bin'), 'x'));
    assert.equal(readFileSync(blocker, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).sort(), ['file', 'model.safetensors']);
  });
});

test('saveSafetensors / loadSafetensors round-trip through disk; a bad file is named in the error', () => {
  withTempDir((dir) => {
    const path = join(dir, 'ckpt', 'model.safetensors');
    saveSafetensors(
      path,
      {
        w: tensor([
          [1, 2],
          [3, 4],
        ]),
        step: tensor([7], { dtype: 'int32' }),
      },
      { epoch: '3' },
    );
    const { tensors, metadata } = loadSafetensors(path);
    assert.deepEqual(tensors.w.toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(tensors.step.toArray(), [7]);
    assert.equal(tensors.step.dtype, 'int32');
    assert.deepEqual(metadata, { epoch: '3' });
    assert.deepEqual(readdirSync(join(dir, 'ckpt')), ['model.safetensors']);
    // Overwrite with different content: the load sees the new file whole.
    saveSafetensors(path, { w: tensor([5]) });
    assert.deepEqual(Object.keys(loadSafetensors(path).tensors), ['w']);
    const truncated = join(dir, 'cut.safetensors');
    writeFileSync(truncated, readFileSync(path).subarray(0, 20));
    assert.throws(
      () => loadSafetensors(truncated),
      (e) => e instanceof FormatError && e.message.includes(truncated) && /truncated file/.test(e.message),
    );
  });
});
