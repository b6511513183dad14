/**
 * Whether ops record themselves for autograd. Lives at the tensor floor so that ops can read it
 * without importing autograd; `noGrad()` in autograd flips it.
 */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Set the mode and return the previous one, so callers can restore it in `finally`. */
export function setGradEnabled(value: boolean): boolean {
  const previous = enabled;
  enabled = value;
  return previous;
}
