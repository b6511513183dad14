/**
 * Learning-rate schedules, PyTorch-like: a schedule sets every group's lr as a function of a step
 * counter and the group's initial lr. Construction applies step 0; the caller then calls `step()`
 * once per epoch or once per batch, as the schedule is meant to be read. Each rule is written in
 * closed form, so a schedule's lr at step t depends only on t (no drift from repeated
 * multiplication), which is what lets `SequentialLR` hand over from one schedule to the next and
 * lets a restored schedule continue exactly.
 */
import { ArgumentError, describe } from '../util/errors.js';
import type { Optimizer } from './optimizer.js';
import {
  nonNegative,
  positive,
  positiveInteger,
  resolveOptions,
  unitClosed,
  type Check,
  type OptionSpec,
} from './options.js';

/** The lr of one group at step `epoch`, given the group's initial lr. */
export type LrRule = (epoch: number, baseLr: number, group: number) => number;

export interface LRSchedulerState {
  lastEpoch: number;
  baseLrs: number[];
  lastLrs: number[];
  /** The inner schedules' states, for SequentialLR. */
  schedules?: LRSchedulerState[];
}

export class LRScheduler {
  readonly name: string;
  readonly optimizer: Optimizer;
  /** Each group's lr before any schedule touched it (PyTorch's initial_lr). */
  baseLrs: number[];
  /** How many times `step()` has been called. */
  lastEpoch = 0;
  private lastLrs: number[] = [];
  private readonly rule: LrRule;

  /** A schedule from any rule; the named schedules below are this with a fixed rule. */
  constructor(name: string, optimizer: Optimizer, rule: LrRule) {
    if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray(optimizer.paramGroups)) {
      throw new ArgumentError(
        `${name}: got ${describe(optimizer)} as the optimizer; expected an Optimizer such as new SGD(params)`,
      );
    }
    this.name = name;
    this.optimizer = optimizer;
    this.rule = rule;
    // The first schedule records the starting lr, so a second schedule on the same optimizer
    // (as inside SequentialLR) starts from it rather than from the first one's step-0 value.
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.apply();
  }

  /** The lr this schedule gives group `group` at step `epoch`, without changing anything. */
  lrAt(epoch: number, group = 0): number {
    return this.rule(epoch, this.baseLrs[group], group);
  }

  /** Advance one step (an epoch or a batch, as the caller decides) and set the groups' lr. */
  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  /** The lr of each group as last set by this schedule. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLrs: [...this.lastLrs] };
  }

  /** Restore a saved position; the optimizer's lr is set to the restored step's value. */
  loadStateDict(state: LRSchedulerState): void {
    const fn = `${this.name}.loadStateDict`;
    const groups = this.optimizer.paramGroups.length;
    if (state === null || typeof state !== 'object' || !Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
      throw new ArgumentError(
        `${fn}: got ${describe(state)}; expected { lastEpoch: an integer >= 0, baseLrs, lastLrs } from stateDict()`,
      );
    }
    if (
      !Array.isArray(state.baseLrs) ||
      state.baseLrs.length !== groups ||
      state.baseLrs.some((v) => nonNegative(v) !== null)
    ) {
      throw new ArgumentError(
        `${fn}: baseLrs got ${describe(state.baseLrs)}; expected ${groups} numbers >= 0, one per parameter group`,
      );
    }
    this.lastEpoch = state.lastEpoch;
    this.baseLrs = [...state.baseLrs];
    this.apply();
  }

  private apply(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length) {
      throw new ArgumentError(
        `${this.name}: the optimizer has ${groups.length} parameter groups; expected ${this.baseLrs.length}, as when the schedule was made`,
      );
    }
    this.lastLrs = groups.map((g, i) => {
      const lr = this.lrAt(this.lastEpoch, i);
      if (nonNegative(lr) !== null) {
        throw new ArgumentError(
          `${this.name}: step ${this.lastEpoch} gives group ${i} the learning rate ${describe(lr)}; expected a finite number >= 0`,
        );
      }
      g.lr = lr;
      return lr;
    });
  }
}

const STEP_SPEC: OptionSpec<{ stepSize: number; gamma: number }> = {
  defaults: { gamma: 0.1 },
  checks: { stepSize: positiveInteger, gamma: nonNegative },
};

