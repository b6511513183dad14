/**
 * The Keras callbacks: stop early, save checkpoints, schedule the learning rate, log to CSV.
 * Each is a `Callback` subclass (see history.ts); pass them as `fit(x, y, { callbacks: [...] })`.
 * The ones that write files use the Node-only save code that the Node entry installs (see
 * loadNodeFiles), so this file stays browser-safe.
 */
import { clone } from '../ops/movement.js';
import { LRScheduler } from '../optim/schedules.js';
import type { StateDict } from '../nn/module.js';
import { ArgumentError, describe } from '../util/errors.js';
import { Callback, type Logs } from './history.js';
import { ProgressBar, defaultStream, formatValue, type Clock } from './progress.js';
import type { Optimizer } from '../optim/optimizer.js';
import { booleanOption, loadNodeFiles } from './training.js';
import { checkOptions } from '../util/options.js';
import { nameClass } from '../util/class-names.js';

export type MonitorMode = 'auto' | 'min' | 'max';

/** 'auto' means max for accuracy-like quantities, min for losses and everything else (as Keras). */
function resolveMode(fn: string, monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode !== 'auto') throw new ArgumentError(`${fn}: got mode=${describe(mode)}; expected 'auto', 'min' or 'max'`);
  return /(^|_)(acc|accuracy|auc|precision|recall)$/.test(monitor) ? 'max' : 'min';
}

/** The monitored value, or an error naming what the logs do hold (usually: no validation data). */
function monitored(fn: string, monitor: string, logs: Logs): number {
  const value = logs[monitor];
  if (typeof value === 'number') return value;
  const hint = monitor.startsWith('val_') ? ' (val_ values need validationSplit or validationData in fit)' : '';
  throw new ArgumentError(
    `${fn}: monitor ${describe(monitor)} is not in the epoch logs; expected one of ${Object.keys(logs).join(', ')}${hint}`,
  );
}

function checkString(fn: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a non-empty string`);
  return value;
}

function checkNonNegative(fn: string, name: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ArgumentError(
      `${fn}: got ${name}=${describe(value)}; expected ${integer ? 'an integer' : 'a number'} >= 0`,
    );
  }
  return value;
}

function checkVerbose(fn: string, value: unknown): 0 | 1 {
  if (value !== 0 && value !== 1) throw new ArgumentError(`${fn}: got verbose=${describe(value)}; expected 0 or 1`);
  return value;
}

/** A deep copy of the weights: state-dict tensors share storage with the model, which keeps training. */
function snapshot(dict: StateDict): StateDict {
  const out: StateDict = {};
  for (const [k, t] of Object.entries(dict)) out[k] = clone(t.detach());
  return out;
}

// ------------------------------------------------------------------ TerminateOnNaN

/**
 * Stop training at the first batch whose loss is NaN or infinite (Keras's TerminateOnNaN): a
 * diverged run cannot recover, and every further step only overwrites the weights with NaN. It
 * prints why, and `history.stopReason` (and this callback's `reason`) records it.
 */
export class TerminateOnNaN extends Callback {
  /** Why training was stopped, or null while it was not. */
  reason: string | null = null;
  #epoch = 0;

  override onTrainBegin(): void {
    this.reason = null;
  }

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    const model = this.requireModel();
    this.reason = `the loss became ${loss} at epoch ${this.#epoch + 1}, batch ${batch + 1}: training diverged (try a lower learning rate, gradient clipping with compile({ clipNorm }), or detectAnomaly to find the op)`;
    this.print(`TerminateOnNaN: ${this.reason}; stopping`);
    model.stopTraining = true;
    if (model.history !== null) model.history.stopReason = `TerminateOnNaN: ${this.reason}`;
  }
}

// ------------------------------------------------------------------ EarlyStopping

export interface EarlyStoppingOptions {
  /** The quantity watched (default 'val_loss'). */
  monitor?: string;
  /** A change smaller than this is not an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0: stop at the first). */
  patience?: number;
  /** Whether lower or higher is better; 'auto' infers it from the name (default). */
  mode?: MonitorMode;
  /** Stop if the quantity does not beat this value. */
  baseline?: number;
  /** At the end of training, put back the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (default 0), e.g. for a warm-up. */
  startFromEpoch?: number;
  verbose?: 0 | 1;
}

