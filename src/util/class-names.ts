/**
 * The names users see for classes (summary() rows, error messages, saved configs): registered with
 * the class, not read from `constructor.name`, which a minifying bundler rewrites — an esbuild
 * bundle printed `le (le)` for `conv2d (Conv2D)` and named errors after 'a'. Built-in layers are
 * named by the layer registry (`registerLayer(name, factory, { layerClass })`), optimizers by
 * theirs; other built-in classes call `nameClass` next to their definition. A class nobody named
 * (a user's own) falls back to its constructor's name: unminified user code keeps its names.
 */
const names = new WeakMap<object, string>();

/** A class, whatever its constructor's visibility (protected ones included). */
export interface AnyClass {
  readonly name: string;
  readonly prototype: unknown;
}

/** Give instances of exactly `cls` (not its subclasses) the name `name`. */
export function nameClass(cls: AnyClass, name: string): void {
  names.set(cls, name);
}

/** The name of a class: the registered one, else its own. */
export function nameOfClass(cls: AnyClass): string {
  return names.get(cls) ?? cls.name;
}

/** The name of `value`'s class: the registered one, else its constructor's name. */
export function classNameOf(value: object): string {
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  if (ctor === undefined) return 'Object';
  return names.get(ctor) ?? ctor.name ?? 'Object';
}
