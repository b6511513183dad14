/**
 * Parameter groups for decoupled weight decay, as GPT-style training sets them up in PyTorch:
 * weights that multiply (matrices, convolution kernels, embedding tables: rank ≥ 2) are decayed;
 * biases and normalisation scales and offsets (rank ≤ 1) are not, since shrinking them towards
 * zero only fights the normalisation. The rule reads shapes, not names, so it needs no naming
 * convention; `exclude` takes out more (embeddings, say) by name or tensor.
 *
 * ```ts
 * const opt = new AdamW(paramGroupsWithoutDecay(model, { weightDecay: 0.1 }), { lr: 3e-4 });
 * ```
 */
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { nonNegative } from './options.js';

/** What has named parameters: a Module (model.namedParameters()). */
export interface HasNamedParameters {
  namedParameters(): [string, Tensor][];
}

export interface ParamGroupsWithoutDecayOptions {
  /** The decayed group's weight decay; left out, the optimizer's own applies. */
  weightDecay?: number;
  /** Also leave these undecayed, e.g. `(name) => name.includes('embedding')`. */
  exclude?: (name: string, param: Tensor) => boolean;
}

/** One group as the optimizers take it: `{ params, weightDecay? }`. */
export interface DecayGroup {
  params: Tensor[];
  weightDecay?: number;
}

/**
 * [decayed, not decayed]: the first group keeps the optimizer's weight decay (or `weightDecay`),
 * the second has weightDecay 0. A group with no parameters is left out (so a model of biases
 * only gives one group). Pass the result as an optimizer's params.
 */
export function paramGroupsWithoutDecay(
  model: HasNamedParameters | Iterable<readonly [string, Tensor]>,
  options: ParamGroupsWithoutDecayOptions = {},
): DecayGroup[] {
  const fn = 'paramGroupsWithoutDecay';
  const o = checkOptions(fn, options, ['weightDecay', 'exclude']) as ParamGroupsWithoutDecayOptions;
  if (o.weightDecay !== undefined && nonNegative(o.weightDecay) !== null)
    throw new ArgumentError(`${fn}: got weightDecay=${describe(o.weightDecay)}; expected a finite number >= 0`);
  if (o.exclude !== undefined && typeof o.exclude !== 'function')
    throw new ArgumentError(`${fn}: got exclude=${describe(o.exclude)}; expected a function (name, param) => boolean`);
  const named = namedParams(fn, model);
  const decay: Tensor[] = [],
    keep: Tensor[] = [];
  for (const [name, p] of named) {
    if (p.rank <= 1 || o.exclude?.(name, p)) keep.push(p);
    else decay.push(p);
  }
  const groups: DecayGroup[] = [];
  if (decay.length > 0)
    groups.push(o.weightDecay === undefined ? { params: decay } : { params: decay, weightDecay: o.weightDecay });
  if (keep.length > 0) groups.push({ params: keep, weightDecay: 0 });
  if (groups.length === 0) throw new ArgumentError(`${fn}: the model has no parameters; expected at least one`);
  return groups;
}

function namedParams(fn: string, model: unknown): (readonly [string, Tensor])[] {
  const source = model as HasNamedParameters | null;
  let entries: unknown[];
  if (source !== null && typeof source === 'object' && typeof source.namedParameters === 'function')
    entries = source.namedParameters();
  else if (model !== null && typeof (model as Iterable<unknown> | undefined)?.[Symbol.iterator] === 'function')
    entries = [...(model as Iterable<unknown>)];
  else entries = [null];
  const ok = entries.every(
    (e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && e[1] instanceof Tensor,
  );
  if (!ok)
    throw new ArgumentError(
      `${fn}: got ${describe(model)}; expected a model (with namedParameters()) or [name, tensor] pairs`,
    );
  return entries as (readonly [string, Tensor])[];
}
