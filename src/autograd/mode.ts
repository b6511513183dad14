/** Switching gradient recording off and on for a block of code. */
import { setGradEnabled } from '../tensor/grad-mode.js';

/**
 * Run `fn` without recording a graph: for inference and for in-place parameter updates.
 * Returns what `fn` returns; the previous mode is restored even if it throws.
 * @example const logits = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}

/** Run `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const previous = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(previous);
  }
}
