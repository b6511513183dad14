/**
 * The optimizer registry: optimizer classes by name, so that `compile({ optimizer: 'adam' })` and
 * a saved model's `{ className: 'Adam', config: { lr: … } }` name them the same way. The canonical
 * name is the class's; Keras's lowercase strings are aliases. A name alone gives the registered
 * `defaults` — Keras's, since that is where names like 'adam' come from — while a class used
 * directly (`new Adam(params)`) keeps its own (PyTorch's) defaults.
 *
 * The built-in optimizers are registered at the bottom of this file. A new one is its own file
 * (a subclass of Optimizer) plus one `registerOptimizer` line, there or here.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromHostValues } from '../tensor/creation.js';
import { portableBackend } from '../backend/portable/index.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { Registry, type NamedConfig } from '../util/registry.js';
import { Optimizer } from './optimizer.js';
import { Adam, AdamW } from './adam.js';
import { SGD } from './sgd.js';
import { RMSprop } from './rmsprop.js';
import { GradientDescent } from './gradient-descent.js';
import { nameClass } from '../util/class-names.js';

/** An optimizer class: `new (params, options) => Optimizer`, as every built-in one is. */
export type OptimizerClass = new (params: Iterable<Tensor>, options?: never) => Optimizer;

/** Makes the optimizer once the model's parameters exist (layers build lazily). */
export type OptimizerFactory = (params: Tensor[]) => Optimizer;

/** An optimizer as plain data: its registered class name and its options. */
export type OptimizerConfig = NamedConfig;

export interface RegisterOptimizerOptions {
  /** Other names it is found by (Keras's lowercase string). */
  aliases?: readonly string[];
  /** The options a name alone gives it (default: the class's own defaults). */
  defaults?: Record<string, unknown>;
  /** Replace an existing registration of the same name. */
  override?: boolean;
}

interface Entry {
  optimizerClass: OptimizerClass;
  defaults: Record<string, unknown>;
}

const OPTIMIZERS = new Registry<Entry>('optimizer', 'registerOptimizer');

export function registerOptimizer(
  name: string,
  optimizerClass: OptimizerClass,
  options: RegisterOptimizerOptions = {},
): void {
  const fn = 'registerOptimizer';
  const o = checkOptions(fn, options, ['aliases', 'defaults', 'override']) as RegisterOptimizerOptions;
  if (typeof optimizerClass !== 'function' || !(optimizerClass.prototype instanceof Optimizer)) {
    throw new ArgumentError(`${fn}: got ${describe(optimizerClass)} for "${name}"; expected a subclass of Optimizer`);
  }
  const defaults = { ...(o.defaults ?? {}) };
  new optimizerClass([probe()], defaults as never); // the defaults must be options it takes
  OPTIMIZERS.register(name, { optimizerClass, defaults }, { aliases: o.aliases, override: o.override });
  nameClass(optimizerClass, name);
}

/** The canonical names of the registered optimizers, sorted. */
export function registeredOptimizers(): string[] {
  return OPTIMIZERS.names();
}

/** Every name `optimizerFactory` accepts, aliases included. */
export function optimizerNames(): string[] {
  return OPTIMIZERS.allNames();
}

/**
 * A factory for the optimizer a name stands for (with its registered defaults), or for the
 * optimizer a config describes (`{ className, config }`, the config's options over nothing else).
 * `caller` is named in errors. The options are checked now, by making one on a probe parameter.
 */
export function optimizerFactory(caller: string, spec: string | OptimizerConfig): OptimizerFactory {
  let entry: Entry;
  let options: Record<string, unknown>;
  if (typeof spec === 'string') {
    entry = OPTIMIZERS.get(caller, spec);
    options = entry.defaults;
  } else {
    const s = checkOptions(caller, spec, ['className', 'config'], "{ className: 'Adam', config: { lr: 0.001 } }");
    entry = OPTIMIZERS.get(caller, s.className);
    const config = s.config ?? {};
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      throw new ArgumentError(
        `${caller}: got optimizer config ${describe(config)} for "${String(s.className)}"; expected an object of options`,
      );
    }
    options = { ...config };
  }
  const make: OptimizerFactory = (params) => new entry.optimizerClass(params, options as never);
  make([probe()]); // bad options are refused here, not at the first fit
  return make;
}

/**
 * A one-element parameter to try an optimizer's options on. On the portable backend: it is made
 * while modules load, before a device backend (WebGPU) can have started.
 */
function probe(): Tensor {
  return fromHostValues(new Float32Array(1), [1], { requiresGrad: true }, portableBackend);
}

/** An optimizer as `{ className, config }` (its registered name and options); null when its class is not registered. */
export function optimizerToConfig(optimizer: Optimizer): OptimizerConfig | null {
  const className = OPTIMIZERS.find((e) => e.optimizerClass === optimizer.constructor);
  if (className === undefined) return null;
  return { className, config: JSON.parse(JSON.stringify(optimizer.defaults)) as Record<string, unknown> };
}

// Keras's defaults for its strings (not PyTorch's, which the classes keep): Adam lr 1e-3 and ε 1e-7,
// SGD lr 1e-2, RMSprop lr 1e-3 with ρ 0.9 and ε 1e-7, AdamW lr 1e-3 with weight decay 0.004; 'gd' is
// the seed's plain θ ← θ − η∇J with lr 0.01.
registerOptimizer('Adam', Adam, { aliases: ['adam'], defaults: { lr: 1e-3, eps: 1e-7 } });
registerOptimizer('AdamW', AdamW, { aliases: ['adamw'], defaults: { lr: 1e-3, eps: 1e-7, weightDecay: 0.004 } });
registerOptimizer('SGD', SGD, { aliases: ['sgd'], defaults: { lr: 1e-2 } });
registerOptimizer('RMSprop', RMSprop, { aliases: ['rmsprop'], defaults: { lr: 1e-3, alpha: 0.9, eps: 1e-7 } });
registerOptimizer('GradientDescent', GradientDescent, { aliases: ['gd'], defaults: { lr: 0.01 } });
