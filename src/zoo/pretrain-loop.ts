/**
 * What the two pre-training recipes (gpt-train.ts, bert-train.ts) share: the run's options and
 * schedule, the optimizer — AdamW with no decay on biases and norms, linear warm-up then cosine
 * decay — and the loop: gradients clipped at norm 1, every loss recorded, a validation every
 * `evalInterval` steps and a checkpoint every `checkpointInterval`, and both when the run stops
 * (at the schedule's end, at `stopAfter`, or at the `minutes` deadline). What differs between the
 * recipes — a step's batch and loss, the validation, what a checkpoint holds — comes in as functions.
 */
import type { Tensor } from '../tensor/tensor.js';
import { getRngState, setRngState } from '../tensor/random.js';
import type { Module } from '../nn/module.js';
import { backward } from '../autograd/backward.js';
import { AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { type HasNamedParameters, paramGroupsWithoutDecay } from '../optim/param-groups.js';
import { CosineWithWarmup } from '../optim/schedules.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import type { TextTokenizer } from '../data/text/tokenizer-file.js';
import { ArgumentError, describe } from '../util/errors.js';
import { writeTrainingCheckpoint } from './train-checkpoint.js';

/** What the loop needs of a model, whatever its call signature. */
export type TrainableModel = HasNamedParameters & {
  parameters(): ReturnType<Module['parameters']>;
  train(mode?: boolean): unknown;
};

/** Options of a pre-training run that both recipes take. */
export interface PretrainRunOptions {
  batchSize?: number;
  /**
   * Length of the schedule: the run ends at this step (with `minutes` and no `steps`, as many as
   * two timed trial steps say fit in the time).
   */
  steps?: number;
  /** Stop after this many minutes (with a checkpoint), even before `steps`. */
  minutes?: number;
  /** Stop after this step as if killed there (a checkpoint is written first); tests use it. */
  stopAfter?: number;
  lr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  minLrRatio?: number;
  evalInterval?: number;
  checkpointInterval?: number;
  /** The checkpoint folder (none written when undefined). */
  out?: string;
  /** A checkpoint folder to continue from. */
  resume?: string;
  seed?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** The schedule of a run: saved in trainer.json with the recipe's own settings, restored on resume. */
export interface ScheduleSettings {
  batchSize: number;
  steps: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  minLrRatio: number;
  evalInterval: number;
  checkpointInterval: number;
  seed: number;
}

/** A recipe's defaults where the two differ. */
export interface ScheduleDefaults {
  steps: number;
  /** Warm-up is a tenth of the schedule, at most this many steps. */
  warmupCap: number;
  weightDecay: number;
  evalInterval: number;
  checkpointInterval: number;
}

export function positive(fn: string, name: string, v: unknown, integer = true): void {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    throw new ArgumentError(`${fn}: got ${name}=${describe(v)}; expected a positive ${integer ? 'integer' : 'number'}`);
}

/** The schedule of a new run: the options, else the recipe's defaults. */
export function scheduleSettings(options: PretrainRunOptions, d: ScheduleDefaults): ScheduleSettings {
  const steps = options.steps ?? d.steps;
  return {
    batchSize: options.batchSize ?? 32,
    steps,
    lr: options.lr ?? 1e-3,
    warmupSteps: options.warmupSteps ?? Math.min(d.warmupCap, Math.floor(steps / 10)),
    weightDecay: options.weightDecay ?? d.weightDecay,
    minLrRatio: options.minLrRatio ?? 0.1,
    evalInterval: options.evalInterval ?? d.evalInterval,
    checkpointInterval: options.checkpointInterval ?? d.checkpointInterval,
    seed: options.seed ?? 0,
  };
}

/** The schedule's numbers checked: errors name the option. */
export function checkSchedule(fn: string, settings: ScheduleSettings): void {
  for (const key of ['batchSize', 'steps', 'evalInterval', 'checkpointInterval'] as const)
    positive(fn, key, settings[key]);
  positive(fn, 'lr', settings.lr, false);
}

/**
 * With `minutes` and no `steps` (a new run): the schedule's length from `secondsPerStep()`, so the
 * cosine decay ends with the time. Evaluations and checkpoints take some of it: training steps are
 * planned on 85 %.
 */
export function planMinutes(
  fn: string,
  options: PretrainRunOptions,
  settings: ScheduleSettings,
  warmupCap: number,
  secondsPerStep: () => number,
): void {
  if (options.minutes === undefined || options.steps !== undefined) return;
  positive(fn, 'minutes', options.minutes, false);
  const seconds = secondsPerStep();
  settings.steps = Math.max(1, Math.floor((options.minutes * 60 * 0.85) / seconds));
  if (options.warmupSteps === undefined) settings.warmupSteps = Math.min(warmupCap, Math.floor(settings.steps / 10));
  options.log?.(
    `${options.minutes} minute(s) at ${seconds.toFixed(3)} s per step: a schedule of ${settings.steps} steps`,
  );
}

/** AdamW (no decay on biases and norms) under linear warm-up then cosine decay. */
export function pretrainOptimizer(
  model: TrainableModel,
  settings: Pick<ScheduleSettings, 'lr' | 'weightDecay' | 'warmupSteps' | 'steps' | 'minLrRatio'>,
): { optimizer: AdamW; scheduler: CosineWithWarmup } {
  const optimizer = new AdamW(paramGroupsWithoutDecay(model), { lr: settings.lr, weightDecay: settings.weightDecay });
  const scheduler = new CosineWithWarmup(optimizer, {
    warmupSteps: Math.min(settings.warmupSteps, settings.steps),
    totalSteps: settings.steps,
    minLrRatio: settings.minLrRatio,
  });
  return { optimizer, scheduler };
}

/** Where a run stands: saved in every checkpoint, advanced by `runPretrainLoop`. */
export interface LoopState {
  step: number;
  /** Seconds spent in training steps (not in validations or checkpoints). */
  trainSeconds: number;
  losses: number[];
}

/** What every pre-training checkpoint's trainer.json holds for the loop (each recipe adds its own). */
export interface LoopCheckpoint extends LoopState {
  rng: number[];
  scheduler: ReturnType<CosineWithWarmup['stateDict']>;
}

export interface PretrainRun {
  optimizer: AdamW;
  scheduler: CosineWithWarmup;
  state: LoopState;
}

/**
 * The optimizer, scheduler and loop state of a new run, or of a resumed one as its checkpoint left
 * them, the global generator's state included (so the masks and dropout draws continue as they were).
 */
export function startRun(
  model: TrainableModel,
  settings: ScheduleSettings,
  resumed: { trainer: LoopCheckpoint; optimizer: OptimizerStateDict } | null,
): PretrainRun {
  const { optimizer, scheduler } = pretrainOptimizer(model, settings);
  if (!resumed) return { optimizer, scheduler, state: { step: 0, trainSeconds: 0, losses: [] } };
  const t = resumed.trainer;
  optimizer.loadStateDict(resumed.optimizer);
  scheduler.loadStateDict(t.scheduler);
  setRngState(t.rng);
  return { optimizer, scheduler, state: { step: t.step, trainSeconds: t.trainSeconds, losses: [...t.losses] } };
}

/** A checkpoint of the run: the model's files, the optimizer, and trainer.json with the loop's state and the recipe's `extra`. */
export function checkpointRun(
  out: string,
  files: { config: object; model: Parameters<typeof writeTrainingCheckpoint>[1]['model']; tokenizer: TextTokenizer },
  run: PretrainRun,
  extra: { settings: ScheduleSettings } & Record<string, unknown>,
  fn: string,
): void {
  const trainer = { ...run.state, rng: getRngState(), scheduler: run.scheduler.stateDict(), ...extra };
  writeTrainingCheckpoint(out, { ...files, optimizer: run.optimizer.stateDict() }, trainer, fn);
}

export interface PretrainLoop {
  model: TrainableModel;
  settings: ScheduleSettings;
  run: PretrainRun;
  /** The loss of step `step` (0-based), its batch drawn by the recipe. */
  stepLoss: (step: number) => Tensor;
  /** Validate, record and log (after step `state.step`). */
  validate: () => void;
  save: () => void;
  stopAfter?: number;
  /** performance.now() after which the run stops (Infinity: none). */
  deadline: number;
}

/** One update of the recipe: gradients of `loss`, clipped at norm 1, AdamW's step, the schedule's. */
export function optimizerStep(
  loss: Tensor,
  params: ReturnType<Module['parameters']>,
  o: { optimizer: AdamW; scheduler: CosineWithWarmup },
): void {
  o.optimizer.zeroGrad();
  backward(loss);
  clipGradNorm(params, 1);
  o.optimizer.step();
  o.scheduler.step();
}

/** Train until the schedule's end, `stopAfter` or the deadline; see the file's comment. */
export function runPretrainLoop(o: PretrainLoop): void {
  const { settings } = o;
  const { state } = o.run;
  const params = o.model.parameters();
  o.model.train();
  while (state.step < settings.steps) {
    const s0 = performance.now();
    const loss = o.stepLoss(state.step);
    optimizerStep(loss, params, o.run);
    state.losses.push(loss.item());
    state.step++;
    state.trainSeconds += (performance.now() - s0) / 1000;
    const stopping = state.step === settings.steps || state.step === o.stopAfter || performance.now() >= o.deadline;
    if (state.step % settings.evalInterval === 0 || stopping) o.validate();
    if (state.step % settings.checkpointInterval === 0 || stopping) o.save();
    if (stopping) break;
  }
}

/** Mean of the last (up to) 50 training losses. */
export function recentLoss(losses: readonly number[]): number {
  const recent = losses.slice(-50);
  return recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
}

/** Row tokens per second of training steps. */
export function tokensPerSecond(state: LoopState, settings: ScheduleSettings, context: number): number {
  return (state.step * settings.batchSize * context) / Math.max(state.trainSeconds, 1e-9);
}
