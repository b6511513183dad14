/**
 * Checkpoint folders (generations + a `latest` pointer written last) and folder swaps: what a
 * kill, a full disk or a refused folder leaves behind is always the previous complete checkpoint,
 * and the error says so. Leftovers of killed writers are cleaned by the next write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dense,
  Sequential,
  ensureDir,
  latestCheckpoint,
  loadModel,
  saveModel,
  saveWeights,
  writeCheckpointDir,
  writeFileAtomic,
  writeFolderAtomic,
} from '../../src/index.js';

/** A pid no process has (above Linux's pid_max), for leftovers of a "killed" writer. */
const DEAD = 99999999;

function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ckdir-'));
  return (async () => {
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
}

function save(dir: string, text: string): string {
  return writeCheckpointDir(dir, (folder) => writeFileAtomic(join(folder, 'state.txt'), text));
}

function latestText(dir: string): string {
  return readFileSync(join(latestCheckpoint(dir)!, 'state.txt'), 'utf8');
}

/** Make every fs.writeSync throw ENOSPC (a full disk) while `fn` runs. */
function withFullDisk(fn: () => void): void {
  const original = fs.writeSync;
  (fs as { writeSync: unknown }).writeSync = () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    (fs as { writeSync: unknown }).writeSync = original;
    syncBuiltinESMExports();
  }
}

test('generations: the pointer names the newest, older ones are pruned, each has a manifest', () =>
  withTempDir((root) => {
    const dir = join(root, 'ckpt');
    assert.equal(latestCheckpoint(dir), null);
    save(dir, 'one');
    save(dir, 'two');
    assert.deepEqual(readdirSync(dir).sort(), ['gen-000002', 'latest']);
    assert.equal(readFileSync(join(dir, 'latest'), 'utf8'), 'gen-000002\n');
    assert.deepEqual(readdirSync(join(dir, 'gen-000002')).sort(), ['manifest.json', 'state.txt']);
    assert.equal(latestText(dir), 'two');
  }));

test('a kill before the pointer is rewritten leaves the previous checkpoint; leftovers go at the next save', () =>
  withTempDir((root) => {
    const dir = join(root, 'ckpt');
    save(dir, 'one');
    // As a kill leaves them: a half-filled temporary, a complete generation nothing points at,
    // and the pointer's own temporary file.
    mkdirSync(join(dir, `.gen-000002.${DEAD}.abcdef.tmp`));
    writeFileSync(join(dir, `.gen-000002.${DEAD}.abcdef.tmp`, 'state.txt'), 'half');
    mkdirSync(join(dir, 'gen-000002'));
    writeFileSync(join(dir, 'gen-000002', 'state.txt'), 'two, never committed');
    writeFileSync(join(dir, `.latest.${DEAD}.abcdef.tmp`), 'gen-0000');
    assert.equal(latestText(dir), 'one');
    save(dir, 'three');
    assert.deepEqual(readdirSync(dir).sort(), ['gen-000002', 'latest']);
    assert.equal(latestText(dir), 'three');
  }));

test('a full disk (a write that throws) leaves the previous checkpoint intact and says so', () =>
  withTempDir((root) => {
    const dir = join(root, 'ckpt');
    save(dir, 'one');
    const before = readdirSync(dir).sort();
    withFullDisk(() =>
      assert.throws(
        () => save(dir, 'two'),
        /writeCheckpointDir: could not write a checkpoint to .*ckpt \(ENOSPC: no space left on device, write\); the previous checkpoint .*gen-000001 is intact/,
      ),
    );
    assert.deepEqual(readdirSync(dir).sort(), before);
    assert.equal(latestText(dir), 'one');
    save(dir, 'two');
    assert.equal(latestText(dir), 'two');
  }));

test('a folder the system refuses fails at once with the level named (no endless mkdir under /proc)', () =>
  withTempDir((root) => {
    assert.throws(() => ensureDir('f', '/proc/tessera-nope/x'), /f: cannot create folder \/proc\/tessera-nope \(/);
    assert.throws(() => save('/proc/tessera-nope/ckpt', 'x'), /cannot create folder \/proc\/tessera-nope/);
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    assert.throws(() => saveWeights(model, '/proc/nope/x'), /writeFileAtomic: cannot create folder \/proc\/nope/);
    assert.throws(() => saveWeights(model, ''), /saveWeights: got ""; expected the path/);
    assert.throws(() => saveModel(model, ''), /saveModel: got ""; expected the path/);
    // A file in the way is named too.
    writeFileSync(join(root, 'file'), 'x');
    assert.throws(() => ensureDir('g', join(root, 'file', 'sub')), /g: cannot create folder .*: .*file is a file/);
  }));

test('a read-only checkpoint folder: the save fails with a clear error, the previous checkpoint stays', () =>
  withTempDir((root) => {
    const dir = join(root, 'ckpt');
    save(dir, 'one');
    // chmod cannot stop root, so as root the refusal is simulated: what the kernel answers then.
    const asRoot = process.getuid?.() === 0;
    const mkdir = fs.mkdirSync;
    if (asRoot) {
      (fs as { mkdirSync: unknown }).mkdirSync = (path: fs.PathLike, ...rest: unknown[]) => {
        if (String(path).startsWith(dir)) throw new Error(`EACCES: permission denied, mkdir '${path}'`);
        return (mkdir as (...a: unknown[]) => unknown)(path, ...rest);
      };
      syncBuiltinESMExports();
    } else fs.chmodSync(dir, 0o555);
    try {
      assert.throws(() => save(dir, 'two'), /could not write a checkpoint to .*EACCES.*gen-000001 is intact/);
    } finally {
      if (asRoot) {
        (fs as { mkdirSync: unknown }).mkdirSync = mkdir;
        syncBuiltinESMExports();
      } else fs.chmodSync(dir, 0o755);
    }
    assert.equal(latestText(dir), 'one');
    assert.deepEqual(readdirSync(dir).sort(), ['gen-000001', 'latest']);
  }));

test('model.save swaps the folder whole: a kill mid-swap is repaired by the next load, stale temporaries go', () =>
  withTempDir(async (root) => {
    const dir = join(root, 'model');
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    await model.save(dir);
    // A kill between the two renames: the old folder aside, no target.
    renameSync(dir, join(root, `.model.${DEAD}.abcdef.old`));
    mkdirSync(join(root, `.model.${DEAD}.fedcba.tmp`));
    const loaded = loadModel(dir);
    assert.equal(loaded.numParameters(), 3);
    assert.deepEqual(readdirSync(root), ['model']);
    // A killed single-file write leaves its temporary; the next write of that file removes it.
    writeFileSync(join(dir, `.model.safetensors.${DEAD}.abcdef.tmp`), 'partial');
    writeFileAtomic(join(dir, 'model.safetensors'), readFileSync(join(dir, 'model.safetensors')));
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
    // A folder holding other files is not swapped away.
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await assert.rejects(model.save(dir), /saveModel: .*model holds \["notes.txt"\] besides a model/);
    writeFolderAtomic(join(root, 'plain'), (tmp) => writeFileSync(join(tmp, 'a'), 'a'));
    assert.deepEqual(readdirSync(join(root, 'plain')), ['a']);
  }));
