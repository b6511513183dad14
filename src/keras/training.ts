/**
 * Pieces of the training loop that are not the model's business: checking fit's options,
 * splitting off validation data, slicing batches, averaging per-batch values over samples.
 */
import { sliceAxis } from '../ops/movement.js';
import { Tensor } from '../tensor/tensor.js';
import type { AnyModule } from '../nn/module.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { Callback, Logs } from './history.js';
import type { ProgressStream } from './progress.js';
import { isDataSource, type DataSource } from './data-source.js';
import type { ClassWeight } from './weights.js';

export interface FitOptions {
  /** Passes over the training data (default 1). */
  epochs?: number;
  /** Samples per gradient step (default 32). */
  batchSize?: number;
  /** Hold out this fraction of the samples — the LAST ones, taken before shuffling, as Keras. */
  validationSplit?: number;
  /**
   * Data to report val_ metrics on after each epoch (instead of validationSplit): [xVal, yVal],
   * [xVal, yVal, sampleWeightVal], or any data fit takes (a DataLoader, an iterable of batches …).
   */
  validationData?: readonly [Tensor, Tensor] | readonly [Tensor, Tensor, Tensor] | DataSource;
  /** Batches per validation pass, for an endless validation generator (default: until it ends). */
  validationSteps?: number;
  /** Batches per epoch: needed for an endless generator; caps any other data (default: all). */
  stepsPerEpoch?: number;
  /**
   * A weight per class, multiplying each training sample's loss by its class's weight, e.g.
   * { 0: 1, 1: 5 } (classes left out weigh 1). Training loss only, as in Keras: not validation.
   */
  classWeight?: ClassWeight;
  /** A weight per training sample, float32 [N] (with x, y tensors; batches carry their own). */
  sampleWeight?: Tensor;
  /** Batch size for validation (default batchSize). */
  validationBatchSize?: number;
  /**
   * With tensors: a new sample order every epoch, from the global generator (manualSeed) (default
   * true). Other data comes in its own order (a DataLoader shuffles itself, with its own seed).
   */
  shuffle?: boolean;
  callbacks?: readonly Callback[];
  /** 0 silent, 1 progress bar (plain lines when not a terminal), 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Epoch to start counting from, to resume a run (default 0). */
  initialEpoch?: number;
  /** Where progress and callback messages go (default process.stdout, or the console). */
  stream?: ProgressStream;
}

export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  validationSplit: number;
  /** Tensors [x, y] or [x, y, sampleWeight], or a data source. */
  validationData: readonly Tensor[] | DataSource | null;
  validationBatchSize: number;
  validationSteps: number | null;
  stepsPerEpoch: number | null;
  classWeight: ClassWeight | null;
  sampleWeight: Tensor | null;
  shuffle: boolean;
  callbacks: Callback[];
  verbose: 0 | 1 | 2;
  initialEpoch: number;
  stream: ProgressStream | undefined;
}

const FIT_KEYS = [
  'epochs',
  'batchSize',
  'validationSplit',
  'validationData',
  'validationBatchSize',
  'validationSteps',
  'stepsPerEpoch',
  'classWeight',
  'sampleWeight',
  'shuffle',
  'callbacks',
  'verbose',
  'initialEpoch',
  'stream',
];