/**
 * Stop training when the monitored quantity has stopped improving for `patience` epochs
 * (Keras's rules: an improvement must beat the best by more than `minDelta`; with
 * `restoreBestWeights` the best epoch's weights are restored when training ends).
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: 0 | 1;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch at which training was stopped (0 when it was not). */
  stoppedEpoch = 0;
  best = Infinity;
  bestEpoch = 0;
  #bestWeights: StateDict | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const fn = 'EarlyStopping';
    checkOptions(fn, options, [
      'monitor',
      'minDelta',
      'patience',
      'mode',
      'baseline',
      'restoreBestWeights',
      'startFromEpoch',
      'verbose',
    ]);
    this.monitor = checkString(fn, 'monitor', options.monitor ?? 'val_loss');
    this.minDelta = Math.abs(checkFiniteNumber(fn, 'minDelta', options.minDelta ?? 0));
    this.patience = checkNonNegative(fn, 'patience', options.patience ?? 0, true);
    this.mode = resolveMode(fn, this.monitor, options.mode ?? 'auto');
    this.baseline = options.baseline === undefined ? undefined : checkFiniteNumber(fn, 'baseline', options.baseline);
    this.restoreBestWeights = booleanOption(fn, 'restoreBestWeights', options.restoreBestWeights, false);
    this.startFromEpoch = checkNonNegative(fn, 'startFromEpoch', options.startFromEpoch ?? 0, true);
    this.verbose = checkVerbose(fn, options.verbose ?? 0);
  }

  #improves(value: number, reference: number): boolean {
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = 0;
    this.#bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (epoch < this.startFromEpoch) return;
    const model = this.requireModel();
    const current = monitored('EarlyStopping', this.monitor, logs);
    // Keep the first epoch's weights even if it is no improvement on the baseline.
    if (this.restoreBestWeights && this.#bestWeights === null) this.#bestWeights = snapshot(model.stateDict());
    this.wait += 1;
    if (this.#improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = snapshot(model.stateDict());
      // With a baseline, an improvement only counts once it also beats the baseline.
      if (this.baseline === undefined || this.#improves(current, this.baseline)) {
        this.wait = 0;
        return;
      }
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  /** The counters (not the best weights, which restoreBestWeights keeps in memory only). */
  override getState(): unknown {
    return { wait: this.wait, best: this.best, bestEpoch: this.bestEpoch, stoppedEpoch: this.stoppedEpoch };
  }

  override setState(state: unknown): void {
    const s = state as { wait: number; best: number | null; bestEpoch: number; stoppedEpoch: number };
    this.wait = s.wait;
    // JSON writes ±Infinity as null: nothing seen yet.
    this.best = s.best ?? (this.mode === 'min' ? Infinity : -Infinity);
    this.bestEpoch = s.bestEpoch;
    this.stoppedEpoch = s.stoppedEpoch;
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose) this.print(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.#bestWeights !== null) {
      if (this.verbose) this.print(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.requireModel().loadStateDict(this.#bestWeights);
    }
  }
}

function checkFiniteNumber(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ArgumentError(`${fn}: got ${name}=${describe(value)}; expected a finite number`);
  return value;
}

// ------------------------------------------------------------------ ModelCheckpoint

export interface ModelCheckpointOptions {
  /**
   * Where to save: a folder for `model.save`, a file for weights only. May hold `{epoch}`
   * (1-based, as Keras) and log values: 'ckpt/{epoch:02d}-{val_loss:.3f}'.
   */
  filepath: string;
  /** The quantity compared when `saveBestOnly` (default 'val_loss'). */
  monitor?: string;
  /** Save only when the monitored quantity improves on the best so far (default false). */
  saveBestOnly?: boolean;
  /** Save only the weights (`model.saveWeights(path)`) instead of the whole model (default false). */
  saveWeightsOnly?: boolean;
  mode?: MonitorMode;
  verbose?: 0 | 1;
}

/** Fill `{epoch}`, `{epoch:03d}`, `{val_loss:.4f}`, … from the epoch (1-based) and its logs. */
export function formatCheckpointPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_match, key: string, spec: string | undefined) => {
    const value = key === 'epoch' ? epoch + 1 : logs[key];
    if (typeof value !== 'number') {
      throw new ArgumentError(
        `ModelCheckpoint: the filepath uses {${key}}, which is not in the epoch logs; expected epoch or one of ${Object.keys(logs).join(', ')}`,
      );
    }
    if (spec === undefined || spec === '') return String(value);
    const int = /^0?(\d+)d$/.exec(spec);
    if (int) return String(Math.round(value)).padStart(Number(int[1]), '0');
    const fixed = /^\.(\d+)f$/.exec(spec);
    if (fixed) return value.toFixed(Number(fixed[1]));
    throw new ArgumentError(`ModelCheckpoint: unknown format {${key}:${spec}}; expected a spec like 02d or .4f`);
  });
}

