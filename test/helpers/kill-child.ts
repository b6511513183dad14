/**
 * The child process of test/keras/kill-resume.test.ts: trains a tiny model (Dense 4→8→3 with
 * dropout, 30 Adam steps) with BackupAndRestore checkpointing every step into argv[2], resuming
 * from whatever is there, and on completion writes the final weights and History as JSON to
 * argv[3]. It prints "ready" once imports and data are done (the parent times its kills from it).
 *
 * TESSERA_KILL_AT_FS_OP=n: the child SIGKILLs itself just before its n-th file-system mutation
 * (mkdir, open, write, fsync, rename, rm …) after training starts, so a test can stop it at every
 * instant of a save — between any two system calls — deterministically.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { Sequential } from '../../src/keras/sequential.js';
import { BackupAndRestore } from '../../src/keras/backup.js';
import '../../src/keras/save.js';
import { Dense } from '../../src/nn/dense.js';
import { Dropout } from '../../src/nn/dropout.js';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/creation.js';
import { writeFileAtomic } from '../../src/io/atomic.js';

export const EPOCHS = 3;
export const SAMPLES = 40; // batch 4: 10 steps an epoch, 30 in all

export function killChildModel(): Sequential {
  const m = new Sequential([
    new Dense({ units: 8, activation: 'tanh', inputShape: [4] }),
    new Dropout(0.25),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

let count = 0;
const countOps = (): number => count;

function injectKill(at: number): void {
  const mutations = [
    'mkdirSync',
    'openSync',
    'writeSync',
    'fsyncSync',
    'closeSync',
    'renameSync',
    'rmSync',
    'unlinkSync',
  ] as const;
  const table = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of mutations) {
    const original = table[name];
    table[name] = (...args: unknown[]) => {
      if (++count === at) process.kill(process.pid, 'SIGKILL');
      return original(...args);
    };
  }
  // The library imports these by name (ESM); this makes the named bindings see the wrappers.
  syncBuiltinESMExports();
}

export interface KillChildResult {
  weights: Record<string, number[]>;
  history: Record<string, number[]>;
}

/** The run: from the checkpoint in `dir` if there is one (no checkpoints when dir is null). */
export async function killChildRun(dir: string | null, ready = (): void => {}): Promise<KillChildResult> {
  manualSeed(11);
  const x = randn([SAMPLES, 4]);
  const y = tensor(
    Int32Array.from({ length: SAMPLES }, (_, i) => (i * 7) % 3),
    { shape: [SAMPLES] },
  );
  const model = killChildModel();
  ready();
  const history = await model.fit(x, y, {
    epochs: EPOCHS,
    batchSize: 4,
    verbose: 0,
    callbacks: dir === null ? [] : [new BackupAndRestore(dir, { saveFreq: 1, deleteCheckpoint: false })],
  });
  const weights = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync())]));
  return { weights, history: history.history };
}

async function main(): Promise<void> {
  const [dir, resultPath] = process.argv.slice(2);
  const result = await killChildRun(dir, () => {
    process.stdout.write('ready\n');
    const at = Number(process.env.TESSERA_KILL_AT_FS_OP ?? 0);
    if (at > 0) injectKill(at);
  });
  if (process.env.TESSERA_COUNT_FS_OPS) process.stdout.write(`ops ${countOps()}\n`);
  writeFileAtomic(resultPath, JSON.stringify(result));
}

if (process.argv[1]?.endsWith('kill-child.js')) await main();
