/**
 * Module: the one layer abstraction, PyTorch-shaped underneath and Keras-friendly on top.
 *
 * A module is a class whose fields hold its state. Parameters, buffers and submodules are found by
 * walking the instance's own fields in declaration order, so writing a layer is only assigning
 * fields:
 *
 * ```ts
 * class MLP extends Module {
 *   hidden = new Dense({ units: 16, activation: 'relu' });
 *   out = new Dense({ units: 1 });
 *   forward(x: Tensor): Tensor { return this.out.call(this.hidden.call(x)); }
 * }
 * new MLP().call(x);                          // runs forward (and any forward hooks)
 * ```
 *
 * What the walk finds, in field order:
 * - a `Parameter` field, or an array of Parameters (named `field.0`, `field.1`, …);
 * - a `Module` field, or an array of Modules (named `field.0`, …): the children;
 * - fields registered with `registerBuffer` (non-learned state such as running statistics).
 * Other fields (numbers, options, plain tensors used as caches) are ignored. A tensor or module
 * reached twice (weight tying) is reported once, under its first name.
 *
 * Call a module with `module.call(x)`; `forward` is the method a subclass implements. (JavaScript
 * objects cannot be made callable without proxies, so `call` plays the role of Python's `__call__`.)
 */
import { Tensor } from '../tensor/tensor.js';
import { sameShape } from '../tensor/shape.js';
import { zeros } from '../tensor/creation.js';
import { anomalyChecker, withinLayer } from '../tensor/anomaly.js';
import { noGrad } from '../autograd/mode.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { Parameter } from './parameter.js';
import { checkLayerShape, inputShapeOption, type LayerShape } from './layer-util.js';
import { classNameOf } from '../util/class-names.js';

/**
 * A module of any signature, for containers and walks. The `any` is deliberate (and the only one):
 * In appears in both argument and result positions (forward, hooks), so Module is invariant in it
 * and no other type argument accepts every Module<In, Out>.
 */
// biome-ignore lint/suspicious/noExplicitAny: deliberate, see above
export type AnyModule = Module<any, any>;

/** Runs after `forward`; returning a value replaces the output (as in PyTorch). */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Out | undefined would refuse it)
export type ForwardHook<In extends unknown[], Out> = (module: Module<In, Out>, inputs: In, output: Out) => Out | void;

export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true). Shape and dtype mismatches always throw. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type StateDict = Record<string, Tensor>;

