/**
 * Where a `fit` run stands, and its state as data so a checkpoint can continue it exactly
 * (browser-safe; the files are keras/checkpoint.ts). A checkpoint of a run holds:
 *
 *   weights and buffers (the state dict), the optimizer's state dict (moments, step counts, group
 *   options such as a scheduled lr), and `trainer`: the epoch and the batches of it already done,
 *   the optimizer steps, the global generator's state now and at the start of the epoch (the
 *   epoch's shuffle is drawn from it again on resume), the epoch's running means, the History,
 *   the states of callbacks that keep one, and the state of a data source that has one.
 *
 * Resuming is: the same weights, optimizer and generator, the same shuffle, the finished batches
 * skipped — so the run goes on with the same batches, the same dropout masks and the same
 * updates as one that was never interrupted, bit for bit on the same backend.
 */
import type { Tensor } from '../tensor/tensor.js';
import { getRngState, setRngState } from '../tensor/random.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import type { Callback, History } from './history.js';
import type { Model } from './model.js';
import { RunningMeans, type RunningMeansState } from './training.js';
import { classNameOf } from '../util/class-names.js';

export const TRAINER_FORMAT = 'tessera-fit-state';

/** The plain-data part of a run's checkpoint (trainer.json). */
export interface TrainerRecord {
  format: typeof TRAINER_FORMAT;
  /** The epoch in progress (0-based) and how many of its batches are done. */
  epoch: number;
  batch: number;
  /** Optimizer steps over the whole run. */
  step: number;
  /** The global generator when the epoch began (its shuffle is drawn from this state). */
  epochRng: number[];
  /** The global generator now. */
  rng: number[];
  means: RunningMeansState;
  history: { history: Record<string, number[]>; epoch: number[] };
  /** States of callbacks that keep one (getState), keyed `<index>:<class name>`. */
  callbacks: Record<string, unknown>;
  /** The data source's own position (a loader with getState/setState), when it has one. */
  data?: unknown;
}

/** Everything a checkpoint of a run holds. */
export interface TrainingState {
  weights: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
  trainer: TrainerRecord;
}

/** A data source that can say where it is and go back there (fit's DataLoader inputs). */
export interface DataSourceState {
  getState(): unknown;
  setState(state: unknown): void;
}

/** Where fit starts: an epoch, and how many of its batches to skip (already done before a resume). */
export interface StartPoint {
  epoch: number;
  batch: number;
}

function callbackKey(index: number, cb: Callback): string {
  return `${index}:${classNameOf(cb)}`;
}

/** The run state of one `fit` call: `model.fitRun` while it trains. */
export class FitRun {
  epoch = 0;
  /** Batches of the current epoch done. */
  batch = 0;
  step = 0;
  /** Set by `model.interrupt()`: fit leaves after the current batch, the epoch unfinished. */
  interrupted = false;
  means = new RunningMeans();
  /** A data source with its own state (set by fit for loader inputs), saved in checkpoints. */
  dataSource: DataSourceState | null = null;
  #epochRng: number[] = getRngState();
  #pending: TrainingState | null = null;
  #resumeRng: number[] | null = null;
  #skip = 0;
  /** Skip done batches by counting them (data without a position of its own, e.g. a generator). */
  #skipByIndex = true;

  /** `optimizer` is null until a model that builds lazily sees its first batch; fit sets it then. */
  constructor(
    readonly model: Model,
    public optimizer: Optimizer | null,
    readonly history: History,
    readonly callbacks: readonly Callback[],
  ) {}

