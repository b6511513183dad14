/**
 * BackupAndRestore (Keras's callback): checkpoint the whole run into a folder while it trains;
 * a later `fit` with the same callback finds the checkpoint and continues exactly where the run
 * stopped — after a crash, a kill, or `model.interrupt()` (Ctrl-C) — with the same result as a run
 * that was never interrupted. Node-only: it writes files (see keras/checkpoint.ts).
 */
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import type { FitRun } from './fit-run.js';
import { Callback } from './history.js';
import { booleanOption, loadNodeFiles } from './training.js';
import { nameClass } from '../util/class-names.js';

export interface BackupAndRestoreOptions {
  /** 'epoch' (default): after every epoch; a number N: after every N optimizer steps as well. */
  saveFreq?: 'epoch' | number;
  /** Remove the checkpoint folder when training finishes (default true, as Keras); kept when interrupted. */
  deleteCheckpoint?: boolean;
  verbose?: 0 | 1;
}

export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number;
  readonly deleteCheckpoint: boolean;
  readonly verbose: 0 | 1;
  /** Where this fit resumed: { epoch, batch } of the checkpoint it found, or null when it started afresh. */
  resumedAt: { epoch: number; batch: number } | null = null;
  /** The generation folder of the last checkpoint written. */
  lastSaved: string | null = null;
  #epochDue = false;

  constructor(backupDir: string, options: BackupAndRestoreOptions = {}) {
    super();
    const fn = 'BackupAndRestore';
    if (typeof backupDir !== 'string' || backupDir === '')
      throw new ArgumentError(`${fn}: got backupDir=${describe(backupDir)}; expected the path of a folder`);
    checkOptions(fn, options, ['saveFreq', 'deleteCheckpoint', 'verbose']);
    const freq = options.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(typeof freq === 'number' && Number.isInteger(freq) && freq >= 1))
      throw new ArgumentError(`${fn}: got saveFreq=${describe(freq)}; expected 'epoch' or a number of steps >= 1`);
    this.backupDir = backupDir;
    this.saveFreq = freq;
    this.deleteCheckpoint = booleanOption(fn, 'deleteCheckpoint', options.deleteCheckpoint, true);
    const verbose = options.verbose ?? 0;
    if (verbose !== 0 && verbose !== 1)
      throw new ArgumentError(`${fn}: got verbose=${describe(verbose)}; expected 0 or 1`);
    this.verbose = verbose;
  }

  #run(): FitRun {
    const run = this.requireModel().fitRun;
    if (run === null)
      throw new ArgumentError('BackupAndRestore: no fit is running; expected to be used in fit callbacks');
    return run;
  }

  async #save(): Promise<void> {
    const files = await loadNodeFiles('BackupAndRestore');
    this.lastSaved = files.saveTrainingCheckpoint(this.requireModel(), this.backupDir, this.#run().captureState());
  }

  override async onTrainBegin(): Promise<void> {
    const files = await loadNodeFiles('BackupAndRestore');
    this.#epochDue = false;
    this.resumedAt = null;
    const state = files.loadTrainingCheckpoint(this.requireModel(), this.backupDir);
    if (state === null) return;
    this.#run().resumeFrom(state);
    this.resumedAt = { epoch: state.trainer.epoch, batch: state.trainer.batch };
    if (this.verbose)
      this.print(
        `BackupAndRestore: resuming from ${this.backupDir} at epoch ${state.trainer.epoch + 1}, batch ${state.trainer.batch} (step ${state.trainer.step})`,
      );
  }

  // An epoch's checkpoint is written when the next epoch begins: by then every callback
  // (History last) has logged the epoch.
  override async onEpochBegin(): Promise<void> {
    if (this.#epochDue) await this.#save();
    this.#epochDue = false;
  }

  override onEpochEnd(): void {
    this.#epochDue = true;
  }

  override async onBatchEnd(): Promise<void> {
    if (typeof this.saveFreq === 'number' && this.#run().step % this.saveFreq === 0) await this.#save();
  }

  override async onTrainEnd(): Promise<void> {
    const run = this.#run();
    if (run.interrupted) {
      await this.#save();
      if (this.verbose) this.print(`BackupAndRestore: interrupted; the run is saved in ${this.backupDir}`);
      return;
    }
    const files = await loadNodeFiles('BackupAndRestore');
    if (this.deleteCheckpoint) files.removeCheckpoint(this.backupDir);
    else if (this.#epochDue) await this.#save();
    this.#epochDue = false;
  }
}

nameClass(BackupAndRestore, 'BackupAndRestore');
