/**
 * Full-state checkpoints of fit: interrupted (model.interrupt) or crashed (an exception) at any
 * step, then resumed by BackupAndRestore in a fresh model with the generator scrambled, a run ends
 * with the same weights and History as one never interrupted, bit for bit. Bad checkpoints are
 * named: another architecture (the layer), a missing or truncated file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import {
  BackupAndRestore,
  Callback,
  DataLoader,
  TensorDataset,
  Dense,
  Dropout,
  EarlyStopping,
  LearningRateScheduler,
  Sequential,
  StepLR,
  Adam,
  loadModel,
  loadTrainingCheckpoint,
  manualSeed,
  type Tensor,
} from '../../src/index.js';
import { blobs, tempDir, weightsOf } from './util.js';

const EPOCHS = 3;
const BATCH = 8; // 32 training samples: 4 steps an epoch, 12 in all

function data(): { x: Tensor; y: Tensor; validationData: [Tensor, Tensor] } {
  const { x, y } = blobs(32, 5);
  const { x: xv, y: yv } = blobs(12, 6);
  return { x: x, y, validationData: [xv, yv] };
}

/** A small model with dropout (it draws from the global generator every step), seeded. */
function model(seed = 1, units = 8): Sequential {
  manualSeed(seed);
  const m = new Sequential([
    new Dense({ units, activation: 'relu', inputShape: [2] }),
    new Dropout(0.3),
    new Dense({ units: 2, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

/** Calls model.interrupt() (as Ctrl-C does) or throws (as a crash) after optimizer step `at`. */
class StopAt extends Callback {
  constructor(
    readonly at: number,
    readonly how: 'interrupt' | 'throw',
  ) {
    super();
  }
  override onBatchEnd(): void {
    const run = this.requireModel().fitRun!;
    if (run.step !== this.at) return;
    if (this.how === 'throw') throw new Error(`crash at step ${this.at}`);
    this.requireModel().interrupt();
  }
}

async function reference(): Promise<{ weights: Record<string, number[]>; history: Record<string, number[]> }> {
  const { x, y, validationData } = data();
  const m = model();
  const h = await m.fit(x, y, { epochs: EPOCHS, batchSize: BATCH, validationData, verbose: 0 });
  return { weights: weightsOf(m), history: h.history };
}

test('interrupted at any step and resumed by BackupAndRestore equals the uninterrupted run, bit for bit', async () => {
  const whole = await reference();
  assert.equal(whole.history.loss.length, EPOCHS);
  const { dir, cleanup } = tempDir();
  try {
    for (let at = 1; at < EPOCHS * 4; at++) {
      const ckpt = join(dir, `at-${at}`);
      const { x, y, validationData } = data();
      const first = model();
      const h1 = await first.fit(x, y, {
        epochs: EPOCHS,
        batchSize: BATCH,
        validationData,
        verbose: 0,
        callbacks: [new StopAt(at, 'interrupt'), new BackupAndRestore(ckpt)],
      });
      // An interrupted epoch is not logged, even when all its batches are done.
      const epoch = Math.floor((at - 1) / 4);
      assert.equal(h1.history.loss?.length ?? 0, epoch, `epochs logged before the stop at step ${at}`);
      // A fresh process: other initial weights, the generator elsewhere.
      const backup = new BackupAndRestore(ckpt);
      const second = model(99);
      const h2 = await second.fit(x, y, {
        epochs: EPOCHS,
        batchSize: BATCH,
        validationData,
        verbose: 0,
        callbacks: [backup],
      });
      assert.deepEqual(backup.resumedAt, { epoch, batch: at - 4 * epoch });
      assert.deepEqual(weightsOf(second), whole.weights, `weights after resuming at step ${at}`);
      assert.deepEqual(h2.history, whole.history, `history after resuming at step ${at}`);
      // A finished run removes its backup (deleteCheckpoint, as Keras).
      assert.deepEqual(readdirSync(dir).includes(`at-${at}`), false);
    }
  } finally {
    cleanup();
  }
});

test('a crash (an exception) at any step resumes from the last per-step checkpoint to the same result', async () => {
  const whole = await reference();
  const { dir, cleanup } = tempDir();
  try {
    for (const at of [1, 4, 5, 11]) {
      const ckpt = join(dir, `crash-${at}`);
      const { x, y, validationData } = data();
      await assert.rejects(
        model().fit(x, y, {
          epochs: EPOCHS,
          batchSize: BATCH,
          validationData,
          verbose: 0,
          callbacks: [new BackupAndRestore(ckpt, { saveFreq: 1 }), new StopAt(at, 'throw')],
        }),
        new RegExp(`crash at step ${at}`),
      );
      // Only the latest generation is kept, beside its pointer.
      assert.match(readdirSync(ckpt).sort().join(' '), /^gen-\d{6} latest$/);
      const second = model(7);
      const h = await second.fit(x, y, {
        epochs: EPOCHS,
        batchSize: BATCH,
        validationData,
        verbose: 0,
        callbacks: [new BackupAndRestore(ckpt, { saveFreq: 1, deleteCheckpoint: false })],
      });
      assert.deepEqual(weightsOf(second), whole.weights, `weights after a crash at step ${at}`);
      assert.deepEqual(h.history, whole.history);
      // Kept when asked: the last generation is a saved model too.
      const gen = join(ckpt, readFileSync(join(ckpt, 'latest'), 'utf8').trim());
      assert.deepEqual(weightsOf(loadModel(gen)), whole.weights);
    }
  } finally {
    cleanup();
  }
});

test('resumed again and again (a checkpoint every step, a crash every few steps) still ends bit for bit', async () => {
  const whole = await reference();
  const { dir, cleanup } = tempDir();
  try {
    const { x, y, validationData } = data();
    // Each process runs a few steps past its resume point, then dies; all but the first start
    // from other initial weights, which the checkpoint replaces.
    for (const at of [2, 3, 6, 7, 9]) {
      await assert.rejects(
        model(at === 2 ? 1 : at).fit(x, y, {
          epochs: EPOCHS,
          batchSize: BATCH,
          validationData,
          verbose: 0,
          callbacks: [new BackupAndRestore(dir, { saveFreq: 1 }), new StopAt(at, 'throw')],
        }),
        /crash/,
      );
    }
    const last = model(42);
    const h = await last.fit(x, y, {
      epochs: EPOCHS,
      batchSize: BATCH,
      validationData,
      verbose: 0,
      callbacks: [new BackupAndRestore(dir, { saveFreq: 1 })],
    });
    assert.deepEqual(weightsOf(last), whole.weights);
    assert.deepEqual(h.history, whole.history);
  } finally {
    cleanup();
  }
});

test('a checkpoint write that fails (a full disk) stops fit with a clear error; the previous checkpoint resumes it', async () => {
  const whole = await reference();
  const { dir, cleanup } = tempDir();
  const write = fs.writeSync;
  const setWrite = (f: typeof fs.writeSync): void => {
    (fs as { writeSync: unknown }).writeSync = f;
    syncBuiltinESMExports();
  };
  class DiskFullAt extends Callback {
    override onBatchEnd(): void {
      if (this.requireModel().fitRun!.step === 6)
        setWrite(() => {
          throw new Error('ENOSPC: no space left on device, write');
        });
    }
  }
  try {
    const { x, y, validationData } = data();
    await assert.rejects(
      model().fit(x, y, {
        epochs: EPOCHS,
        batchSize: BATCH,
        validationData,
        verbose: 0,
        callbacks: [new DiskFullAt(), new BackupAndRestore(dir, { saveFreq: 1 })],
      }),
      /saveTrainingCheckpoint: could not write a checkpoint to .* \(ENOSPC: no space left on device, write\); the previous checkpoint .*gen-\d+ is intact/,
    );
    setWrite(write);
    assert.equal(loadTrainingCheckpoint(model(), dir)!.trainer.step, 5);
    const resumed = model(3);
    const h = await resumed.fit(x, y, {
      epochs: EPOCHS,
      batchSize: BATCH,
      validationData,
      verbose: 0,
      callbacks: [new BackupAndRestore(dir)],
    });
    assert.deepEqual(weightsOf(resumed), whole.weights);
    assert.deepEqual(h.history, whole.history);
  } finally {
    setWrite(write);
    cleanup();
  }
});

test('an LRScheduler driven by LearningRateScheduler keeps its position across a resume', async () => {
  const { dir, cleanup } = tempDir();
  /** A model compiled with an Adam instance whose rate StepLR halves every epoch. */
  const run = async (seed: number, extra: Callback[]): Promise<{ m: Sequential; schedule: StepLR }> => {
    const { x, y } = data();
    const m = model(seed);
    const opt = new Adam(m.parameters(), { lr: 0.01 });
    m.compile({ optimizer: opt, loss: 'sparse_categorical_crossentropy' });
    const schedule = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    await m.fit(x, y, {
      epochs: EPOCHS,
      batchSize: BATCH,
      verbose: 0,
      callbacks: [new LearningRateScheduler(schedule), ...extra, new BackupAndRestore(dir)],
    });
    return { m, schedule };
  };
  try {
    const whole = await run(1, []);
    await run(1, [new StopAt(6, 'interrupt')]);
    const resumed = await run(5, []);
    assert.equal(resumed.schedule.lastEpoch, EPOCHS);
    assert.equal(resumed.m.optimizer!.lr, whole.m.optimizer!.lr);
    assert.deepEqual(weightsOf(resumed.m), weightsOf(whole.m));
  } finally {
    cleanup();
  }
});

test("callbacks' state (EarlyStopping's patience count) is saved and restored", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { x, y, validationData } = data();
    const early = new EarlyStopping({ monitor: 'loss', patience: 5 });
    const m = model();
    await m.fit(x, y, {
      epochs: EPOCHS,
      batchSize: BATCH,
      validationData,
      verbose: 0,
      callbacks: [early, new StopAt(9, 'interrupt'), new BackupAndRestore(dir)],
    });
    const saved = loadTrainingCheckpoint(model(), dir)!;
    assert.deepEqual(Object.values(saved.trainer.callbacks), [
      { wait: early.wait, best: early.best, bestEpoch: early.bestEpoch, stoppedEpoch: 0 },
    ]);
    const again = new EarlyStopping({ monitor: 'loss', patience: 5 });
    const seen: number[] = [];
    class Probe extends Callback {
      override onEpochBegin(): void {
        seen.push(again.best);
      }
    }
    await model().fit(x, y, {
      epochs: EPOCHS,
      batchSize: BATCH,
      validationData,
      verbose: 0,
      callbacks: [again, new Probe(), new BackupAndRestore(dir)],
    });
    const loss = (await reference()).history.loss;
    // Resumed inside epoch 2: EarlyStopping already knows the best of epochs 0 and 1.
    assert.deepEqual(seen, [Math.min(loss[0], loss[1])], `${seen} ${loss}`);
    assert.equal(again.best, Math.min(...loss));
  } finally {
    cleanup();
  }
});

test('a checkpoint of another architecture names the layer; a missing or truncated file is named', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const { x, y } = data();
    await model().fit(x, y, {
      epochs: 1,
      batchSize: BATCH,
      verbose: 0,
      callbacks: [new BackupAndRestore(dir, { saveFreq: 2, deleteCheckpoint: false })],
    });
    assert.throws(
      () => loadTrainingCheckpoint(model(1, 16), dir),
      /is a checkpoint of another architecture: layer 0 differs: the checkpoint has Dense \{.*"units":8,.*this model has Dense \{.*"units":16/,
    );
    const gen = join(dir, readFileSync(join(dir, 'latest'), 'utf8').trim());
    const trainer = readFileSync(join(gen, 'trainer.json'));
    rmSync(join(gen, 'trainer.json'));
    assert.throws(() => loadTrainingCheckpoint(model(), dir), /checkpoint file .*trainer\.json is missing/);
    writeFileSync(join(gen, 'trainer.json'), trainer);
    assert.ok(loadTrainingCheckpoint(model(), dir) !== null);
    truncateSync(join(gen, 'optimizer.safetensors'), 10);
    assert.throws(
      () => loadTrainingCheckpoint(model(), dir),
      /checkpoint file .*optimizer\.safetensors is truncated: 10 bytes; the manifest says \d+/,
    );
    writeFileSync(join(dir, 'latest'), 'gen-000009\n');
    assert.throws(() => loadTrainingCheckpoint(model(), dir), /names gen-000009, but .*manifest\.json cannot be read/);
  } finally {
    cleanup();
  }
});

for (const seed of [5, undefined])
  test(`a DataLoader given to fit (seed ${seed}) resumes at its own position: interrupted at any step equals the uninterrupted run`, async () => {
    const { x, y } = data();
    const loader = (): DataLoader => new DataLoader(new TensorDataset(x, y), { batchSize: BATCH, shuffle: true, seed });
    const m0 = model();
    const h0 = await m0.fit(loader(), { epochs: EPOCHS, verbose: 0 });
    const whole = { weights: weightsOf(m0), history: h0.history };
    const { dir, cleanup } = tempDir();
    try {
      for (let at = 1; at < EPOCHS * 4; at++) {
        const ckpt = join(dir, `loader-${at}`);
        await model().fit(loader(), {
          epochs: EPOCHS,
          verbose: 0,
          callbacks: [new StopAt(at, 'interrupt'), new BackupAndRestore(ckpt)],
        });
        const second = model(99);
        manualSeed(12345);
        const h2 = await second.fit(loader(), { epochs: EPOCHS, verbose: 0, callbacks: [new BackupAndRestore(ckpt)] });
        assert.deepEqual({ weights: weightsOf(second), history: h2.history }, whole, `stopped after step ${at}`);
      }
    } finally {
      cleanup();
    }
  });