export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch statistics used); set by `train()` / `eval()`. */
  training = true;

  // `#` fields are invisible to the field walk, so bookkeeping never looks like state.
  #bufferNames = new Set<string>();
  #nonPersistent = new Set<string>();
  // Hooks are kept type-erased; registerForwardHook is where their types are checked.
  #hooks: ((inputs: unknown[], output: unknown) => unknown)[] = [];
  #inputShape: readonly (number | null)[] | null = null;
  #buildInputShape: readonly (number | null)[] | null = null;

  /** The computation; subclasses implement it. Prefer `call()` for running a module. */
  abstract forward(...inputs: In): Out;

  /** Run the module: `forward` followed by the forward hooks. */
  call(...inputs: In): Out {
    // Under anomaly detection, ops inside are attributed to this layer (see autograd/anomaly.ts).
    if (anomalyChecker() !== null) return withinLayer(this, childName, () => this.#run(inputs));
    return this.#run(inputs);
  }

  #run(inputs: In): Out {
    if (this.#buildInputShape === null && inputs[0] instanceof Tensor) this.rememberBuildShape(inputs[0].shape);
    let out = this.forward(...inputs);
    for (const hook of this.#hooks) {
      const replaced = hook(inputs, out);
      if (replaced !== undefined) out = replaced as Out;
    }
    return out;
  }

  /** Add a hook that sees (module, inputs, output) after every `call`; returns a function that removes it. */
  registerForwardHook(hook: ForwardHook<In, Out>): () => void {
    const erased = (inputs: unknown[], output: unknown): unknown => hook(this, inputs as In, output as Out);
    this.#hooks.push(erased);
    return () => {
      const i = this.#hooks.indexOf(erased);
      if (i >= 0) this.#hooks.splice(i, 1);
    };
  }

  /**
   * Whether this module's own weights exist. Lazy layers (e.g. `Dense` without `inputDim`) are
   * unbuilt until their first call, when the input shape fixes the weight shapes.
   */
  get built(): boolean {
    return true;
  }

  /**
   * Declare a field as a buffer: state saved in `stateDict()` but not learned (running means,
   * step counters). Sets `this[name] = value`; later reassignments of the field are followed.
   * `persistent: false` keeps it out of the state dict.
   */
  protected registerBuffer<T extends Tensor | null>(name: string, value: T, options: { persistent?: boolean } = {}): T {
    if (value !== null && !(value instanceof Tensor)) {
      throw new ArgumentError(
        `${classNameOf(this)}.registerBuffer: got ${describe(value)} for "${name}"; expected a Tensor or null`,
      );
    }
    if (value instanceof Parameter) {
      throw new ArgumentError(
        `${classNameOf(this)}.registerBuffer: "${name}" is a Parameter; buffers are tensors that are not learned`,
      );
    }
    (this as Record<string, unknown>)[name] = value;
    this.#bufferNames.add(name);
    if (options.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    return value;
  }

  // ------------------------------------------------------------------ the field walk

  /** Direct submodules with their field names (`layers.0` for arrays). Containers override this. */
  namedChildren(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (isArrayOf(value, Module)) value.forEach((m, i) => out.push([`${key}.${i}`, m]));
    }
    return out;
  }

  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first, with dotted paths ('' for this one). */
  namedModules(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (prefix: string, m: AnyModule): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, child] of m.namedChildren()) visit(prefix ? `${prefix}.${name}` : name, child);
    };
    visit('', this);
    return out;
  }

  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** This module's own parameters (not its children's), by field name. */
  protected namedOwnParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) out.push([key, value]);
      else if (isArrayOf(value, Parameter)) value.forEach((p, i) => out.push([`${key}.${i}`, p]));
    }
    return out;
  }

  /** This module's own buffers that are set (not null), by field name. */
  protected namedOwnBuffers(persistentOnly = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (!this.#bufferNames.has(key) || !(value instanceof Tensor)) continue;
      if (persistentOnly && this.#nonPersistent.has(key)) continue;
      out.push([key, value]);
    }
    return out;
  }

  /**
   * Every parameter with its dotted path (`layers.0.weight`), in field order, depth first.
   * Throws if a lazy layer inside has not been built yet: its parameters do not exist, and an
   * optimizer given a silently short list would never train them.
   */
  namedParameters(): [string, Parameter][] {
    return this.#collect('namedParameters', true, (m) => m.namedOwnParameters()) as [string, Parameter][];
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its dotted path. */
  namedBuffers(): [string, Tensor][] {
    return this.#collect('namedBuffers', true, (m) => m.namedOwnBuffers());
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Whether this module and all its descendants have their weights. */
  isBuilt(): boolean {
    return this.modules().every((m) => m.built);
  }

  #collect(fn: string, requireBuilt: boolean, own: (m: AnyModule) => [string, Tensor][]): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      if (requireBuilt && !m.built) {
        const where = prefix ? ` at "${prefix}"` : '';
        throw new ArgumentError(
          `${classNameOf(this)}.${fn}: ${classNameOf(m)}${where} is not built yet, so its weights do not exist; ` +
            'a lazy layer creates them from the shape of its first input. Call the model once on a sample batch ' +
            '(model.call(x)), or give the layer its input size (e.g. Dense({ units, inputDim })), before asking for them',
        );
      }
      for (const [name, t] of own(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${name}` : name, t]);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ modes and gradients

  /** Set training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Inference mode (dropout off, running statistics used); same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Drop every parameter's gradient (set to null, as PyTorch does by default). Unbuilt layers have none. */
  zeroGrad(): void {
    for (const [, p] of this.#collect('zeroGrad', false, (m) => m.namedOwnParameters())) p.grad = null;
  }

  /** Number of scalar weights; `trainableOnly` counts only those that require grad. */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Call `fn` on this module and every descendant; returns this. */
  apply(fn: (module: AnyModule) => void): this {
    for (const m of this.modules()) fn(m);
    return this;
  }

  // ------------------------------------------------------------------ state

  /**
   * Parameters and persistent buffers by dotted name, each module's own before its children's.
   * The tensors share storage with the module (detached views), so saving needs no copy.
   */
  stateDict(): StateDict {
    const dict: StateDict = {};
    for (const [name, t] of this.#stateEntries('stateDict')) dict[name] = t.detach();
    return dict;
  }

  #stateEntries(fn: string): [string, Tensor][] {
    return this.#collect(fn, true, (m) => [...m.namedOwnParameters(), ...m.namedOwnBuffers(true)]);
  }

  /**
   * Copy values from `dict` into this module's parameters and buffers, in place (optimizers that
   * hold the parameters keep working). Everything is checked before anything is written, so a
   * failed load leaves the module unchanged.
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const fn = `${classNameOf(this)}.loadStateDict`;
    if (dict === null || typeof dict !== 'object')
      throw new ArgumentError(`${fn}: got ${describe(dict)}; expected an object of name → Tensor`);
    const strict = options.strict ?? true;
    const targets = new Map(this.#stateEntries('loadStateDict'));
    const missingKeys = [...targets.keys()].filter((k) => !Object.hasOwn(dict, k));
    const unexpectedKeys = Object.keys(dict).filter((k) => !targets.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing keys ${describe(missingKeys)}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys ${describe(unexpectedKeys)}`);
      throw new ArgumentError(
        `${fn}: the state dict does not match the model: ${parts.join('; ')}; expected exactly the keys ${describe([...targets.keys()])} ` +
          '(pass { strict: false } to load the keys that match)',
      );
    }
    for (const [key, target] of targets) {
      if (!Object.hasOwn(dict, key)) continue;
      const source = dict[key];
      if (!(source instanceof Tensor))
        throw new ArgumentError(`${fn}: "${key}" is ${describe(source)}; expected a Tensor`);
      if (!sameShape(source.shape, target.shape)) {
        throw new ShapeError(
          `${fn}: "${key}" has shape ${describe(source.shape)} in the state dict; expected ${describe(target.shape)} as in the model`,
        );
      }
      if (source.dtype !== target.dtype) {
        throw new DTypeError(`${fn}: "${key}" has dtype ${source.dtype} in the state dict; expected ${target.dtype}`);
      }
    }
    for (const [key, target] of targets) if (Object.hasOwn(dict, key)) target.copy_(dict[key]);
    return { missingKeys, unexpectedKeys };
  }

  // ------------------------------------------------------------------ shapes and configs (the Keras side)
  /**
   * Keras's `input_shape`: the shape of one sample (no batch axis) that a layer was told at
   * construction, or null. A `Sequential` whose first layer has one builds itself at once.
   */
  get inputShape(): readonly (number | null)[] | null {
    return this.#inputShape;
  }

  /** For constructors taking an `inputShape` option: validate and keep it (it is part of the config). */
  protected setInputShape(value: unknown): void {
    this.#inputShape = inputShapeOption(classNameOf(this), value);
  }

  /**
   * The input shape (batch axis null) this module was first built for or called with, or null.
   * Saved beside the config, so a module rebuilt from its config gets weights of the same shapes
   * before a state dict is loaded into it.
   */
  get buildInputShape(): readonly (number | null)[] | null {
    return this.#buildInputShape;
  }

  /** Record the first build shape; the batch size (axis 0 of a rank >= 2 shape) is not part of it. */
  protected rememberBuildShape(shape: LayerShape): void {
    if (this.#buildInputShape !== null) return;
    this.#buildInputShape = Object.freeze(shape.length >= 2 ? [null, ...shape.slice(1)] : [...shape]);
  }

  /**
   * Create the weights for inputs of `inputShape` (batch axis first; null where unknown) without
   * real data. Layers with lazy weights override this with pure shape arithmetic; this default
   * runs a trial batch of zeros (see `computeOutputShape`) when something inside is unbuilt.
   */
  build(inputShape: LayerShape): void {
    const fn = `${classNameOf(this)}.build`;
    const shape = checkLayerShape(fn, inputShape);
    if (!this.isBuilt()) this.#trialRun(fn, shape);
    this.rememberBuildShape(shape);
  }

  /**
   * The output shape for inputs of `inputShape`, batch axis first (null stays null), without
   * running data through the model. Built-in layers compute it; this default, for custom
   * modules, runs one sample of zeros in eval mode without recording gradients, so every size
   * but the batch size must be known (override it where that does not hold).
   */
  computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const fn = `${classNameOf(this)}.computeOutputShape`;
    return this.#trialRun(fn, checkLayerShape(fn, inputShape));
  }

  #trialRun(fn: string, shape: (number | null)[]): (number | null)[] {
    if (shape.some((d, i) => d === null && i > 0)) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(shape)}; a trial run needs every size but the batch size. ` +
          `Give the sizes, or override computeOutputShape and build in ${classNameOf(this)}`,
      );
    }
    const modes = this.modules().map((m) => [m, m.training] as const);
    let out: unknown;
    try {
      this.eval(); // Dropout draws nothing and BatchNormalization leaves its moving statistics alone
      const sample = zeros(shape.map((d, i) => (i === 0 ? 1 : (d as number))));
      out = noGrad(() => this.forward(...([sample] as unknown as In)));
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
    if (!(out instanceof Tensor)) {
      throw new ArgumentError(
        `${fn}: ${classNameOf(this)}.forward returned ${describe(out)}; expected a Tensor (override computeOutputShape for other outputs)`,
      );
    }
    const result: (number | null)[] = [...out.shape];
    if (shape.length > 0 && result.length > 0) result[0] = shape[0];
    return result;
  }

  /**
   * The options that rebuild this layer, as plain JSON (activations by name). Every built-in layer
   * overrides it and is registered (see `registerLayer`), so `layerToConfig` / `layerFromConfig`
   * can save a model as data. This default holds only `inputShape`: a custom layer with options
   * of its own overrides it (`{ ...super.getConfig(), units: this.units }`).
   */
  getConfig(): Record<string, unknown> {
    return this.#inputShape ? { inputShape: [...this.#inputShape] } : {};
  }

  // ------------------------------------------------------------------ printing

  /** One line of settings shown after the class name in `toString()`, e.g. "units=4". */
  protected describeSelf(): string {
    return '';
  }

  /** A tree of the module and its children, like PyTorch's repr. */
  toString(): string {
    const head = `${classNameOf(this)}(${this.describeSelf()}`;
    const children = this.namedChildren();
    if (!children.length) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

/** The field name of `child` inside `parent` (as namedChildren gives it), or null. */
function childName(parent: object, child: object): string | null {
  if (!(parent instanceof Module)) return null;
  for (const [name, m] of parent.namedChildren()) if (m === child) return name;
  return null;
}

function isArrayOf<T>(value: unknown, cls: abstract new (...args: never[]) => T): value is T[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof cls);
}