export function integerOption(fn: string, name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected an integer >= ${min}`);
  }
  return value;
}

export function resolveFitOptions(fn: string, options: FitOptions): ResolvedFitOptions {
  const o = checkOptions(fn, options, FIT_KEYS) as FitOptions;
  const epochs = integerOption(fn, 'epochs', o.epochs, 1, 0);
  const batchSize = integerOption(fn, 'batchSize', o.batchSize, 32, 1);
  const validationSplit = o.validationSplit ?? 0;
  if (typeof validationSplit !== 'number' || !(validationSplit >= 0 && validationSplit < 1)) {
    throw new ArgumentError(
      `${fn}: got validationSplit=${describe(o.validationSplit)}; expected a fraction in [0, 1), e.g. 0.1`,
    );
  }
  const validationData = o.validationData ?? null;
  if (validationData !== null) {
    if (validationSplit > 0)
      throw new ArgumentError(`${fn}: got both validationSplit and validationData; expected one of them`);
    if (isTensorTuple(validationData)) {
      checkXY(`${fn} (validationData)`, validationData[0], validationData[1]);
    } else if (
      !isDataSource(validationData) ||
      (Array.isArray(validationData) && validationData[0] instanceof Tensor) // tensors, but not 2 or 3
    ) {
      throw new ArgumentError(
        `${fn}: got validationData=${describe(validationData)}; expected a pair [xVal, yVal] (or [xVal, yVal, sampleWeightVal]) of Tensors, or a DataLoader / iterable of batches`,
      );
    }
  }
  const verbose = o.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2)
    throw new ArgumentError(
      `${fn}: got verbose=${describe(verbose)}; expected 0 (silent), 1 (progress bar) or 2 (one line per epoch)`,
    );
  const callbacks = o.callbacks ?? [];
  if (
    !Array.isArray(callbacks) ||
    callbacks.some((c) => c === null || typeof c !== 'object' || typeof c.onEpochEnd !== 'function')
  ) {
    throw new ArgumentError(
      `${fn}: got callbacks=${describe(callbacks)}; expected an array of Callback objects such as new EarlyStopping()`,
    );
  }
  const stream = o.stream;
  if (stream !== undefined && (stream === null || typeof stream.write !== 'function')) {
    throw new ArgumentError(
      `${fn}: got stream=${describe(stream)}; expected an object with write(text), such as process.stdout`,
    );
  }
  return {
    epochs,
    batchSize,
    validationSplit,
    validationData,
    validationBatchSize: integerOption(fn, 'validationBatchSize', o.validationBatchSize, batchSize, 1),
    validationSteps:
      o.validationSteps === undefined ? null : integerOption(fn, 'validationSteps', o.validationSteps, 1, 1),
    stepsPerEpoch: o.stepsPerEpoch === undefined ? null : integerOption(fn, 'stepsPerEpoch', o.stepsPerEpoch, 1, 1),
    classWeight: o.classWeight ?? null,
    sampleWeight: o.sampleWeight ?? null,
    shuffle: booleanOption(fn, 'shuffle', o.shuffle, true),
    callbacks: [...callbacks],
    verbose,
    initialEpoch: integerOption(fn, 'initialEpoch', o.initialEpoch, 0, 0),
    stream,
  };
}

export function booleanOption(fn: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected true or false`);
  return value;
}

/** [x, y] or [x, y, sampleWeight] of tensors — not an array of batches, whose items are arrays. */
export function isTensorTuple(v: unknown): v is readonly Tensor[] {
  return Array.isArray(v) && (v.length === 2 || v.length === 3) && v[0] instanceof Tensor;
}

