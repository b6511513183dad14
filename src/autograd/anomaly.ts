/**
 * Anomaly detection, like PyTorch's `detect_anomaly`: while it is on, every op's output is checked
 * for NaN and every gradient an op's backward produces for NaN and ±∞; the first one found throws
 * an AnomalyError naming the op, forward or backward, and the layer that ran it. (A forward −∞ is
 * often meant — attention masks, log(0) of a padded entry — so only NaN counts there; an overflow
 * to ∞ is caught at the op that turns it into NaN, or in backward.) It is a debugging
 * mode: each check is a few ops plus a read of one number to the host, so a step runs several
 * times slower (and on WebGPU the synchronous read is refused: debug on a CPU backend).
 * @example detectAnomaly(() => { const loss = lossFn(model.call(x), y); loss.backward(); });
 */
import { noGrad } from './mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { setAnomalyChecker, anomalyChecker, type AnomalyChecker } from '../tensor/anomaly.js';
import { cast, isNaN as isNaNOp, sub } from '../ops/elementwise.js';
import { argmax, sum } from '../ops/reduce.js';
import { reshape } from '../ops/movement.js';
import { GradError, describe } from '../util/errors.js';

/** A NaN or ±∞ found by anomaly detection; `op`, `phase` and `layer` say where. */
export class AnomalyError extends GradError {
  constructor(
    message: string,
    readonly op: string,
    readonly phase: 'forward' | 'backward',
    readonly layer: string | null,
  ) {
    super(message);
  }
}

let checking = false;

const check: AnomalyChecker = (phase, op, layer, tensors, inputs = []) => {
  // The check runs ops itself, which must not be checked (nor recorded) in turn.
  if (checking) return;
  checking = true;
  try {
    noGrad(() =>
      tensors.forEach((t, i) => t && t.dtype === 'float32' && t.size > 0 && inspect(phase, op, layer, t, i, inputs)),
    );
  } finally {
    checking = false;
  }
};

const nanCount = (t: Tensor): number => (t.dtype === 'float32' ? sum(cast(isNaNOp(t), 'float32')).item() : 0);

function inspect(
  phase: 'forward' | 'backward',
  op: string,
  layer: string | null,
  t: Tensor,
  input: number,
  inputs: readonly Tensor[],
): void {
  // Backward: x − x is NaN exactly where x is NaN or ±∞, one mask of the non-finite entries.
  const bad = cast(isNaNOp(phase === 'forward' ? t : sub(t, t)), 'float32');
  const count = sum(bad).item();
  if (count === 0) return;
  const at = argmax(reshape(bad, [t.size])).item();
  const nans = nanCount(t);
  const given = inputs.findIndex((x) => nanCount(x) > 0);
  const what =
    phase === 'forward'
      ? `the output of op "${op}"`
      : `the gradient that op "${op}"'s backward sent to its input ${input}`;
  const kinds = [nans > 0 ? `${nans} NaN` : '', count > nans ? `${count - nans} infinite` : ''].filter(Boolean);
  throw new AnomalyError(
    `detectAnomaly: ${what}${layer === null ? '' : ` in layer ${layer}`} holds ${kinds.join(' and ')} of ${t.size} values (shape ${describe(t.shape)}; the first at flat index ${at}); expected finite values.${
      given >= 0
        ? ` Its input ${given} already held NaN: it came from outside the recorded ops (the data, a parameter, a tensor made with noGrad).`
        : ` This ${phase === 'forward' ? 'op' : "op's backward"} is the first to produce one.`
    }`,
    op,
    phase,
    layer,
  );
}

/** Turn anomaly detection on or off for everything that follows; returns whether it was on. */
export function setAnomalyDetection(on: boolean): boolean {
  return setAnomalyChecker(on ? check : null) !== null;
}

export function isAnomalyDetectionEnabled(): boolean {
  return anomalyChecker() !== null;
}

/**
 * Run `fn` with anomaly detection on, then restore the previous setting; when `fn` returns a
 * promise (an async training loop such as `fit`), the setting is restored once it settles.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = setAnomalyDetection(true);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    setAnomalyDetection(previous);
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => setAnomalyDetection(previous)) as T;
  setAnomalyDetection(previous);
  return result;
}
