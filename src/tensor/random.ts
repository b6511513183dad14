/**
 * The one global random generator (xoshiro128**), seeded with `manualSeed`. Like PyTorch's default
 * generator it starts from a fixed seed, so a program that never seeds is still reproducible.
 */
import { ArgumentError, describe } from '../util/errors.js';

const DEFAULT_SEED = 0x5eed;

class Xoshiro128 {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.seed(seed);
  }

  seed(seed: number): void {
    // splitmix32 spreads one seed over the four state words.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
    this.spareNormal = null;
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal by Box–Muller, caching the second value. */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    this.s.set(state);
    this.spareNormal = null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const generator = new Xoshiro128(DEFAULT_SEED);

/** Seed the global generator: every later random tensor, init and shuffle is reproducible. */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new ArgumentError(`manualSeed: got ${describe(seed)}; expected a finite number`);
  generator.seed(Math.floor(seed));
}

/** Uniform [0, 1). */
export function randomUniform(): number {
  return generator.next();
}

/** Standard normal. */
export function randomNormal(): number {
  return generator.normal();
}

/** Uniform integer in [0, n). */
export function randomInt(n: number): number {
  return Math.floor(generator.next() * n);
}

/** The generator's state, for checkpoints; `setRngState` restores it. */
export function getRngState(): number[] {
  return generator.getState();
}

export function setRngState(state: readonly number[]): void {
  if (state.length !== 4) throw new ArgumentError(`setRngState: got ${state.length} words; expected 4`);
  generator.setState(state);
}

/** Fisher–Yates permutation of 0..n-1 from the global generator. */
export function randomPermutation(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