  #requireOptimizer(what: string): Optimizer {
    if (this.optimizer === null)
      throw new ArgumentError(
        `fit: cannot ${what} before the model is built (it builds at its first batch); give the first layer an inputShape or call model.build first`,
      );
    return this.optimizer;
  }

  /** Continue from `state` (called by a callback such as BackupAndRestore in onTrainBegin). */
  resumeFrom(state: TrainingState): void {
    const t = state?.trainer;
    if (t?.format !== TRAINER_FORMAT || !Number.isInteger(t.epoch) || !Number.isInteger(t.batch))
      throw new FormatError(`fit: got a training state ${describe(t)}; expected the trainer record of a checkpoint`);
    this.#pending = state;
  }

  /** After onTrainBegin: apply a pending resume and say where to start. */
  start(initialEpoch: number): StartPoint {
    const state = this.#pending;
    this.#pending = null;
    if (state === null) return { epoch: initialEpoch, batch: 0 };
    const t = state.trainer;
    this.model.loadStateDict(state.weights, { strict: true });
    this.#requireOptimizer('resume from a checkpoint').loadStateDict(state.optimizer);
    this.history.history = structuredClone(t.history.history);
    this.history.epoch = [...t.history.epoch];
    this.callbacks.forEach((cb, i) => {
      const saved = t.callbacks[callbackKey(i, cb)];
      if (saved !== undefined) cb.setState(saved);
    });
    if (t.data !== undefined) {
      if (this.dataSource === null)
        throw new ArgumentError('fit: the checkpoint holds a data source position; expected the same kind of data');
      // The loader itself resumes at the batch after the last one done.
      this.dataSource.setState(t.data);
      this.#skipByIndex = false;
    }
    this.step = t.step;
    this.means.setState(t.means);
    // The epoch's shuffle is drawn from the generator as it was when the epoch began; the state
    // after the done batches (dropout draws, …) is put back once that shuffle has been drawn.
    setRngState(t.epochRng);
    this.#epochRng = [...t.epochRng];
    this.#resumeRng = t.batch > 0 ? t.rng : null;
    this.#skip = t.batch;
    return { epoch: t.epoch, batch: t.batch };
  }

  /** At the start of an epoch's batches; returns the index of the first batch the data will yield. */
  beginEpoch(epoch: number, resumed: boolean): number {
    this.epoch = epoch;
    if (resumed) {
      this.batch = this.#skip;
      return this.#skipByIndex ? 0 : this.#skip;
    }
    this.batch = 0;
    this.#skip = 0;
    this.means = new RunningMeans();
    this.#epochRng = getRngState();
    return 0;
  }

  /** Whether batch `index` was done before the resume (the loader has drawn the epoch's order by now). */
  skips(index: number): boolean {
    if (this.#skipByIndex && index < this.#skip) return true;
    this.#restoreRng();
    return false;
  }

  /** After the epoch's batches (all may have been skipped). */
  endBatches(): void {
    this.#restoreRng();
    this.#skip = 0;
    this.#skipByIndex = true;
  }

  #restoreRng(): void {
    if (this.#resumeRng === null) return;
    setRngState(this.#resumeRng);
    this.#resumeRng = null;
  }

  batchDone(index: number): void {
    this.batch = index + 1;
    this.step++;
  }

  /** The epoch is logged: a checkpoint from now on starts the next one. */
  epochDone(epoch: number): void {
    this.epoch = epoch + 1;
    this.batch = 0;
    this.means = new RunningMeans();
    this.#epochRng = getRngState();
  }

  /** The run's state now, for a checkpoint. */
  captureState(): TrainingState {
    const callbacks: Record<string, unknown> = {};
    this.callbacks.forEach((cb, i) => {
      const state = cb.getState();
      if (state !== undefined) callbacks[callbackKey(i, cb)] = state;
    });
    const trainer: TrainerRecord = {
      format: TRAINER_FORMAT,
      epoch: this.epoch,
      batch: this.batch,
      step: this.step,
      epochRng: [...this.#epochRng],
      rng: getRngState(),
      means: this.means.getState(),
      history: { history: structuredClone(this.history.history), epoch: [...this.history.epoch] },
      callbacks,
    };
    if (this.dataSource !== null) trainer.data = this.dataSource.getState();
    return { weights: this.model.stateDict(), optimizer: this.#requireOptimizer('checkpoint').stateDict(), trainer };
  }
}
