/**
 * The Optimizer base: parameter groups with their own hyper-parameters, per-parameter state that
 * is created lazily on the first step, and a plain-data state dict so a run can be saved and
 * resumed exactly. A subclass implements one rule, `update`, in ops (or one fused backend op, as
 * Adam does) that run where the parameter lives; the step writes the parameter in place
 * (`copy_`) under noGrad, so nothing is recorded on the tape.
 */
import { emptyTensor, fromHostValues } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { checkOption, nonNegative, resolveOptions, type OptionSpec, type OptionValue } from './options.js';

export interface BaseOptions {
  /** Learning rate η. */
  lr: number;
}

/** A parameter group as the optimizer keeps it: its tensors and its own hyper-parameters. */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  /** The lr before any schedule changed it (PyTorch's initial_lr); set by the first schedule. */
  initialLr?: number;
};

/** A group as the user writes it: options left out fall back to the optimizer's. */
export type ParamGroupSpec<O> = Partial<O> & { params: Iterable<Tensor> };

/** `model.parameters()`, an array of tensors, or a list of parameter groups. */
export type ParamsArg<O> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

/** One parameter's optimizer state: step counts and moment buffers shaped like the parameter. */
export type ParamState = Record<string, number | Tensor>;

/** Saved optimizer state, keyed by parameter index (order of the groups, then of their params). */
export interface OptimizerStateDict {
  state: Record<string, Record<string, number | Float32Array | readonly number[]>>;
  paramGroups: (Record<string, OptionValue> & { params: readonly number[] })[];
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The optimizer's name, used in every error message. */
  readonly name: string;
  /** The options every group starts from. */
  readonly defaults: O;
  readonly paramGroups: ParamGroup<O>[] = [];
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly spec: OptionSpec<O>;

  protected constructor(name: string, params: ParamsArg<O>, options: Partial<O> | undefined, spec: OptionSpec<O>) {
    this.name = name;
    this.spec = spec;
    this.defaults = resolveOptions(name, spec, spec.defaults, options);
    for (const group of groupSpecs<O>(name, params)) this.addParamGroup(group);
  }

  /** Apply one update to `param` (in place) given its gradient, state and group options; runs under noGrad. */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** Add tensors with their own options, e.g. a smaller lr for a pretrained backbone. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    if (spec === null || typeof spec !== 'object' || !isIterable(spec.params)) {
      throw new ArgumentError(
        `${this.name}.addParamGroup: got ${describe(spec)}; expected an object { params: Tensor[], ...options }`,
      );
    }
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    const params: Tensor[] = [];
    for (const p of spec.params) {
      checkParam(this.name, p);
      if (seen.has(p)) {
        throw new ArgumentError(
          `${this.name}: got the tensor ${describe(p)} twice (in one group or in two); expected each parameter once`,
        );
      }
      seen.add(p);
      params.push(p);
    }
    const options = resolveOptions(this.name, this.spec, this.defaults, spec, ['params']);
    this.paramGroups.push({ ...options, params } as ParamGroup<O>);
  }

  /**
   * One update of every parameter that has a gradient (those whose grad is null are skipped).
   * `closure`, if given, re-evaluates the model and returns the loss, which step returns.
   */
  step(closure?: () => Tensor | number): number | undefined {
    const loss = closure ? lossValue(this.name, enableGrad(closure)) : undefined;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (g.size !== p.size || g.dtype !== 'float32') {
          throw new ShapeError(
            `${this.name}.step: a parameter of shape ${describe(p.shape)} has a gradient ${describe(g)}; expected a float32 gradient of the same size`,
          );
        }
        let s = this.state.get(p);
        if (s === undefined) {
          s = {};
          this.state.set(p, s);
        }
        const state = s;
        noGrad(() => this.update(p, g, state, group));
      }
    }
    return loss;
  }

  /** Drop every gradient (set to null, like PyTorch's set_to_none), ready for the next backward. */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  /** The first group's learning rate. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  /** Set the learning rate of every group (schedules set groups one by one instead). */
  set lr(value: number) {
    checkOption(this.name, 'lr', value, nonNegative);
    for (const group of this.paramGroups) group.lr = value;
  }

  /** The state of one parameter (empty until its first step). */
  stateOf(param: Tensor): Readonly<ParamState> {
    return this.state.get(param) ?? {};
  }

  /** A copy of the state and group options as plain data, to save and later `loadStateDict`. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    for (const { params, ...hyper } of this.paramGroups) {
      const ids: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s !== undefined) state[String(index)] = copyState(s);
        ids.push(index++);
      }
      const saved: Record<string, OptionValue> = {};
      for (const [k, v] of Object.entries(hyper))
        if (v !== undefined) saved[k] = Array.isArray(v) ? [...v] : (v as OptionValue);
      paramGroups.push({ ...saved, params: ids });
    }
    return { state, paramGroups };
  }

  /**
   * Restore what `stateDict` saved. Saved parameter indices map, in order, onto this optimizer's
   * parameters (as in PyTorch), so the groups must have the same sizes. Nothing changes on error.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const fn = `${this.name}.loadStateDict`;
    if (
      dict === null ||
      typeof dict !== 'object' ||
      !Array.isArray(dict.paramGroups) ||
      dict.state === null ||
      typeof dict.state !== 'object'
    ) {
      throw new ArgumentError(`${fn}: got ${describe(dict)}; expected { state, paramGroups } from stateDict()`);
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new ArgumentError(
        `${fn}: got ${dict.paramGroups.length} parameter groups; expected ${this.paramGroups.length}, as in this optimizer`,
      );
    }
    const byId = new Map<number, Tensor>();
    const groups = this.paramGroups.map((group, i) => {
      const saved = dict.paramGroups[i];
      if (!Array.isArray(saved?.params) || saved.params.length !== group.params.length) {
        throw new ArgumentError(
          `${fn}: group ${i} got ${describe(saved?.params)} as params; expected ${group.params.length} parameter indices`,
        );
      }
      saved.params.forEach((id, j) => byId.set(id, group.params[j]));
      const { params, initialLr, ...current } = group;
      const options = resolveOptions(fn, this.spec, current as unknown as O, saved, ['params', 'initialLr']);
      const restored = { ...options, params } as ParamGroup<O>;
      const savedInitial = (saved as { initialLr?: unknown }).initialLr ?? initialLr;
      if (savedInitial !== undefined) {
        checkOption(fn, 'initialLr', savedInitial, nonNegative);
        restored.initialLr = savedInitial as number;
      }
      return restored;
    });
    const state = new Map<Tensor, ParamState>();
    for (const [id, entry] of Object.entries(dict.state)) {
      const p = byId.get(Number(id));
      if (p === undefined)
        throw new ArgumentError(
          `${fn}: state for parameter index ${id}, which no group lists; expected one of ${[...byId.keys()].join(', ')}`,
        );
      state.set(p, readState(fn, id, entry, p));
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }
}

/** Plain data: moment buffers read back to the host (saving state is I/O). */
function copyState(s: ParamState): Record<string, number | Float32Array> {
  const out: Record<string, number | Float32Array> = {};
  for (const [k, v] of Object.entries(s)) out[k] = typeof v === 'number' ? v : (v.dataSync() as Float32Array);
  return out;
}

