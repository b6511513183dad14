/**
 * Fault injection: a child process trains a tiny model with a checkpoint every step and is killed
 * with SIGKILL — at seeded random moments (most land inside a save, which is most of a step's
 * time), and at every third file-system call of a save (the child kills itself there) — then
 * resumed. After every kill the latest checkpoint loads and never goes backwards; every run that
 * completes ends with the uninterrupted run's weights and History, bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainingCheckpoint } from '../../src/index.js';
import { killChildModel, killChildRun, type KillChildResult } from '../helpers/kill-child.js';
import { tempDir } from './util.js';

const CHILD = fileURLToPath(new URL('../helpers/kill-child.js', import.meta.url));

/** Run the child once; kill it `killAfterMs` after it is ready (never when null). */
function runChild(
  dir: string,
  resultPath: string,
  killAfterMs: number | null,
  env: Record<string, string> = {},
): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, resultPath], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterMs !== null && d.toString().includes('ready')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`the child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

/** The step of the latest checkpoint (0 when none), which must load. */
function checkpointStep(dir: string): number {
  return loadTrainingCheckpoint(killChildModel(), dir)?.trainer.step ?? 0;
}

/** A kill left a save's traces: a temporary, or two generations (the old one not yet pruned). */
function killedInsideSave(dir: string): boolean {
  if (!existsSync(dir)) return false;
  const names = readdirSync(dir);
  return names.some((n) => n.startsWith('.')) || names.filter((n) => n.startsWith('gen-')).length > 1;
}

function mulberry(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

function readResult(path: string): KillChildResult {
  return JSON.parse(readFileSync(path, 'utf8')) as KillChildResult;
}

test('SIGKILL at 50 random moments in a row, each time resumed: the checkpoint loads and runs end as the uninterrupted one', async (t) => {
  const reference = await killChildRun(null);
  const { dir: root, cleanup } = tempDir();
  try {
    const random = mulberry(2026);
    let run = 0;
    let dir = join(root, `run-${run}`);
    let kills = 0,
      insideSave = 0,
      finished = 0,
      lastStep = 0;
    while (kills < 50) {
      const resultPath = join(root, `result-${run}.json`);
      // Seeded delays after the child is ready: 0–150 ms, a few steps (each one a save).
      const outcome = await runChild(dir, resultPath, Math.floor(random() * 150));
      if (outcome === 'finished') {
        assert.deepEqual(readResult(resultPath), reference, `run ${run} after kills`);
        finished++;
        run++;
        dir = join(root, `run-${run}`);
        lastStep = 0;
        continue;
      }
      kills++;
      if (killedInsideSave(dir)) insideSave++;
      const step = checkpointStep(dir);
      assert.ok(step >= lastStep, `the checkpoint went back from step ${lastStep} to ${step}`);
      lastStep = step;
    }
    // Then each interrupted run is resumed to its end.
    const resultPath = join(root, `result-${run}.json`);
    assert.equal(await runChild(dir, resultPath, null), 'finished');
    assert.deepEqual(readResult(resultPath), reference);
    assert.ok(insideSave >= 5, `only ${insideSave} of ${kills} kills landed inside a save`);
    t.diagnostic(`${kills} kills (${insideSave} inside a save), ${finished + 1} runs completed`);
  } finally {
    cleanup();
  }
});

test('SIGKILL at every third file-system call of a save, each time resumed: the checkpoint loads, the run ends as the uninterrupted one', async () => {
  const reference = await killChildRun(null);
  const { dir: root, cleanup } = tempDir();
  try {
    const dir = join(root, 'ckpt');
    const resultPath = join(root, 'result.json');
    let lastStep = 0;
    // A save is ~65 calls (mkdir, open, write, fsync, close, rename, rm); the first save of each
    // resumed child starts at call 1.
    for (let op = 1; op <= 66; op += 3) {
      const outcome = await runChild(dir, resultPath, null, { TESSERA_KILL_AT_FS_OP: String(op) });
      assert.equal(outcome, 'killed', `the child was to kill itself at call ${op}`);
      const step = checkpointStep(dir);
      assert.ok(
        step >= lastStep,
        `after a kill at call ${op} the checkpoint went back from step ${lastStep} to ${step}`,
      );
      lastStep = step;
    }
    assert.ok(lastStep > 0);
    assert.equal(await runChild(dir, resultPath, null), 'finished');
    assert.deepEqual(readResult(resultPath), reference);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    cleanup();
  }
});