/** lr = base · γ^⌊t / stepSize⌋: decay by γ every `stepSize` steps. */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    const { stepSize, gamma } = resolveOptions('StepLR', STEP_SPEC, STEP_SPEC.defaults, options);
    super('StepLR', optimizer, (t, base) => base * gamma ** Math.floor(t / stepSize));
  }
}

const EXP_SPEC: OptionSpec<{ gamma: number }> = { defaults: {}, checks: { gamma: nonNegative } };

/** lr = base · γ^t. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: { gamma: number }) {
    const { gamma } = resolveOptions('ExponentialLR', EXP_SPEC, {}, options);
    super('ExponentialLR', optimizer, (t, base) => base * gamma ** t);
  }
}

const COSINE_SPEC: OptionSpec<{ tMax: number; etaMin: number }> = {
  defaults: { etaMin: 0 },
  checks: { tMax: positiveInteger, etaMin: nonNegative },
};

/**
 * lr = ηmin + (base − ηmin)(1 + cos(πt / tMax)) / 2: half a cosine from base down to ηmin over
 * tMax steps. Past tMax it rises again (period 2·tMax), as PyTorch's does.
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    const { tMax, etaMin } = resolveOptions('CosineAnnealingLR', COSINE_SPEC, COSINE_SPEC.defaults, options);
    super(
      'CosineAnnealingLR',
      optimizer,
      (t, base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2,
    );
  }
}

export interface LinearWarmupOptions {
  /** Factor of the base lr at step 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor reached at `totalSteps` and kept after it, in [0, 1] (default 1). */
  endFactor?: number;
  /** Steps to go from startFactor to endFactor (default 5). */
  totalSteps?: number;
}

const startFactorCheck: Check = (v) => (positive(v) === null && (v as number) <= 1 ? null : 'a number in (0, 1]');
const WARMUP_SPEC: OptionSpec<Required<LinearWarmupOptions>> = {
  defaults: { startFactor: 1 / 3, endFactor: 1, totalSteps: 5 },
  checks: { startFactor: startFactorCheck, endFactor: unitClosed, totalSteps: positiveInteger },
};

/**
 * Linear warm-up (PyTorch's LinearLR): the factor goes linearly from startFactor to endFactor over
 * totalSteps, then stays. Hand over to a decay schedule with SequentialLR.
 * @example new SequentialLR(opt, [new LinearWarmup(opt, { startFactor: 0.1, totalSteps: 5 }),
 *                                 new CosineAnnealingLR(opt, { tMax: 95 })], [5]);
 */
export class LinearWarmup extends LRScheduler {
  constructor(optimizer: Optimizer, options: LinearWarmupOptions = {}) {
    const { startFactor, endFactor, totalSteps } = resolveOptions(
      'LinearWarmup',
      WARMUP_SPEC,
      WARMUP_SPEC.defaults,
      options,
    );
    super(
      'LinearWarmup',
      optimizer,
      (t, base) => base * (startFactor + ((endFactor - startFactor) * Math.min(t, totalSteps)) / totalSteps),
    );
  }
}

export interface CosineWithWarmupOptions {
  /** Steps of linear warm-up from 0 to the base lr (default 0: none). */
  warmupSteps?: number;
  /** The step at which the cosine reaches its floor; the lr stays there after it. */
  totalSteps: number;
  /** The floor as a fraction of each group's base lr, in [0, 1] (default 0). */
  minLrRatio?: number;
}

const warmupCheck: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'an integer >= 0');
const COSINE_WARMUP_SPEC: OptionSpec<Required<CosineWithWarmupOptions>> = {
  defaults: { warmupSteps: 0, minLrRatio: 0 },
  checks: { warmupSteps: warmupCheck, totalSteps: positiveInteger, minLrRatio: unitClosed },
  validate(o, owner) {
    if (o.warmupSteps > o.totalSteps)
      throw new ArgumentError(
        `${owner}: got warmupSteps=${o.warmupSteps} and totalSteps=${o.totalSteps}; expected warmupSteps <= totalSteps`,
      );
  },
};

