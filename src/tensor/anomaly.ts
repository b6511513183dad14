/**
 * The state of autograd's anomaly detection (see autograd/anomaly.ts), kept at the tensor floor so
 * that ops (which record themselves) and modules (which know the layer being run) can reach it
 * without importing autograd. While detection is off the checker is null and nothing here costs
 * more than that one comparison.
 */
import type { Tensor } from './tensor.js';
import { classNameOf } from '../util/class-names.js';

/** Checks tensors an op just made: its output ('forward') or its inputs' gradients ('backward'). */
export type AnomalyChecker = (
  phase: 'forward' | 'backward',
  op: string,
  layer: string | null,
  tensors: readonly (Tensor | null | undefined)[],
  /** The op's inputs (forward), to tell a NaN the op made from one it was given. */
  inputs?: readonly Tensor[],
) => void;

let checker: AnomalyChecker | null = null;
/** The modules being run, outermost first, each with its dotted path from the outermost. */
const layers: { module: object; path: string }[] = [];

export function anomalyChecker(): AnomalyChecker | null {
  return checker;
}

/** Install (or remove, with null) the checker; returns the previous one so callers can restore it. */
export function setAnomalyChecker(value: AnomalyChecker | null): AnomalyChecker | null {
  const previous = checker;
  checker = value;
  return previous;
}

/**
 * The layer being run, as `path (ClassName)`: the outermost module's class, then the field names
 * down to the layer (those stateDict uses), e.g. `Sequential.layers.1 (Dense)`; null outside any.
 */
export function currentLayer(): string | null {
  const top = layers[layers.length - 1];
  return top === undefined ? null : `${top.path} (${classNameOf(top.module)})`;
}

/**
 * Run `body` as `module`'s forward, so that ops inside are attributed to it; `childName` finds the
 * field name of a module inside its parent (null when it is not a child, e.g. a shared function).
 */
export function withinLayer<T>(
  module: object,
  childName: (parent: object, child: object) => string | null,
  body: () => T,
): T {
  const parent = layers[layers.length - 1];
  const path =
    parent === undefined
      ? classNameOf(module)
      : `${parent.path}.${childName(parent.module, module) ?? classNameOf(module)}`;
  layers.push({ module, path });
  try {
    return body();
  } finally {
    layers.pop();
  }
}
