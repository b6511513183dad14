/** Shared pieces of the keras tests: a small separable problem, a captured stream, temp folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, tensor, manualSeed, randn, Sequential, Dense, type ProgressStream } from '../../src/index.js';

/**
 * Two Gaussian blobs in 2-d, centred at (−1.5, −1) and (1.5, 1) with unit spread: class c for
 * sample i is i % 2, so every slice of the data holds both classes. Nearly separable (≈ 95%+).
 */
export function blobs(n: number, seed = 0): { x: Tensor; y: Tensor } {
  manualSeed(seed);
  const noise = randn([n, 2]).dataSync();
  const xs = new Float32Array(n * 2),
    ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    ys[i] = c;
    xs[2 * i] = (c ? 1.5 : -1.5) + noise[2 * i];
    xs[2 * i + 1] = (c ? 1 : -1) + noise[2 * i + 1];
  }
  return { x: tensor(xs, { shape: [n, 2] }), y: tensor(ys, { shape: [n] }) };
}

/** A small classifier for the blobs, seeded. */
export function blobModel(seed = 1): Sequential {
  manualSeed(seed);
  return new Sequential([
    new Dense({ units: 16, activation: 'relu', inputShape: [2] }),
    new Dense({ units: 2, activation: 'softmax' }),
  ]);
}

/** A stream that keeps what is written; `isTTY` makes fit draw the live bar. */
export function captureStream(
  isTTY = false,
  columns?: number,
): ProgressStream & { text: () => string; writes: string[] } {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => writes.push(s), text: () => writes.join('') };
}

/** A fresh folder under the OS temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-keras-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A deep copy of a model's weights as plain arrays, for before/after comparisons. */
export function weightsOf(model: { stateDict(): Record<string, Tensor> }): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(model.stateDict())) out[k] = Array.from(t.dataSync());
  return out;
}