/**
 * The transformer schedule (Hugging Face's get_cosine_schedule_with_warmup, run per batch), in
 * closed form: with w = warmupSteps, T = totalSteps, r = minLrRatio,
 *   t < w:       lr = base · t / w
 *   w ≤ t ≤ T:   lr = base · (r + (1 − r) · ½(1 + cos(π (t − w) / (T − w))))
 *   t > T:       lr = base · r
 * Hugging Face's rises again past T (its cosine keeps turning); this one holds the floor.
 * @example new CosineWithWarmup(opt, { warmupSteps: 100, totalSteps: 2000 }) // then step() every batch
 */
export class CosineWithWarmup extends LRScheduler {
  constructor(optimizer: Optimizer, options: CosineWithWarmupOptions) {
    const { warmupSteps, totalSteps, minLrRatio } = resolveOptions(
      'CosineWithWarmup',
      COSINE_WARMUP_SPEC,
      COSINE_WARMUP_SPEC.defaults,
      options,
    );
    super('CosineWithWarmup', optimizer, (t, base) => {
      if (t < warmupSteps) return (base * t) / warmupSteps;
      const progress = Math.min(t - warmupSteps, totalSteps - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
      return base * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    });
  }
}

/**
 * lr = base · fn(t), with one function for all groups or one per group. The functions are code,
 * so stateDict saves only the position; pass the same functions when restoring.
 * @example new LambdaLR(opt, (t) => 1 / (1 + 0.5 * t))
 */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: Optimizer, fn: ((epoch: number) => number) | readonly ((epoch: number) => number)[]) {
    const fns = typeof fn === 'function' ? null : fn;
    const groups = optimizer?.paramGroups?.length;
    if (
      fns === null
        ? typeof fn !== 'function'
        : !Array.isArray(fns) || fns.length !== groups || fns.some((f) => typeof f !== 'function')
    ) {
      throw new ArgumentError(
        `LambdaLR: got ${describe(fn)}; expected a function (epoch) => factor, or an array of ${groups} such functions (one per group)`,
      );
    }
    super(
      'LambdaLR',
      optimizer,
      (t, base, group) => base * (fns === null ? (fn as (e: number) => number) : fns[group])(t),
    );
  }
}

/**
 * Run `schedules` one after another: schedules[i] takes over at step milestones[i − 1], restarting
 * from its own step 0 (PyTorch's SequentialLR). All must drive the same optimizer.
 */
export class SequentialLR extends LRScheduler {
  private readonly schedules: readonly LRScheduler[];

  constructor(optimizer: Optimizer, schedules: readonly LRScheduler[], milestones: readonly number[]) {
    const fn = 'SequentialLR';
    if (!Array.isArray(schedules) || schedules.length === 0 || schedules.some((s) => !(s instanceof LRScheduler))) {
      throw new ArgumentError(
        `${fn}: got ${describe(schedules)} as schedules; expected a non-empty array of schedules`,
      );
    }
    const bad = schedules.findIndex((s) => s.optimizer !== optimizer);
    if (bad >= 0)
      throw new ArgumentError(
        `${fn}: schedule ${bad} (${schedules[bad].name}) drives another optimizer; expected all to drive the one given`,
      );
    const increasing =
      Array.isArray(milestones) &&
      milestones.every((m, i) => Number.isInteger(m) && m > (i === 0 ? 0 : milestones[i - 1]));
    if (!increasing || milestones.length !== schedules.length - 1) {
      throw new ArgumentError(
        `${fn}: milestones got ${describe(milestones)}; expected ${schedules.length - 1} increasing integers > 0 (one fewer than the schedules)`,
      );
    }
    const ms = [...milestones];
    super(fn, optimizer, (t, _base, group) => {
      let k = 0;
      while (k < ms.length && t >= ms[k]) k++;
      return schedules[k].lrAt(t - (k === 0 ? 0 : ms[k - 1]), group);
    });
    this.schedules = [...schedules];
  }

  override stateDict(): LRSchedulerState {
    return { ...super.stateDict(), schedules: this.schedules.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: LRSchedulerState): void {
    const inner = state?.schedules;
    if (!Array.isArray(inner) || inner.length !== this.schedules.length) {
      throw new ArgumentError(
        `SequentialLR.loadStateDict: schedules got ${describe(inner)}; expected the ${this.schedules.length} inner states from stateDict()`,
      );
    }
    // Inner schedules first: the outer rule reads their base lrs, and its lr is applied last.
    this.schedules.forEach((s, i) => s.loadStateDict(inner[i]));
    super.loadStateDict(state);
  }
}