/**
 * Save the model (or its weights) at the end of every epoch, or only when the monitored quantity
 * improves. Node-only: it writes files (atomically).
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly verbose: 0 | 1;
  best: number;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions) {
    super();
    const fn = 'ModelCheckpoint';
    checkOptions(
      fn,
      options,
      ['filepath', 'monitor', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'verbose'],
      "{ filepath: 'ckpt/{epoch}' }",
    );
    this.filepath = checkString(fn, 'filepath', options.filepath);
    this.monitor = checkString(fn, 'monitor', options.monitor ?? 'val_loss');
    this.saveBestOnly = booleanOption(fn, 'saveBestOnly', options.saveBestOnly, false);
    this.saveWeightsOnly = booleanOption(fn, 'saveWeightsOnly', options.saveWeightsOnly, false);
    this.mode = resolveMode(fn, this.monitor, options.mode ?? 'auto');
    this.verbose = checkVerbose(fn, options.verbose ?? 0);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  override getState(): unknown {
    return { best: this.best };
  }

  override setState(state: unknown): void {
    const best = (state as { best: number | null }).best;
    this.best = best ?? (this.mode === 'min' ? Infinity : -Infinity);
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const model = this.requireModel();
    const path = formatCheckpointPath(this.filepath, epoch, logs);
    if (this.saveBestOnly) {
      const current = monitored('ModelCheckpoint', this.monitor, logs);
      const better = this.mode === 'min' ? current < this.best : current > this.best;
      if (!better) {
        if (this.verbose)
          this.print(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${formatValue(this.best)}`);
        return;
      }
      if (this.verbose)
        this.print(
          `Epoch ${epoch + 1}: ${this.monitor} improved from ${formatValue(this.best)} to ${formatValue(current)}, saving to ${path}`,
        );
      this.best = current;
    } else if (this.verbose) {
      this.print(`Epoch ${epoch + 1}: saving to ${path}`);
    }
    if (this.saveWeightsOnly) await model.saveWeights(path);
    else await model.save(path);
    this.saved.push(path);
  }
}

// ------------------------------------------------------------------ LearningRateScheduler

/** Keras's schedule: the learning rate for `epoch` (0-based) given the current one. */
export type LrScheduleFn = (epoch: number, lr: number) => number;

/**
 * Set the optimizer's learning rate every epoch: from `schedule(epoch, lr)` at the start of each
 * epoch (Keras), or by stepping an optim `LRScheduler` at the end of each (PyTorch's per-epoch
 * use; it must drive this model's optimizer). The rate used is logged as `learning_rate`.
 */
export class LearningRateScheduler extends Callback {
  readonly schedule: LrScheduleFn | LRScheduler;
  readonly verbose: 0 | 1;

  constructor(schedule: LrScheduleFn | LRScheduler, options: { verbose?: 0 | 1 } = {}) {
    super();
    if (typeof schedule !== 'function' && !(schedule instanceof LRScheduler)) {
      throw new ArgumentError(
        `LearningRateScheduler: got ${describe(schedule)}; expected a function (epoch, lr) => lr or an LRScheduler such as new StepLR(optimizer, …)`,
      );
    }
    this.schedule = schedule;
    checkOptions('LearningRateScheduler', options, ['verbose']);
    this.verbose = checkVerbose('LearningRateScheduler', options.verbose ?? 0);
  }

