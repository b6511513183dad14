/**
 * Shuffles with their own seed. A DataLoader or split given `seed` must give the same order every
 * run without consuming (or being disturbed by) the global generator that initialises weights, so it
 * draws from a private stream instead. Without a seed, shuffles use the global generator.
 */
import { randomPermutation } from '../tensor/random.js';
import { ArgumentError, describe } from '../util/errors.js';

/** A private mulberry32 stream: small, fast, and good enough to order samples. */
export class ShuffleRng {
  private state: number;

  constructor(seed: number, fn = 'ShuffleRng') {
    if (!Number.isFinite(seed)) throw new ArgumentError(`${fn}: got seed=${describe(seed)}; expected a finite number`);
    this.state = Math.floor(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  /** The stream's position (one uint32), to save; `setState` continues the stream from it. */
  getState(): number {
    return this.state;
  }

  setState(state: number, fn = 'ShuffleRng.setState'): void {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff)
      throw new ArgumentError(`${fn}: got state ${describe(state)}; expected an integer in 0..2^32-1`);
    this.state = state;
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/** A permutation from `rng` when given, else from the global generator (seeded by manualSeed). */
export function shuffledIndices(n: number, rng?: ShuffleRng): Int32Array {
  return rng ? rng.permutation(n) : randomPermutation(n);
}
