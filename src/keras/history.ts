/**
 * Callbacks' base class and `History`, the callback every `fit` records into and returns.
 * Hooks may be async (return a Promise); `fit` awaits each one before going on.
 */
import type { Model } from './model.js';
import { defaultStream, type ProgressStream } from './progress.js';
import { classNameOf } from '../util/class-names.js';
import { nameClass } from '../util/class-names.js';

/** Numbers a hook sees: running means of loss and metrics, `val_*` at epoch end, and extras. */
export type Logs = Record<string, number>;

/** What a training run looks like, as `fit` tells its callbacks (and `history.params` keeps). */
export interface TrainingParams {
  epochs: number;
  /**
   * Batches per epoch; null for data of unknown length until its first epoch has ended (then fit
   * fills in the count it saw).
   */
  steps: number | null;
  /** Training samples (after any validation split); null when the data does not say ahead. */
  samples: number | null;
  batchSize: number;
  verbose: 0 | 1 | 2;
  initialEpoch: number;
}

/**
 * Base of every callback: override the hooks you need. `this.model` is the model being trained
 * (set before `onTrainBegin`), `this.params` the run's shape. Epochs and batches count from 0.
 */
export class Callback {
  model: Model | null = null;
  params: TrainingParams | null = null;
  /** Where a callback's messages go; `fit` sets its own stream here unless one was given. */
  stream: ProgressStream | null = null;

  setModel(model: Model): void {
    this.model = model;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}

  /**
   * What this callback must remember across a resumed run (plain JSON data), saved in training
   * checkpoints; undefined (the default) saves nothing. `setState` gets it back on resume, after
   * onTrainBegin.
   */
  getState(): unknown {
    return undefined;
  }

  setState(_state: unknown): void {}

  /** Write one line of this callback's output. */
  protected print(line: string): void {
    (this.stream ?? defaultStream()).write(`${line}\n`);
  }

  /** The model, or a clear error when a hook runs outside `fit`. */
  protected requireModel(): Model {
    if (this.model === null) {
      throw new Error(
        `${classNameOf(this)}: no model is set; callbacks run inside model.fit(x, y, { callbacks: [...] })`,
      );
    }
    return this.model;
  }
}

/**
 * The per-epoch record of a `fit` run: `history.history.loss[i]` is epoch i's mean training loss,
 * likewise every metric and `val_*` value; `history.epoch` lists the epoch indices.
 */
export class History extends Callback {
  history: Record<string, number[]> = {};
  epoch: number[] = [];
  /** Why training ended early, when a callback stopped it and said why (e.g. TerminateOnNaN); else null. */
  stopReason: string | null = null;

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      this.history[key] ??= [];
      this.history[key].push(value);
    }
  }
}

nameClass(Callback, 'Callback');
nameClass(History, 'History');