  #optimizer(): Optimizer {
    const optimizer = this.requireModel().optimizer;
    if (optimizer === null)
      throw new ArgumentError(
        'LearningRateScheduler: the model has no optimizer yet; expected a compiled model inside fit',
      );
    return optimizer;
  }

  override onTrainBegin(): void {
    if (this.schedule instanceof LRScheduler && this.schedule.optimizer !== this.#optimizer()) {
      throw new ArgumentError(
        `LearningRateScheduler: the ${this.schedule.name} drives another optimizer than the model's; expected a schedule made on model.optimizer ` +
          '(compile with an optimizer instance, or use a function (epoch, lr) => lr)',
      );
    }
  }

  /** An LRScheduler's position (its epoch count and rates), so a resumed run keeps the schedule. */
  override getState(): unknown {
    return this.schedule instanceof LRScheduler ? this.schedule.stateDict() : undefined;
  }

  override setState(state: unknown): void {
    if (this.schedule instanceof LRScheduler)
      this.schedule.loadStateDict(state as ReturnType<LRScheduler['stateDict']>);
  }

  override onEpochBegin(epoch: number): void {
    if (this.schedule instanceof LRScheduler) return;
    const optimizer = this.#optimizer();
    const lr = this.schedule(epoch, optimizer.lr);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new ArgumentError(
        `LearningRateScheduler: the schedule returned ${describe(lr)} for epoch ${epoch}; expected a finite number >= 0`,
      );
    }
    optimizer.lr = lr;
    if (this.verbose) this.print(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const optimizer = this.#optimizer();
    logs.learning_rate = optimizer.lr;
    if (this.schedule instanceof LRScheduler) this.schedule.step();
  }
}

// ------------------------------------------------------------------ CSVLogger

/**
 * Write each epoch's logs as a CSV row (`epoch,accuracy,loss,…`, keys sorted as Keras does).
 * The file is rewritten atomically after every epoch, so it is always complete. Node-only.
 */
export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;
  #keys: string[] | null = null;
  #text = '';

  constructor(filename: string, options: { separator?: string; append?: boolean } = {}) {
    super();
    this.filename = checkString('CSVLogger', 'filename', filename);
    checkOptions('CSVLogger', options, ['separator', 'append']);
    this.separator = checkString('CSVLogger', 'separator', options.separator ?? ',');
    this.append = booleanOption('CSVLogger', 'append', options.append, false);
  }

  override async onTrainBegin(): Promise<void> {
    const files = await loadNodeFiles('CSVLogger');
    this.#keys = null;
    this.#text = this.append ? (files.readTextIfExists(this.filename) ?? '') : '';
    if (this.#text !== '' && !this.#text.endsWith('\n')) this.#text += '\n';
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    const files = await loadNodeFiles('CSVLogger');
    if (this.#keys === null) {
      this.#keys = Object.keys(logs).sort();
      // Appending to a file that has rows already: its header is there.
      if (this.#text === '') this.#text = `${['epoch', ...this.#keys].join(this.separator)}\n`;
    }
    const row = [String(epoch), ...this.#keys.map((k) => (k in logs ? String(logs[k]) : 'NA'))];
    this.#text += `${row.join(this.separator)}\n`;
    files.writeTextAtomic(this.filename, this.#text);
  }
}

// ------------------------------------------------------------------ ProgbarLogger

/**
 * Prints "Epoch 3/5" and the epoch's progress (see progress.ts); `fit` adds one when verbose > 0,
 * writing to its stream: verbose 1 draws a live bar on a terminal and plain lines elsewhere,
 * verbose 2 writes one line per epoch.
 */
export class ProgbarLogger extends Callback {
  #bar: ProgressBar | null = null;
  #steps = 0;
  readonly #clock: Clock | undefined;

  constructor(options: { clock?: Clock } = {}) {
    super();
    this.#clock = checkOptions('ProgbarLogger', options, ['clock']).clock as Clock | undefined;
  }

  override onEpochBegin(epoch: number): void {
    const params = this.params;
    if (params === null || params.verbose === 0) return;
    const stream = this.stream ?? defaultStream();
    stream.write(`Epoch ${epoch + 1}/${params.epochs}\n`);
    const mode = params.verbose === 2 ? 'summary' : stream.isTTY ? 'live' : 'lines';
    this.#bar = new ProgressBar({ target: params.steps, stream, mode, clock: this.#clock });
    this.#steps = 0;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    this.#steps = batch + 1;
    this.#bar?.update(batch + 1, logs);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    this.#bar?.finish(logs, this.#steps);
    this.#bar = null;
  }
}

// Names that survive minification (see util/class-names.ts).
for (const [cls, name] of [
  [TerminateOnNaN, 'TerminateOnNaN'],
  [EarlyStopping, 'EarlyStopping'],
  [ModelCheckpoint, 'ModelCheckpoint'],
  [LearningRateScheduler, 'LearningRateScheduler'],
  [CSVLogger, 'CSVLogger'],
  [ProgbarLogger, 'ProgbarLogger'],
] as const)
  nameClass(cls, name);
