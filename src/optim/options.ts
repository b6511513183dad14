/**
 * Checking optimizer and schedule options. Each optimizer declares, per option, a default and a
 * check; unknown keys (through the one options check, util/options.ts) and out-of-range values are
 * refused up front with the optimizer's name, the option, what it got and what it expected,
 * because a typo like `weight_decay` or a negative lr otherwise trains silently to a wrong result.
 */
import { ArgumentError, describe } from '../util/errors.js';
import { unknownOptionError } from '../util/options.js';

/** A hyper-parameter value: plain data, so groups serialise as they are. */
export type OptionValue = number | boolean | readonly number[];

/** Returns null when `value` is acceptable, else a description of what was expected. */
export type Check = (value: unknown) => string | null;

export interface OptionSpec<O> {
  /** Options left out fall back to these; a key with no default is required. */
  defaults: Partial<O>;
  checks: { [K in keyof O]: Check };
  /**
   * Rules across options (e.g. Nesterov needs momentum); throws an ArgumentError naming `owner`.
   * Method syntax on purpose: it keeps Optimizer<SGDOptions> assignable to Optimizer<BaseOptions>.
   */
  validate?(options: O, owner: string): void;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const nonNegative: Check = (v) => (isNumber(v) && v >= 0 ? null : 'a finite number >= 0');
export const positive: Check = (v) => (isNumber(v) && v > 0 ? null : 'a finite number > 0');
export const flag: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
export const positiveInteger: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'an integer > 0');
export const unitOpen: Check = (v) => (isNumber(v) && v >= 0 && v < 1 ? null : 'a number in [0, 1)');
export const unitClosed: Check = (v) => (isNumber(v) && v >= 0 && v <= 1 ? null : 'a number in [0, 1]');

/** Adam's (beta1, beta2): both in [0, 1), or the bias corrections divide by zero. */
export const betaPair: Check = (v) =>
  Array.isArray(v) && v.length === 2 && v.every((b) => unitOpen(b) === null)
    ? null
    : 'two numbers [beta1, beta2], each in [0, 1)';

/** Refuse a value that fails its check, naming the owner and the option. */
export function checkOption(owner: string, key: string, value: unknown, check: Check): void {
  const expected = check(value);
  if (expected !== null) {
    throw new ArgumentError(`${owner}: option "${key}" got ${describe(value)}; expected ${expected}`);
  }
}

/**
 * `given` over `base`, every key known, present and checked. `ignore` lists keys that belong to
 * the caller (a parameter group's `params`) and are neither checked nor copied.
 */
export function resolveOptions<O extends object>(
  owner: string,
  spec: OptionSpec<O>,
  base: Partial<O>,
  given: object | undefined,
  ignore: readonly string[] = [],
): O {
  if (given !== undefined && (given === null || typeof given !== 'object')) {
    throw new ArgumentError(`${owner}: options got ${describe(given)}; expected an object such as { lr: 0.01 }`);
  }
  const known = Object.keys(spec.checks);
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(given ?? {})) {
    if (ignore.includes(key)) continue;
    if (!known.includes(key)) throw unknownOptionError(owner, key, known);
    if (value === undefined) continue;
    checkOption(owner, key, value, (spec.checks as Record<string, Check>)[key]);
    out[key] = Array.isArray(value) ? Object.freeze([...value]) : value;
  }
  for (const key of known) {
    if (out[key] === undefined) {
      throw new ArgumentError(
        `${owner}: option "${key}" is required; expected ${(spec.checks as Record<string, Check>)[key](undefined)}`,
      );
    }
  }
  spec.validate?.(out as O, owner);
  return out as O;
}
