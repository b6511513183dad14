/**
 * trainMnist's destination: when the final save fails after all (the folder became read-only
 * during training, say), the error says so and where the trained model was kept instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/index.js';
import { trainMnist } from '../../src/zoo/mnist-cnn.js';

test('a final save that fails keeps the model in the temp folder and names it in the error', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-mnist-save-'));
  const out = join(root, 'model');
  const rename = fs.renameSync;
  // Renames into `out` fail (EROFS), as on a file system turned read-only mid-run.
  (fs as { renameSync: unknown }).renameSync = (from: fs.PathLike, to: fs.PathLike) => {
    if (String(to).startsWith(out)) throw new Error(`EROFS: read-only file system, rename '${from}' -> '${to}'`);
    return rename(from, to);
  };
  syncBuiltinESMExports();
  let message = '';
  try {
    await trainMnist({ limit: 32, epochs: 1, testLimit: 10, out, verbose: 0 });
  } catch (error) {
    message = (error as Error).message;
  } finally {
    (fs as { renameSync: unknown }).renameSync = rename;
    syncBuiltinESMExports();
  }
  try {
    const m =
      /^trainMnist: could not save the model to .*model \(EROFS: read-only file system.*\); the trained model is saved in (.*) instead$/.exec(
        message,
      );
    assert.ok(m, message);
    assert.equal(loadModel(m[1]).numParameters(), 93322);
    // Nothing half-written is left where the model was to go.
    assert.deepEqual(fs.readdirSync(root), []);
    rmSync(m[1], { recursive: true, force: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