/** Inputs and targets: tensors with at least one axis and the same number of samples. */
export function checkXY(fn: string, x: unknown, y: unknown): void {
  if (!(x instanceof Tensor))
    throw new ArgumentError(`${fn}: got x=${describe(x)}; expected a Tensor of samples (first axis = samples)`);
  if (!(y instanceof Tensor))
    throw new ArgumentError(`${fn}: got y=${describe(y)}; expected a Tensor of targets (first axis = samples)`);
  if (x.rank === 0 || y.rank === 0)
    throw new ShapeError(
      `${fn}: got x of shape ${describe(x.shape)} and y of shape ${describe(y.shape)}; expected a first (sample) axis on both`,
    );
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${fn}: x has ${x.shape[0]} samples (shape ${describe(x.shape)}) but y has ${y.shape[0]} (shape ${describe(y.shape)}); expected one target per sample`,
    );
  }
}

/** Rows [start, end) of `t`, copied by the backend (a batch is small beside a step's work). */
export function rowSlice(t: Tensor, start: number, end: number): Tensor {
  return sliceAxis(t.detach(), 0, start, end);
}

/**
 * Keras's validation split: the last `fraction` of the samples, before any shuffling, so the
 * held-out set is the same every epoch and every run.
 */
export function splitValidation(
  fn: string,
  tensors: readonly Tensor[],
  fraction: number,
): [train: Tensor[], val: Tensor[]] {
  const n = tensors[0].shape[0];
  const splitAt = Math.floor(n * (1 - fraction));
  if (splitAt === 0 || splitAt === n) {
    throw new ArgumentError(
      `${fn}: validationSplit=${fraction} of ${n} samples leaves ${splitAt} for training and ${n - splitAt} for validation; expected both to be non-empty`,
    );
  }
  return [tensors.map((t) => rowSlice(t, 0, splitAt)), tensors.map((t) => rowSlice(t, splitAt, n))];
}

/** Per-key means over samples, each batch weighted by its size (a short last batch counts less). */
export class RunningMeans {
  #sums = new Map<string, number>();
  #counts = new Map<string, number>();

  add(key: string, value: number, samples: number): void {
    this.#sums.set(key, (this.#sums.get(key) ?? 0) + value * samples);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + samples);
  }

  values(): Logs {
    const out: Logs = {};
    for (const [key, sum] of this.#sums) out[key] = sum / (this.#counts.get(key) as number);
    return out;
  }

  /** The sums and counts so far, as plain data (a checkpoint taken mid-epoch keeps them). */
  getState(): RunningMeansState {
    return { sums: Object.fromEntries(this.#sums), counts: Object.fromEntries(this.#counts) };
  }

  setState(state: RunningMeansState): void {
    this.#sums = new Map(Object.entries(state.sums));
    this.#counts = new Map(Object.entries(state.counts));
  }
}

export interface RunningMeansState {
  sums: Record<string, number>;
  counts: Record<string, number>;
}

/** Run `fn` with `module` (and all inside) in the given mode, then put every module's mode back. */
export function withMode<T>(module: AnyModule, training: boolean, fn: () => T): T {
  const modes = module.modules().map((m) => [m, m.training] as const);
  module.train(training);
  try {
    return fn();
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
}

/** Keras's layer names: Conv2D → conv2d, MaxPooling2D → max_pooling2d. */
export function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Let the event loop run at most every `intervalMs` (browser repaints, timers, I/O), so a long
 * fit does not freeze a page; cheap enough to call after every batch.
 */
export function eventLoopYielder(clock: () => number, intervalMs = 100): () => Promise<void> {
  let last = clock();
  return async () => {
    const now = clock();
    if (now - last < intervalMs || typeof setTimeout !== 'function') return;
    last = now;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  };
}

/** The Node-only file code: save.ts, which hands itself over here when it is loaded. */
export type NodeFiles = Pick<
  typeof import('./save.js') & typeof import('./checkpoint.js'),
  | 'saveModel'
  | 'saveWeights'
  | 'loadWeights'
  | 'readTextIfExists'
  | 'writeTextAtomic'
  | 'saveTrainingCheckpoint'
  | 'loadTrainingCheckpoint'
  | 'removeCheckpoint'
>;

let nodeFiles: NodeFiles | undefined;

/**
 * Called once by save.ts. Nothing here imports save.ts (not even dynamically), so a bundle of the
 * browser entry never reaches `node:fs`: the Node entry loads save.ts, and save.ts installs itself.
 */
export function installNodeFiles(files: NodeFiles): void {
  nodeFiles = files;
}

/** The file code for `fn`; in a browser, or where the Node entry was not loaded, a clear error. */
export async function loadNodeFiles(fn: string): Promise<NodeFiles> {
  if (nodeFiles) return nodeFiles;
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
    throw new ArgumentError(
      `${fn}: writing and reading files needs Node.js; in a browser use modelToArtifacts(model) / modelFromArtifacts(config, bytes)`,
    );
  }
  throw new ArgumentError(
    `${fn}: writing and reading files needs tessera's Node entry, which was not loaded; import from 'tessera' (not 'tessera/browser')`,
  );
}
