/**
 * Model: a Module that can be trained the Keras way. There is one layer system: a Model is an nn
 * `Module` (parameters(), stateDict(), call(), train()/eval()), and this class only adds the
 * training machinery — compile, fit, evaluate, predict, summary, save. `Sequential` is a Model
 * holding a list of layers; any network written as a module trains the same way:
 *
 * ```ts
 * class MyNet extends Model {
 *   hidden = new Dense({ units: 64, activation: 'relu' });
 *   out = new Dense({ units: 10, activation: 'softmax' });
 *   forward(x: Tensor): Tensor { return this.out.call(this.hidden.call(x)); }
 * }
 * const net = new MyNet();                 // or Model.wrap(someModule)
 * net.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
 * const history = await net.fit(x, y, { epochs: 5 });
 * ```
 *
 * `fit` is async (it awaits callbacks, which may write files, and lets the event loop breathe so
 * a page stays responsive); `evaluate` and `predict` are synchronous.
 */
import { concat } from '../ops/movement.js';
import { sameShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/mode.js';
import { backward } from '../autograd/backward.js';
import { Module, type AnyModule } from '../nn/module.js';
import type { Parameter } from '../nn/parameter.js';
import { layerToConfig, layerFromConfig, registerLayer, type LayerConfig } from '../nn/registry.js';
import { Optimizer } from '../optim/optimizer.js';
import { Loss, type LossFn } from '../nn/losses.js';
import type { DataLoader } from '../data/loader.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { endsInActivation, getActivation, type EndsInActivation } from '../nn/activations.js';
import { optimizerToConfig } from '../optim/registry.js';
import type { NamedConfig } from '../util/registry.js';
import {
  clipGradients,
  resolveClipping,
  resolveLoss,
  resolveMetrics,
  resolveOptimizer,
  type LossArg,
  type MetricArg,
  type OptimizerArg,
  type ResolvedLoss,
  type ResolvedMetric,
  type ResolvedOptimizer,
  type GradientClipping,
} from './compile.js';
import { History, type Callback, type Logs, type TrainingParams } from './history.js';
import { ProgbarLogger } from './callbacks.js';
import { defaultClock, defaultStream, type ProgressStream } from './progress.js';
import { summarize, type SummaryRow } from './summary.js';
import { FitRun } from './fit-run.js';
import {
  RunningMeans,
  checkXY,
  eventLoopYielder,
  integerOption,
  loadNodeFiles,
  resolveFitOptions,
  rowSlice,
  snakeCase,
  withMode,
  type FitOptions,
} from './training.js';
import { Batches, isDataSource, type DataSource } from './data-source.js';
import { batchWeights, fitData } from './fit-data.js';
import { checkSampleWeight, classWeightTable, weightedLoss } from './weights.js';
import { classNameOf, nameOfClass } from '../util/class-names.js';

export interface CompileOptions {
  /**
   * A registered name ('adam', 'sgd', 'rmsprop', 'adamw', 'gd', or a class name such as 'Adam'),
   * `{ className, config }`, an Optimizer, or (params) => Optimizer (default 'rmsprop', as Keras).
   */
  optimizer?: OptimizerArg;
  /**
   * A registered loss name ('sparse_categorical_crossentropy', 'mse', …), a `Loss`, or a function
   * (yPred, yTrue) => scalar Tensor.
   */
  loss: LossArg;
  /** Reported during fit and by evaluate: registered names ('accuracy', 'mae', …) or functions. */
  metrics?: readonly MetricArg[];
  /** Clip each parameter's gradient to this L2 norm before every step (Keras's `clipnorm`). */
  clipNorm?: number;
  /** Clip all gradients together to this global L2 norm (Keras's `global_clipnorm`, PyTorch's clip_grad_norm_). */
  globalClipNorm?: number;
  /** Clamp every gradient component into [−clipValue, clipValue] before every step (Keras's `clipvalue`). */
  clipValue?: number;
}

/**
 * The serialisable part of a compile call, saved with the model so loadModel can recompile it:
 * things named as their registries name them (a name, or `{ className, config }`); a custom
 * function cannot be saved and is recorded as null (a metric: left out).
 */
export interface CompileConfig {
  optimizer: string | NamedConfig | null;
  loss: string | NamedConfig | null;
  metrics: string[];
  /** Present only when set (configs saved before these existed load unchanged). */
  clipNorm?: number;
  globalClipNorm?: number;
  clipValue?: number;
}

export interface BatchOptions {
  /** Samples per forward pass (default 32). */
  batchSize?: number;
}

export interface EvaluateOptions extends BatchOptions {
  /** A weight per sample of y, float32 [N] (tensors only; batches carry their own). */
  sampleWeight?: Tensor;
  /** Batches to evaluate from an endless generator (default: until the data ends). */
  steps?: number;
}

export interface PredictOptions extends BatchOptions {
  /** Batches to predict from an endless generator (default: until the data ends). */
  steps?: number;
}

export interface SummaryOptions {
  /** Write the table to the stream (default true, as Keras prints it); it is returned either way. */
  print?: boolean;
  stream?: ProgressStream;
}

interface Compiled {
  loss: ResolvedLoss;
  metrics: ResolvedMetric[];
  optimizer: ResolvedOptimizer;
  clip: GradientClipping;
}

/** One batch through the model: the predictions (for the metrics) and the loss, weighted per sample when given weights. */
type LossStep = (x: Tensor, y: Tensor, weights: Tensor | null) => { yPred: Tensor; loss: Tensor };

export abstract class Model extends Module implements EndsInActivation {
  /** Shown by summary() and saved in the config. */
  name: string;
  /** Set to true (e.g. by a callback) to end `fit` after the current batch. */
  stopTraining = false;
  /** The History of the last `fit`. */
  history: History | null = null;
  /**
   * While `fit` runs, the DataLoader it draws training batches from (its own over tensors, or the
   * one it was given), whose getState() is the data order's position for a checkpoint; else null.
   * A callback may setState() it in onTrainBegin to resume mid-epoch: no pass has begun by then.
   */
  trainLoader: DataLoader | null = null;
  #compiled: Compiled | null = null;
  #optimizer: Optimizer | null = null;
  #run: FitRun | null = null;

  constructor(options: { name?: string } = {}) {
    super();
    checkOptions(nameOfClass(new.target), options, ['name']);
    const name = options.name ?? snakeCase(nameOfClass(new.target));
    if (typeof name !== 'string' || name === '')
      throw new ArgumentError(
        `${nameOfClass(new.target)}: got name=${describe(options.name)}; expected a non-empty string`,
      );
    this.name = name;
  }

  /** The optimizer in use: made at the first `fit` when compile got a name or a factory. */
  get optimizer(): Optimizer | null {
    const source = this.#compiled?.optimizer.source;
    return this.#optimizer ?? (source instanceof Optimizer ? source : null);
  }

  /** The state of the `fit` in progress (its position, for checkpoints); null outside fit. */
  get fitRun(): FitRun | null {
    return this.#run;
  }

  /**
   * End the `fit` in progress after the current batch, leaving the epoch unfinished (it is not
   * logged), e.g. on Ctrl-C. Unlike `stopTraining`, nothing more of the epoch runs; a
   * BackupAndRestore callback saves the position, and a later fit with it continues exactly there.
   */
  interrupt(): void {
    if (this.#run !== null) this.#run.interrupted = true;
  }

  get isCompiled(): boolean {
    return this.#compiled !== null;
  }

  /** The compile settings as plain data (null before compile); functions are recorded as null. */
  get compileConfig(): CompileConfig | null {
    if (this.#compiled === null) return null;
    const { optimizer, loss, metrics, clip } = this.#compiled;
    return {
      // An optimizer made from a factory can still be described once it exists.
      optimizer: optimizer.config ?? (this.optimizer ? optimizerToConfig(this.optimizer) : null),
      loss: loss.config,
      metrics: metrics.flatMap((m) => (m.config === null ? [] : [m.config])),
      ...clip,
    };
  }

  /**
   * The activation the model declares it ends with, or null: a Model with its own forward declares
   * none (override this and `callBeforeActivation` to declare one); Sequential declares its last
   * layer's. It decides how fit and evaluate compute a cross-entropy (see #lossStep).
   */
  get finalActivation(): string | null {
    return null;
  }

  /** The model's output before its declared final activation: the logits of a softmax or sigmoid. */
  callBeforeActivation(_x: Tensor): Tensor {
    throw new ArgumentError(
      `${classNameOf(this)}.callBeforeActivation: the model declares no final activation (finalActivation is null)`,
    );
  }

  // ------------------------------------------------------------------ compile

  /** Choose the optimizer, loss and metrics. Compiling again starts a fresh optimizer. */
  compile(options: CompileOptions): void {
    const fn = `${classNameOf(this)}.compile`;
    const o = checkOptions(fn, options, [
      'optimizer',
      'loss',
      'metrics',
      'clipNorm',
      'globalClipNorm',
      'clipValue',
    ]) as unknown as CompileOptions;
    if (o.loss === undefined) {
      throw new ArgumentError(
        `${fn}: got no loss; expected e.g. { loss: 'sparse_categorical_crossentropy' } or a function (yPred, yTrue) => Tensor`,
      );
    }
    const optimizer = resolveOptimizer(fn, o.optimizer ?? 'rmsprop');
    const loss = resolveLoss(fn, o.loss);
    const metrics = resolveMetrics(fn, o.metrics, loss, () => this.finalActivation);
    this.#lossStep(fn, loss); // a declaration the loss contradicts is refused now, not at fit
    const clip = resolveClipping(fn, o);
    this.#compiled = { loss, metrics, optimizer, clip };
    this.#optimizer = null;
  }

  #requireCompiled(fn: string): Compiled {
    if (this.#compiled === null) {
      throw new ArgumentError(
        `${fn}: the model is not compiled; call model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] }) first`,
      );
    }
    return this.#compiled;
  }

  /** The optimizer, made now if compile got a name or a factory (the parameters exist by now). */
  #ensureOptimizer(fn: string, compiled: Compiled): Optimizer {
    if (this.#optimizer !== null) return this.#optimizer;
    const params = this.parameters();
    const source = compiled.optimizer.source;
    const optimizer = source instanceof Optimizer ? source : source(params);
    if (!(optimizer instanceof Optimizer))
      throw new ArgumentError(`${fn}: the optimizer factory returned ${describe(optimizer)}; expected an Optimizer`);
    const held = new Set<unknown>(optimizer.paramGroups.flatMap((g) => g.params));
    const missing = this.namedParameters()
      .filter(([, p]) => p.requiresGrad && !held.has(p))
      .map(([name]) => name);
    if (missing.length > 0) {
      throw new ArgumentError(
        `${fn}: the optimizer does not hold the model's parameters ${describe(missing.slice(0, 5))}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}; ` +
          "expected one made on model.parameters() after the model is built, or compile with a name ('adam') or a factory (p) => new Adam(p) so it is made when the layers exist",
      );
    }
    this.#optimizer = optimizer;
    return optimizer;
  }

  /**
   * How fit and evaluate compute a batch's loss — the one function both use, so they agree —
   * chosen from declarations, never by inspecting the graph: when the loss can take the logits of
   * an activation (softmax for the categorical cross-entropies, sigmoid for the binary one) and
   * the model declares that it ends with that activation, the model runs up to it and the loss is
   * computed from the logits in its stable form (log-softmax, or the logits form of binary
   * cross-entropy): exact even for a confidently wrong prediction, where the probability would
   * underflow and clamping would cap the loss and zero its gradient. The predictions the metrics
   * see are that activation of those logits: the model's output. Otherwise the loss gets the
   * model's output as it declared it (probabilities, clamped as in Keras; or logits with
   * { fromLogits: true }).
   */
  #lossStep(fn: string, declared: ResolvedLoss): LossStep {
    const loss = declared.loss;
    const final = this.finalActivation;
    if (loss !== null && loss.logitsOf !== null && final === loss.logitsOf) {
      if (loss.fromLogits) {
        throw new ArgumentError(
          `${fn}: the loss '${loss.name}' is told that the predictions are logits ({ fromLogits: true }), but the model ends with ${final}, so they are probabilities; ` +
            `drop fromLogits (fit then computes the loss from the logits before the ${final} itself), or give the last layer no activation`,
        );
      }
      const onLogits = loss.onLogits();
      const onLogitsPerSample = perSampleOf(onLogits);
      const activation = getActivation(final);
      return (x, y, weights) => {
        const logits = this.callBeforeActivation(x);
        const value =
          weights === null
            ? scalarLoss(fn, loss.name, onLogits.call(logits, y))
            : weightedLoss(fn, loss.name, onLogitsPerSample(logits, y), weights, loss.options.reduction);
        return { yPred: activation(logits), loss: value };
      };
    }
    // Weighted, a registered loss gives its per-sample values (reduction 'none'); a custom one must return them.
    const unreduced = loss === null ? declared.call : perSampleOf(loss);
    return (x, y, weights) => {
      const yPred = this.call(x);
      const value =
        weights === null
          ? scalarLoss(fn, declared.name, declared.call(yPred, y))
          : weightedLoss(fn, declared.name, unreduced(yPred, y), weights, loss?.options.reduction);
      return { yPred, loss: value };
    };
  }

  /** Build lazy layers by running one real sample through the model (eval mode, nothing recorded). */
  #buildFrom(x: Tensor): void {
    if (this.isBuilt()) return;
    withMode(this, false, () => noGrad(() => this.call(rowSlice(x, 0, 1))));
  }

  // ------------------------------------------------------------------ fit

  /**
   * Train for `epochs` passes over the data: tensors (x, y), or a DataLoader, an (async) iterable or
   * generator of batches (see data-source.ts). Each batch: zeroGrad, forward, loss (weighted by
   * sampleWeight / classWeight when given), backward, one optimizer step; the logged loss and
   * metrics are running means over the epoch's samples. After each epoch the validation data (if
   * any) is evaluated in eval mode without a graph.
   */
  async fit(x: Tensor, y: Tensor, options?: FitOptions): Promise<History>;
  async fit(data: DataSource, options?: FitOptions): Promise<History>;
  async fit(first: Tensor | DataSource, second?: Tensor | FitOptions, third?: FitOptions): Promise<History> {
    const fn = `${classNameOf(this)}.fit`;
    const compiled = this.#requireCompiled(fn);
    const tensors = first instanceof Tensor;
    const o = resolveFitOptions(fn, ((tensors ? third : second) as FitOptions | undefined) ?? {});
    const { train, validation, samples } = fitData(fn, first, tensors ? second : null, o);
    const classTable = o.classWeight === null ? null : classWeightTable(fn, o.classWeight);
    const step = this.#lossStep(fn, compiled.loss);
    // Tensors build the model now; other data at its first batch (unless it is built already).
    // Before onTrainBegin, so that callbacks see the optimizer whenever the model can make it.
    if (tensors) this.#buildFrom(first);
    let optimizer = this.isBuilt() ? this.#ensureOptimizer(fn, compiled) : null;

    const history = new History();
    const callbacks: Callback[] = [...o.callbacks, history];
    // As Keras: a progress logger is added unless the user passed one (with its own clock, say).
    if (o.verbose > 0 && !callbacks.some((cb) => cb instanceof ProgbarLogger)) callbacks.push(new ProgbarLogger());
    const params: TrainingParams = {
      epochs: o.epochs,
      steps: train.steps,
      samples,
      batchSize: o.batchSize,
      verbose: o.verbose,
      initialEpoch: o.initialEpoch,
    };
    const stream = o.stream ?? defaultStream();
    for (const cb of callbacks) {
      cb.setModel(this);
      cb.setParams(params);
      cb.stream ??= stream;
    }
    const each = async (hook: (cb: Callback) => void | Promise<void>): Promise<void> => {
      for (const cb of callbacks) await hook(cb);
    };
    const breathe = eventLoopYielder(defaultClock);

    this.stopTraining = false;
    this.history = history;
    this.trainLoader = train.loader;
    const run = new FitRun(this, optimizer, history, callbacks);
    // A DataLoader the caller gave keeps its own position (epoch, batches handed out, shuffle stream)
    // in checkpoints. Over tensors, fit's own loader draws each epoch's shuffle from the global
    // generator, which the checkpoint restores: the done batches are then counted off.
    run.dataSource = tensors ? null : train.loader;
    this.#run = run;
    const modes = this.modules().map((m) => [m, m.training] as const);
    try {
      await each((cb) => cb.onTrainBegin({}));
      // A callback (BackupAndRestore) may have handed over a checkpoint to continue from.
      const start = run.start(o.initialEpoch);
      let logs: Logs = {};
      for (let epoch = start.epoch; epoch < o.epochs && !this.stopTraining; epoch++) {
        this.train();
        await each((cb) => cb.onEpochBegin(epoch, {}));
        let batch = run.beginEpoch(epoch, epoch === start.epoch && start.batch > 0);
        for await (const b of train.epoch(epoch, batch)) {
          if (run.skips(batch)) {
            batch++;
            continue;
          }
          if (optimizer === null) {
            this.#buildFrom(b.x);
            optimizer = this.#ensureOptimizer(fn, compiled);
            run.optimizer = optimizer;
          }
          await each((cb) => cb.onBatchBegin(batch, {}));
          const weights = batchWeights(fn, b, classTable);
          this.#trainStep(step, compiled, optimizer, b.x, b.y as Tensor, weights, run.means);
          run.batchDone(batch);
          const batchLogs = run.means.values();
          await each((cb) => cb.onBatchEnd(batch, batchLogs));
          batch++;
          if (this.stopTraining || run.interrupted) break;
          await breathe();
        }
        run.endBatches();
        if (run.interrupted) break;
        // Data of unknown length: the first epoch tells the progress bar what to expect of the next.
        params.steps ??= batch;
        logs = run.means.values();
        if (validation !== null) {
          const val = await this.#evaluateBatches(step, compiled, validation, epoch);
          for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
        }
        await each((cb) => cb.onEpochEnd(epoch, logs));
        run.epochDone(epoch);
      }
      await each((cb) => cb.onTrainEnd(logs));
    } finally {
      this.trainLoader = null;
      this.#run = null;
      for (const [m, training] of modes) m.training = training;
    }
    return history;
  }

  #trainStep(
    step: LossStep,
    compiled: Compiled,
    optimizer: Optimizer,
    xb: Tensor,
    yb: Tensor,
    weights: Tensor | null,
    means: RunningMeans,
  ): void {
    this.zeroGrad();
    const { yPred, loss } = step(xb, yb, weights);
    // The function, not loss.backward(): that method is attached by the autograd entry, which
    // keras's own entry does not load (test/floor-entries.test.ts).
    backward(loss);
    clipGradients(this.parameters(), compiled.clip);
    optimizer.step();
    const n = xb.shape[0];
    means.add('loss', loss.item(), n);
    for (const m of compiled.metrics) means.add(m.name, m.fn(yPred, yb), n);
  }

  // ------------------------------------------------------------------ evaluate and predict

  /**
   * Loss and metrics, in eval mode and without recording a graph: `{ loss, accuracy, … }`. Over
   * tensors it answers at once; over a DataLoader or iterable of batches, with a Promise.
   */
  evaluate(x: Tensor, y: Tensor, options?: EvaluateOptions): Logs;
  evaluate(data: DataSource, options?: EvaluateOptions): Promise<Logs>;
  evaluate(
    first: Tensor | DataSource,
    second?: Tensor | EvaluateOptions,
    third?: EvaluateOptions,
  ): Logs | Promise<Logs> {
    const fn = `${classNameOf(this)}.evaluate`;
    const compiled = this.#requireCompiled(fn);
    const tensors = first instanceof Tensor;
    const o = checkOptions(fn, tensors ? third : second, ['batchSize', 'sampleWeight', 'steps']) as EvaluateOptions;
    const batchSize = integerOption(fn, 'batchSize', o.batchSize, 32, 1);
    const step = this.#lossStep(fn, compiled.loss);
    if (!tensors) {
      if (o.sampleWeight !== undefined)
        throw new ArgumentError(
          `${fn}: got sampleWeight with batches; expected each batch to carry its own ([x, y, sampleWeight])`,
        );
      const steps = o.steps === undefined ? null : integerOption(fn, 'steps', o.steps, 1, 1);
      return this.#evaluateBatches(step, compiled, new Batches(fn, first, steps, 'required'), 0);
    }
    const y = second as Tensor;
    checkXY(fn, first, y);
    const weight = o.sampleWeight === undefined ? null : checkSampleWeight(fn, o.sampleWeight, first.shape[0]);
    this.#buildFrom(first);
    return this.#evaluate(fn, step, compiled, first, y, weight, batchSize);
  }

  #evaluate(
    fn: string,
    step: LossStep,
    compiled: Compiled,
    x: Tensor,
    y: Tensor,
    weight: Tensor | null,
    batchSize: number,
  ): Logs {
    const means = new RunningMeans();
    const n = x.shape[0];
    if (n === 0) throw new ArgumentError(`${fn}: got 0 samples; expected at least one`);
    withMode(this, false, () =>
      noGrad(() => {
        for (let start = 0; start < n; start += batchSize) {
          const end = Math.min(n, start + batchSize);
          const wb = weight && rowSlice(weight, start, end);
          this.#evalStep(step, compiled, rowSlice(x, start, end), rowSlice(y, start, end), wb, means);
        }
      }),
    );
    return means.values();
  }

  async #evaluateBatches(step: LossStep, compiled: Compiled, batches: Batches, epoch: number): Promise<Logs> {
    const means = new RunningMeans();
    const modes = this.modules().map((m) => [m, m.training] as const);
    this.train(false);
    try {
      for await (const b of batches.epoch(epoch)) {
        this.#buildFrom(b.x);
        noGrad(() => this.#evalStep(step, compiled, b.x, b.y as Tensor, b.sampleWeight, means));
      }
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
    return means.values();
  }

  #evalStep(
    step: LossStep,
    compiled: Compiled,
    xb: Tensor,
    yb: Tensor,
    weights: Tensor | null,
    means: RunningMeans,
  ): void {
    const { yPred, loss } = step(xb, yb, weights);
    const n = xb.shape[0];
    means.add('loss', loss.item(), n);
    for (const m of compiled.metrics) means.add(m.name, m.fn(yPred, yb), n);
  }

  /**
   * The model's outputs for every sample, computed in batches in eval mode without a graph: of a
   * tensor at once; of a DataLoader or iterable of batches (x, or [x, …]), with a Promise.
   */
  predict(x: Tensor, options?: PredictOptions): Tensor;
  predict(data: DataSource, options?: PredictOptions): Promise<Tensor>;
  predict(x: Tensor | DataSource, options: PredictOptions = {}): Tensor | Promise<Tensor> {
    const fn = `${classNameOf(this)}.predict`;
    const o = checkOptions(fn, options, ['batchSize', 'steps']) as PredictOptions;
    const batchSize = integerOption(fn, 'batchSize', o.batchSize, 32, 1);
    if (isDataSource(x)) {
      const steps = o.steps === undefined ? null : integerOption(fn, 'steps', o.steps, 1, 1);
      return this.#predictBatches(fn, new Batches(fn, x, steps, 'optional'));
    }
    if (!(x instanceof Tensor) || x.rank === 0)
      throw new ArgumentError(
        `${fn}: got ${describe(x)}; expected a Tensor whose first axis holds the samples, or a DataLoader / iterable of batches`,
      );
    const n = x.shape[0];
    if (n === 0) throw new ArgumentError(`${fn}: got 0 samples (shape ${describe(x.shape)}); expected at least one`);
    return withMode(this, false, () =>
      noGrad(() => {
        const parts: Tensor[] = [];
        for (let start = 0; start < n; start += batchSize) {
          parts.push(this.#predictStep(fn, rowSlice(x, start, Math.min(n, start + batchSize)), parts[0], start));
        }
        // One batch is the answer itself; more are joined by the backend.
        return parts.length === 1 ? parts[0] : concat(parts, 0);
      }),
    );
  }

  async #predictBatches(fn: string, batches: Batches): Promise<Tensor> {
    const parts: Tensor[] = [];
    let start = 0;
    const modes = this.modules().map((m) => [m, m.training] as const);
    this.train(false);
    try {
      for await (const b of batches.epoch(0)) {
        parts.push(noGrad(() => this.#predictStep(fn, b.x, parts[0], start)));
        start += b.x.shape[0];
      }
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
    return parts.length === 1 ? parts[0] : concat(parts, 0);
  }

  /** The outputs of one batch (samples start…), checked to be one row per sample shaped like the first batch's. */
  #predictStep(fn: string, xb: Tensor, first: Tensor | undefined, start: number): Tensor {
    this.#buildFrom(xb);
    const rows = xb.shape[0];
    const yb = this.call(xb);
    if (!(yb instanceof Tensor) || yb.rank === 0 || yb.shape[0] !== rows) {
      throw new ArgumentError(
        `${fn}: the model returned ${describe(yb)} for a batch of ${rows}; expected a Tensor with one row per sample`,
      );
    }
    if (first && !sameShape(yb.shape.slice(1), first.shape.slice(1))) {
      throw new ArgumentError(
        `${fn}: the model returned shape ${describe(yb.shape)} for samples ${start}..${start + rows - 1} but [${rows}, ${first.shape.slice(1).join(', ')}] before; expected the same shape per sample`,
      );
    }
    return yb;
  }

  // ------------------------------------------------------------------ summary

  /** The rows of summary(): this model's direct layers. Containers override it. */
  protected summaryLayers(): [string, AnyModule][] {
    return this.namedChildren();
  }

  /**
   * Each layer's output shape for inputs of `inputShape`. This default runs one sample of zeros
   * through the model and reads the layers' outputs with forward hooks; Sequential computes them
   * from the layers' computeOutputShape without data.
   */
  protected layerOutputShapes(inputShape: readonly (number | null)[]): ((number | null)[] | null)[] {
    const layers = this.summaryLayers().map(([, m]) => m);
    const shapes: ((number | null)[] | null)[] = layers.map(() => null);
    const removers = layers.map((m, i) =>
      m.registerForwardHook((_m, _inputs, out) => {
        if (shapes[i] === null && out instanceof Tensor) shapes[i] = [null, ...out.shape.slice(1)];
      }),
    );
    try {
      this.computeOutputShape(inputShape);
    } finally {
      for (const remove of removers) remove();
    }
    return shapes;
  }

  /**
   * A Keras-like table of the layers with their output shapes and parameter counts, then the
   * totals (BatchNormalization's moving statistics count as non-trainable, as in Keras). Printed
   * unless `{ print: false }`; returned either way. The model must be built: give the first layer
   * an `inputShape`, call `build([null, ...])`, or run it on data first.
   */
  summary(options: SummaryOptions = {}): string {
    const fn = `${classNameOf(this)}.summary`;
    const o = checkOptions(fn, options, ['print', 'stream']) as SummaryOptions;
    const inputShape = this.buildInputShape;
    if (!this.isBuilt() || inputShape === null) {
      throw new ArgumentError(
        `${fn}: the model is not built yet, so its output shapes and parameter counts are unknown; ` +
          'give the first layer an inputShape (e.g. new Dense({ units: 64, inputShape: [784] })), call model.build([null, 784]), or call the model on data (fit, predict) first',
      );
    }
    const layers = this.summaryLayers();
    const shapes = this.layerOutputShapes(inputShape);
    const rows: SummaryRow[] = layers.map(([field, layer], i) => ({
      name: layerName(field, layer, i, layers),
      type: classNameOf(layer),
      outputShape: shapes[i],
      ...countWeights(layer),
    }));
    const text = summarize(this.name, rows, countWeights(this));
    if (o.print ?? true) (o.stream ?? defaultStream()).write(`${text}\n`);
    return text;
  }

  // ------------------------------------------------------------------ saving
  // (Node-only code, installed by the Node entry)

  /**
   * Write `dir/config.json` (the architecture as data) and `dir/model.safetensors` (the weights),
   * each atomically. Node-only; in a browser use `modelToArtifacts(model)`.
   */
  async save(dir: string): Promise<void> {
    (await loadNodeFiles(`${classNameOf(this)}.save`)).saveModel(this, dir);
  }

  /** Write the weights alone to a safetensors file, atomically. Node-only. */
  async saveWeights(path: string): Promise<void> {
    (await loadNodeFiles(`${classNameOf(this)}.saveWeights`)).saveWeights(this, path);
  }

  /** Load weights saved by `saveWeights` (names and shapes must match exactly). Node-only. */
  async loadWeights(path: string): Promise<void> {
    (await loadNodeFiles(`${classNameOf(this)}.loadWeights`)).loadWeights(this, path);
  }

  /** Train an existing module (any network of layers) with compile / fit / evaluate / predict. */
  static wrap(module: AnyModule, options: { name?: string } = {}): Model {
    return new WrappedModel(module, options);
  }
}

/**
 * The same registered loss with reduction 'none' — one value per sample (or element), to be
 * weighted — made at its first use, so a loss without a reduction option fails only if weighted.
 */
function perSampleOf(loss: Loss): LossFn {
  let unreduced: Loss | undefined;
  return (yPred, yTrue) => {
    unreduced ??= new Loss(loss.name, { ...loss.options, reduction: 'none' });
    return unreduced.call(yPred, yTrue);
  };
}

/** The loss of a batch, checked to be a scalar tensor (a custom loss might return one per sample). */
function scalarLoss(fn: string, name: string, loss: unknown): Tensor {
  if (!(loss instanceof Tensor) || loss.size !== 1) {
    throw new ArgumentError(
      `${fn}: the loss ${describe(name)} returned ${describe(loss)}; expected a scalar Tensor (reduce per-sample losses with mean)`,
    );
  }
  return loss;
}

/** Parameters (trainable or frozen) and float buffers (moving statistics, counted as non-trainable). */
function countWeights(module: AnyModule): { trainable: number; nonTrainable: number } {
  let trainable = 0,
    nonTrainable = 0;
  for (const p of module.parameters() as Parameter[]) {
    if (p.requiresGrad) trainable += p.size;
    else nonTrainable += p.size;
  }
  for (const b of module.buffers()) if (b.dtype === 'float32') nonTrainable += b.size;
  return { trainable, nonTrainable };
}

/**
 * A layer's own name if it has one, else its field name in a custom model, else Keras's: the class
 * in snake case, numbered from the second of its kind (conv2d, conv2d_1, …).
 */
function layerName(field: string, layer: AnyModule, index: number, layers: [string, AnyModule][]): string {
  const own = (layer as { name?: unknown }).name;
  if (typeof own === 'string' && own !== '') return own;
  if (!/^\d+$/.test(field)) return field;
  const base = snakeCase(classNameOf(layer));
  const before = layers.slice(0, index).filter(([, m]) => m.constructor === layer.constructor).length;
  return before === 0 ? base : `${base}_${before}`;
}

/** `Model.wrap(module)`: a model whose forward is the module's. Its state dict keys start with "module.". */
export class WrappedModel extends Model {
  readonly module: AnyModule;

  constructor(module: AnyModule, options: { name?: string } = {}) {
    super({
      name:
        (checkOptions('Model.wrap', options, ['name']).name as string | undefined) ??
        snakeCase(module instanceof Module ? classNameOf(module) : 'model'),
    });
    if (!(module instanceof Module))
      throw new ArgumentError(`Model.wrap: got ${describe(module)}; expected a Module (a layer or network)`);
    this.module = module;
  }

  forward(x: Tensor): Tensor {
    return this.module.call(x) as Tensor;
  }

  /** The wrapped module's declared final activation, when it declares one (a Dense, a Sequential, …). */
  override get finalActivation(): string | null {
    return endsInActivation(this.module) ? this.module.finalActivation : null;
  }

  override callBeforeActivation(x: Tensor): Tensor {
    return endsInActivation(this.module) ? this.module.callBeforeActivation(x) : super.callBeforeActivation(x);
  }

  protected override summaryLayers(): [string, AnyModule][] {
    const inner = this.module.namedChildren();
    return inner.length > 0 ? inner : [['module', this.module]];
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, module: layerToConfig(this.module) };
  }

  static fromConfig(config: Record<string, unknown>): WrappedModel {
    checkOptions('WrappedModel', config, ['name', 'module']);
    return new WrappedModel(layerFromConfig(config.module as LayerConfig), { name: config.name as string | undefined });
  }
}

registerLayer('WrappedModel', (config) => WrappedModel.fromConfig(config), { layerClass: WrappedModel });
