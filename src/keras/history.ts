/**
 * Callbacks' base class and `History`, the callback every `fit` records into and returns.
 * Hooks may be async (return a Promise); `fit` awaits each one before going on.
 */
import type { Model } from './model.js';
import { defaultStream, type ProgressStream } from './progress.js';
import { FormatError, describe } from '../util/errors.js';
import { classNameOf, nameClass } from '../util/class-names.js';

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

/** Facts about a run kept beside its History (and in a saved model's history.json): settings, timing. */
export type RunInfo = Record<string, string | number | boolean | null>;

/**
 * The per-epoch record of a `fit` run: `history.history.loss[i]` is epoch i's mean training loss,
 * likewise every metric and `val_*` value; `history.epoch` lists the epoch indices. `run` holds
 * when the run started (`date`) and how long it took (`seconds`); callers may add their settings.
 */
export class History extends Callback {
  history: Record<string, number[]> = {};
  epoch: number[] = [];
  /** Why training ended early, when a callback stopped it and said why (e.g. TerminateOnNaN); else null. */
  stopReason: string | null = null;
  run: RunInfo = {};
  #started = 0;

  override onTrainBegin(): void {
    this.run.date = new Date().toISOString();
    this.#started = performance.now();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      this.history[key] ??= [];
      this.history[key].push(value);
    }
  }

  override onTrainEnd(): void {
    this.run.seconds = (performance.now() - this.#started) / 1000;
  }

  /**
   * Plain JSON data: what a saved model keeps in history.json. Non-finite values (a diverged
   * loss) become null, which JSON can hold; `historyFromJson` turns them back into NaN.
   */
  toJSON(): HistoryJson {
    const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
    return {
      format: HISTORY_FORMAT,
      version: 1,
      epoch: [...this.epoch],
      history: Object.fromEntries(Object.entries(this.history).map(([k, vs]) => [k, vs.map(finite)])),
      params: this.params === null ? null : { ...this.params },
      stopReason: this.stopReason,
      run: { ...this.run },
    };
  }
}

export const HISTORY_FORMAT = 'tessera-history';

/** history.json: a History as data. */
export interface HistoryJson {
  format: typeof HISTORY_FORMAT;
  version: 1;
  epoch: number[];
  history: Record<string, (number | null)[]>;
  params: TrainingParams | null;
  stopReason: string | null;
  run: RunInfo;
}

/** A History back from `history.toJSON()` data; `source` names where it came from in errors. */
export function historyFromJson(json: unknown, source: string): History {
  const bad = (what: string): never => {
    throw new FormatError(`${source}: ${what}; expected the history.json that model.save writes after fit`);
  };
  if (json === null || typeof json !== 'object') return bad(`got ${describe(json)}`);
  const j = json as Partial<HistoryJson>;
  if (j.format !== HISTORY_FORMAT) bad(`got format ${describe(j.format)} (not ${HISTORY_FORMAT})`);
  if (j.version !== 1) bad(`got version ${describe(j.version)}; this tessera reads version 1`);
  const epoch = j.epoch;
  if (!Array.isArray(epoch) || !epoch.every((e) => Number.isInteger(e))) return bad('epoch is not a list of integers');
  const h = new History();
  h.epoch = [...epoch];
  if (j.history === null || typeof j.history !== 'object') return bad('history is not an object of lists');
  for (const [key, values] of Object.entries(j.history)) {
    if (
      !Array.isArray(values) ||
      values.length !== epoch.length ||
      !values.every((v) => v === null || typeof v === 'number')
    )
      bad(`history.${key} is not a list of ${epoch.length} numbers (one per epoch)`);
    h.history[key] = values.map((v) => (v === null ? Number.NaN : v));
  }
  h.params = j.params ?? null;
  h.stopReason = typeof j.stopReason === 'string' ? j.stopReason : null;
  h.run = j.run !== null && typeof j.run === 'object' ? { ...j.run } : {};
  return h;
}

nameClass(Callback, 'Callback');
nameClass(History, 'History');
