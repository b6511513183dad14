/**
 * Options objects, checked one way everywhere they are taken (layers, optimizers, schedules,
 * losses, metrics, callbacks, compile / fit / evaluate / predict, the command line): an unknown
 * key is refused with the function's name, the key, and the keys it knows, because a typo such as
 * `kernel_initializer` or `batch_size` would otherwise be ignored and train something else.
 */
import { ArgumentError, describe } from './errors.js';

/**
 * `options` as a record after checking that it is a plain object whose keys are all in `known`.
 * `undefined` reads as `{}` (no options given). `example` shows a valid call in the error for a
 * non-object.
 */
export function checkOptions(
  fn: string,
  options: unknown,
  known: readonly string[],
  example?: string,
): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(
      `${fn}: got options ${describe(options)}; expected an object${example ? ` like ${example}` : ''} with some of: ${known.join(', ') || '(none)'}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw unknownOptionError(fn, key, known);
  }
  return options as Record<string, unknown>;
}

/**
 * The error for an unknown option `key` of `fn`: names both, lists the known options, and points
 * at the one meant when the key is another spelling of it (snake_case, other capitals).
 */
export function unknownOptionError(fn: string, key: string, known: readonly string[]): ArgumentError {
  const plain = (k: string): string => k.replace(/^-+/, '').replace(/[_-]/g, '').toLowerCase();
  const meant = known.find((k) => plain(k) === plain(key));
  const hint = meant !== undefined ? ` (did you mean '${meant}'?)` : '';
  return new ArgumentError(`${fn}: unknown option '${key}'${hint}; known options: ${known.join(', ') || '(none)'}`);
}
