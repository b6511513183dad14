/**
 * Language-model data from a stream of token ids: a train/validation split (the validation set is
 * the contiguous end of the text) and a sampler of random windows for next-token prediction.
 * Token ids are host data until a batch is made; each batch becomes two int32 tensors.
 * Browser-safe.
 */
import { fromHostValues } from '../../tensor/creation.js';
import { randomUniform } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ArgumentError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { ShuffleRng } from '../shuffle.js';

/** Token ids split in two contiguous parts: `train` is the start of the text, `validation` its end. */
export interface TokenSplit {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/** `ids` as an Int32Array (the same one when it is already), each checked to be an integer id. */
export function toTokenIds(fn: string, ids: ArrayLike<number>, vocabSize?: number): Int32Array {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number')
    throw new ArgumentError(`${fn}: got ${describe(ids)}; expected token ids (an Int32Array or number[])`);
  const hi = vocabSize ?? 2 ** 31;
  if (ids instanceof Int32Array && vocabSize === undefined) {
    for (let i = 0; i < ids.length; i++)
      if (ids[i] < 0) throw new ArgumentError(`${fn}: id ${ids[i]} at position ${i} is negative; expected ids ≥ 0`);
    return ids;
  }
  const out = ids instanceof Int32Array ? ids : new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= hi)
      throw new ArgumentError(
        `${fn}: id ${describe(id)} at position ${i} is outside the vocabulary; expected integer ids in 0..${hi - 1}`,
      );
    out[i] = id;
  }
  return out;
}

/** Each of `keys` in `opts` is a positive integer. */
function checkPositive(fn: string, opts: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of keys) {
    const v = opts[key];
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new ArgumentError(`${fn}: got ${key}=${describe(v)}; expected a positive integer`);
  }
}

/**
 * Split token ids: the last `validationFraction` of them (10 % by default, rounded to whole tokens)
 * are the validation set, the rest the training set, both contiguous views of `ids` (no copy, no
 * shuffling: neighbouring windows overlap, so a random split would leak validation text into
 * training). Deterministic; the randomness is in which windows the sampler draws.
 * @example const { train, validation } = splitTokens(tok.encode(text)); // 90 % / 10 %
 */
export function splitTokens(ids: ArrayLike<number>, options?: { validationFraction?: number }): TokenSplit {
  const fn = 'splitTokens';
  const opts = checkOptions(fn, options, ['validationFraction'], '{ validationFraction: 0.1 }');
  const fraction = (opts.validationFraction as number | undefined) ?? 0.1;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
    throw new ArgumentError(`${fn}: got validationFraction=${describe(fraction)}; expected a number in (0, 1)`);
  const all = toTokenIds(fn, ids);
  const nValidation = Math.round(all.length * fraction);
  if (nValidation < 1 || nValidation >= all.length)
    throw new ArgumentError(
      `${fn}: ${all.length} tokens with validationFraction=${fraction} leave ${nValidation} for validation and ${all.length - nValidation} for training; expected at least one token in each`,
    );
  const cut = all.length - nValidation;
  return { train: all.subarray(0, cut), validation: all.subarray(cut) };
}

export interface WindowSamplerOptions {
  /** Windows per batch. */
  batchSize: number;
  /** Tokens the model sees: each window is context + 1 tokens long. */
  context: number;
  /**
   * Seed of the sampler's own random stream (so it neither consumes nor is disturbed by the global
   * generator that initialises weights and drops out units). Without it the seed is drawn once from
   * the global generator, so `manualSeed` makes the batches reproducible.
   */
  seed?: number;
  /** When given, every id is checked to lie in 0..vocabSize-1 (a clear error instead of a bad gather later). */
  vocabSize?: number;
}

/** Where a WindowSampler is: save it with a checkpoint, `setState` resumes the same batches. */
export interface WindowSamplerState {
  /** The random stream's position (one uint32). */
  rng: number;
  /** Batches drawn so far. */
  batches: number;
}

/** One batch: inputs[b, t] is followed by targets[b, t] = the next token. */
export interface WindowBatch {
  /** int32 [batchSize, context]. */
  inputs: Tensor;
  /** int32 [batchSize, context]: the inputs shifted by one token. */
  targets: Tensor;
}

/**
 * Batches of random windows of a token stream, as a character-level GPT is trained (nanoGPT's
 * get_batch): each batch draws `batchSize` start positions uniformly (with replacement) and takes
 * the `context + 1` tokens there; the first `context` are the inputs and the last `context` the
 * targets. The stream is endless: call `next()` for every step.
 * @example
 * const sampler = new WindowSampler(split.train, { batchSize: 32, context: 64 });
 * const { inputs, targets } = sampler.next(); // int32 [32, 64] each
 */
