/**
 * An optimizer's state dict as a checkpoint stores it: the moment buffers as tensors for a
 * safetensors file (named `<param index>.<key>`), the step counts and group options as JSON.
 * Shared by fit's checkpoints (keras/checkpoint.ts) and the GPT pre-training run.
 */
import { fromHostValues } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { FormatError, describe } from '../util/errors.js';

/** The JSON half: group options and per-parameter numbers (step counts). */
export interface OptimizerMeta {
  paramGroups: OptimizerStateDict['paramGroups'];
  scalars: Record<string, Record<string, number>>;
}

/** Split a state dict into moments (tensors) and the rest (plain data). */
export function splitOptimizerState(dict: OptimizerStateDict): {
  moments: Record<string, Tensor>;
  meta: OptimizerMeta;
} {
  const moments: Record<string, Tensor> = {};
  const scalars: OptimizerMeta['scalars'] = {};
  for (const [id, entry] of Object.entries(dict.state)) {
    for (const [k, v] of Object.entries(entry)) {
      if (typeof v === 'number') {
        scalars[id] ??= {};
        scalars[id][k] = v;
      } else moments[`${id}.${k}`] = fromHostValues(Float32Array.from(v as ArrayLike<number>), [v.length]);
    }
  }
  return { moments, meta: { paramGroups: dict.paramGroups, scalars } };
}

/** The state dict again, from what splitOptimizerState gave; `source` names the files in errors. */
export function joinOptimizerState(
  meta: OptimizerMeta,
  moments: Record<string, Tensor>,
  source: string,
): OptimizerStateDict {
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.paramGroups) || typeof meta.scalars !== 'object')
    throw new FormatError(`${source}: got optimizer state ${describe(meta)}; expected { paramGroups, scalars }`);
  const state: OptimizerStateDict['state'] = {};
  for (const [id, scalars] of Object.entries(meta.scalars)) state[id] = { ...scalars };
  for (const [name, t] of Object.entries(moments)) {
    const dot = name.indexOf('.');
    if (dot <= 0) throw new FormatError(`${source}: moment ${describe(name)}; expected "<parameter index>.<name>"`);
    const id = name.slice(0, dot);
    // Restoring saved moments is I/O: the values come back to the host to be handed to the optimizer.
    state[id] = { ...state[id], [name.slice(dot + 1)]: t.dataSync() as Float32Array };
  }
  return { state, paramGroups: meta.paramGroups };
}