function readState(fn: string, id: string, entry: unknown, p: Tensor): ParamState {
  const size = p.size;
  if (entry === null || typeof entry !== 'object') {
    throw new ArgumentError(
      `${fn}: state of parameter ${id} got ${describe(entry)}; expected an object of numbers and arrays`,
    );
  }
  const out: ParamState = {};
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v === 'number') out[k] = v;
    else if ((v instanceof Float32Array || Array.isArray(v)) && v.length === size)
      out[k] = fromHostValues(Float32Array.from(v as ArrayLike<number>), p.shape, {}, p.backend);
    else {
      throw new ArgumentError(
        `${fn}: state "${k}" of parameter ${id} got ${describe(v)}; expected a number or an array of ${size} numbers (the parameter's size)`,
      );
    }
  }
  return out;
}

function checkParam(owner: string, p: unknown): asserts p is Tensor {
  if (!(p instanceof Tensor)) throw new ArgumentError(`${owner}: got ${describe(p)} as a parameter; expected a Tensor`);
  if (p.dtype !== 'float32') throw new DTypeError(`${owner}: got a parameter of dtype ${p.dtype}; expected float32`);
  if (!p.isLeaf) {
    throw new ArgumentError(
      `${owner}: got a non-leaf tensor (output of "${p.gradFn?.name}") as a parameter; expected a leaf, e.g. x.detach().requiresGrad_()`,
    );
  }
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && x !== undefined && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** Normalise the constructor's `params` into group specs. */
function groupSpecs<O>(owner: string, params: ParamsArg<O>): ParamGroupSpec<O>[] {
  if (params instanceof Tensor || !isIterable(params)) {
    throw new ArgumentError(
      `${owner}: got ${describe(params)} as params; expected an iterable of tensors (e.g. [w, b] or model.parameters()) or a list of groups [{ params, lr }]`,
    );
  }
  const items: unknown[] = [...params];
  if (items.length === 0)
    throw new ArgumentError(`${owner}: got an empty parameter list; expected at least one tensor to optimize`);
  if (items.every((x) => x instanceof Tensor)) return [{ params: items as Tensor[] } as unknown as ParamGroupSpec<O>];
  if (items.every((x) => !(x instanceof Tensor) && x !== null && typeof x === 'object' && 'params' in x))
    return items as ParamGroupSpec<O>[];
  throw new ArgumentError(
    `${owner}: got a mix of tensors and other values as params; expected all tensors or all groups { params, ...options }`,
  );
}

function lossValue(owner: string, v: Tensor | number): number {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor) return v.item();
  throw new ArgumentError(
    `${owner}.step: the closure returned ${describe(v)}; expected the loss as a Tensor or a number`,
  );
}

/** The named state buffer, created as zeros shaped like the parameter (on its backend) on first use. */
export function zerosState(state: ParamState, key: string, param: Tensor): Tensor {
  const v = state[key];
  if (v instanceof Tensor) return v;
  const buffer = emptyTensor(param.shape, 'float32', param.backend);
  state[key] = buffer;
  return buffer;
}