export class WindowSampler {
  readonly ids: Int32Array;
  readonly batchSize: number;
  readonly context: number;
  private readonly rng: ShuffleRng;
  private drawn = 0;

  constructor(ids: ArrayLike<number>, options: WindowSamplerOptions) {
    const fn = 'WindowSampler';
    const opts = checkOptions(
      fn,
      options,
      ['batchSize', 'context', 'seed', 'vocabSize'],
      '{ batchSize: 32, context: 64 }',
    );
    checkPositive(fn, opts, ['batchSize', 'context']);
    if (opts.vocabSize !== undefined) checkPositive(fn, opts, ['vocabSize']);
    const vocabSize = opts.vocabSize as number | undefined;
    this.batchSize = opts.batchSize as number;
    this.context = opts.context as number;
    this.ids = toTokenIds(fn, ids, vocabSize);
    if (this.ids.length < this.context + 1)
      throw new ArgumentError(
        `${fn}: got ${this.ids.length} tokens; expected at least context + 1 = ${this.context + 1} for one window`,
      );
    const seed = opts.seed as number | undefined;
    this.rng = new ShuffleRng(seed ?? Math.floor(randomUniform() * 4294967296), fn);
  }

  /** How many different windows there are (start positions 0..windows-1). */
  get windows(): number {
    return this.ids.length - this.context;
  }

  /** The start positions of the next batch (advances the sampler, like `next`). */
  nextStarts(): Int32Array {
    const starts = new Int32Array(this.batchSize);
    const n = this.windows;
    for (let b = 0; b < starts.length; b++) starts[b] = Math.floor(this.rng.next() * n);
    this.drawn++;
    return starts;
  }

  /** The next batch of windows. */
  next(): WindowBatch {
    const starts = this.nextStarts();
    const c = this.context;
    const inputs = new Int32Array(this.batchSize * c);
    const targets = new Int32Array(this.batchSize * c);
    starts.forEach((s, b) => {
      inputs.set(this.ids.subarray(s, s + c), b * c);
      targets.set(this.ids.subarray(s + 1, s + 1 + c), b * c);
    });
    return {
      inputs: fromHostValues(inputs, [this.batchSize, c]),
      targets: fromHostValues(targets, [this.batchSize, c]),
    };
  }

  /** The sampler's position, to save (plain JSON data). */
  getState(): WindowSamplerState {
    return { rng: this.rng.getState(), batches: this.drawn };
  }

  /** Continue from a saved `getState()`: the following batches are those that followed it. */
  setState(state: WindowSamplerState): void {
    const fn = 'WindowSampler.setState';
    if (state === null || typeof state !== 'object' || !Number.isInteger(state.batches) || state.batches < 0)
      throw new ArgumentError(`${fn}: got ${describe(state)}; expected { rng, batches } from getState()`);
    this.rng.setState(state.rng, fn);
    this.drawn = state.batches;
  }
}

/**
 * Every window of `ids` once, in order, for evaluation: windows start at 0, context, 2·context, …,
 * so each token after the first is a target exactly once (the tail shorter than a full window is
 * left out: `Math.floor((ids.length - 1) / context)` windows in all), in batches of up to
 * `batchSize` windows (the last batch may be smaller). The mean loss over all of them is then over
 * the same targets as `BigramModel.loss(ids)` when nothing is left out.
 * @example for (const { inputs, targets } of sequentialWindows(split.validation, { batchSize: 32, context: 64 })) …
 */
export function* sequentialWindows(
  ids: ArrayLike<number>,
  options: { batchSize: number; context: number },
): Generator<WindowBatch> {
  const fn = 'sequentialWindows';
  const opts = checkOptions(fn, options, ['batchSize', 'context'], '{ batchSize: 32, context: 64 }');
  checkPositive(fn, opts, ['batchSize', 'context']);
  const batchSize = opts.batchSize as number;
  const c = opts.context as number;
  const all = toTokenIds(fn, ids);
  const windows = Math.floor((all.length - 1) / c);
  if (windows < 1)
    throw new ArgumentError(`${fn}: got ${all.length} tokens; expected at least context + 1 = ${c + 1} for one window`);
  for (let first = 0; first < windows; first += batchSize) {
    const n = Math.min(batchSize, windows - first);
    const start = first * c;
    yield {
      inputs: fromHostValues(all.slice(start, start + n * c), [n, c]),
      targets: fromHostValues(all.slice(start + 1, start + 1 + n * c), [n, c]),
    };
  }
}
