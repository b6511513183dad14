/**
 * The layer registry (one of the four, with losses, metrics and optimizers; see util/registry.ts):
 * how a model is saved as data (no code) and rebuilt. A layer becomes
 * `{ className, config, buildInputShape? }` — its registered name, the options of its constructor
 * as plain JSON (`getConfig()`), and the input shape it was built for — and `layerFromConfig`
 * turns that back into a layer with weights of the same shapes, ready for `loadStateDict`.
 *
 * Built-in layers register themselves. A custom layer is saved only once registered:
 *
 * ```ts
 * class Scale extends Module {
 *   constructor(readonly factor: number) { super(); }
 *   forward(x: Tensor): Tensor { return x.mul(this.factor); }
 *   override getConfig() { return { ...super.getConfig(), factor: this.factor }; }
 * }
 * registerLayer('Scale', (config) => new Scale(config.factor as number), { layerClass: Scale });
 * ```
 *
 * A layer is known by the name registered together with its class (`layerClass`), else by its
 * constructor's name; passing `layerClass` keeps names stable when a bundler renames classes.
 */
import { ArgumentError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';
import { Registry } from '../util/registry.js';
import { classNameOf, nameClass } from '../util/class-names.js';
import { Module, type AnyModule } from './module.js';

export type LayerFactory = (config: Record<string, unknown>) => AnyModule;

/** A layer as data: what `layerToConfig` returns and `layerFromConfig` takes (plain JSON). */
export interface LayerConfig {
  className: string;
  config: Record<string, unknown>;
  /** The input shape (batch axis null) the layer's weights were built for, when known. */
  buildInputShape?: (number | null)[];
}

export interface RegisterLayerOptions {
  /** The layer's class, so instances are known by `className` whatever their constructor is called. */
  layerClass?: abstract new (
    ...args: never[]
  ) => AnyModule;
  /** Replace an existing registration of the same name instead of refusing it. */
  override?: boolean;
}

const LAYERS = new Registry<LayerFactory>('layer class', 'registerLayer');

/** Make `className` buildable from a config; `factory(config)` returns a new, unbuilt-or-built layer. */
export function registerLayer(className: string, factory: LayerFactory, options: RegisterLayerOptions = {}): void {
  const fn = 'registerLayer';
  const o = checkOptions(fn, options, ['layerClass', 'override']) as RegisterLayerOptions;
  if (typeof factory !== 'function')
    throw new ArgumentError(
      `${fn}: got factory ${describe(factory)} for "${className}"; expected a function (config) => layer`,
    );
  LAYERS.register(className, factory, { override: o.override });
  if (o.layerClass !== undefined) nameClass(o.layerClass, className);
}

/** Names that `layerFromConfig` knows, sorted. */
export function registeredLayers(): string[] {
  return LAYERS.names();
}

/** The registered name of a layer's class; a clear error when it has none. */
export function layerClassName(layer: AnyModule): string {
  const name = classNameOf(layer);
  if (!LAYERS.has(name)) {
    throw new ArgumentError(
      `layerToConfig: the layer class "${name}" is not registered, so a saved model could not rebuild it. ` +
        `Register it once: registerLayer('${name}', (config) => new ${name}(...), { layerClass: ${name} }), ` +
        'and give it a getConfig() that returns its constructor options as plain JSON',
    );
  }
  return name;
}

/** A layer as data: its registered class name, its config, and the shape it was built for. */
export function layerToConfig(layer: AnyModule): LayerConfig {
  if (!(layer instanceof Module))
    throw new ArgumentError(`layerToConfig: got ${describe(layer)}; expected a Module (a layer)`);
  const className = layerClassName(layer);
  const config = layer.getConfig();
  checkPlainJson(`${className}.getConfig()`, config, 'config');
  const out: LayerConfig = { className, config };
  if (layer.buildInputShape !== null) out.buildInputShape = [...layer.buildInputShape];
  return out;
}

/** Rebuild a layer from `layerToConfig`'s output (or its JSON parsed back). */
export function layerFromConfig(data: LayerConfig): AnyModule {
  const fn = 'layerFromConfig';
  if (data === null || typeof data !== 'object' || typeof data.className !== 'string') {
    throw new ArgumentError(`${fn}: got ${describe(data)}; expected { className: string, config: object }`);
  }
  const { className, config = {}, buildInputShape } = data;
  if (!LAYERS.has(className)) {
    throw new ArgumentError(
      `${fn}: unknown layer class "${className}"; expected one of ${registeredLayers().join(', ')} ` +
        `(a custom layer must be registered with registerLayer('${className}', factory) before loading)`,
    );
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ArgumentError(
      `${fn}: the config of "${className}" is ${describe(config)}; expected an object of options`,
    );
  }
  const layer = LAYERS.get(fn, className)(config);
  if (!(layer instanceof Module))
    throw new ArgumentError(`${fn}: the factory for "${className}" returned ${describe(layer)}; expected a Module`);
  // build() is also called on layers built by their config: it checks the shapes agree and records them.
  if (buildInputShape !== undefined && buildInputShape !== null) layer.build(buildInputShape);
  return layer;
}

/** Refuse what JSON would silently drop or mangle (functions, undefined, NaN, class instances). */
function checkPlainJson(fn: string, value: unknown, path: string): void {
  const bad = (what: string): never => {
    throw new ArgumentError(
      `${fn}: ${path} is ${what}; expected plain JSON (numbers, strings, booleans, null, arrays, plain objects)`,
    );
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) bad(String(value));
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkPlainJson(fn, v, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      bad(`an instance of ${(value as object).constructor?.name ?? 'a class'}`);
    for (const [k, v] of Object.entries(value)) checkPlainJson(fn, v, `${path}.${k}`);
    return;
  }
  bad(typeof value === 'function' ? 'a function' : typeof value);
}
