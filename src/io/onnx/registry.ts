/**
 * The ONNX mapping registry: for each layer class (by the name the layer registry knows it by,
 * see nn/registry.ts), how one call of such a layer is written as ONNX nodes. The built-in layers'
 * mappings are registered in ./activations.ts, ./layers.ts and ./recurrent.ts; a custom layer is
 * exported once it has one:
 *
 * ```ts
 * registerOnnxMapping<Scale>('Scale', (layer, [x], g, site) =>
 *   g.op('Mul', [x.name, g.scalar(layer.factor, `${site.path}.factor`)]));
 * ```
 *
 * Containers (Sequential, a Model or Module whose forward calls its children) need none: the
 * exporter follows the calls into their children. Why a registry here rather than an `onnx()`
 * method on each layer: the export is one concern of the io floor, and the layers (nn, below it)
 * stay free of a file format, as they are of safetensors.
 */
import type { AnyModule } from '../../nn/module.js';
import { layerClassName } from '../../nn/registry.js';
import { ArgumentError } from '../../util/errors.js';
import { Registry } from '../../util/registry.js';
import type { OnnxGraph, OnnxValue } from './graph.js';
import { classNameOf } from '../../util/class-names.js';

/** Where a mapping is writing: the layer's dotted path in the model and its class name, for messages and names. */
export interface OnnxSite {
  path: string;
  className: string;
  /** The call's arguments beside its tensors (options, masks), for a mapping registered with `readsOptions`. */
  options?: readonly unknown[];
}

/** Write one call of `layer` on `inputs` into `g`; returns the name of the output value. */
export type OnnxMapping<M extends AnyModule = AnyModule> = (
  layer: M,
  inputs: readonly OnnxValue[],
  g: OnnxGraph,
  site: OnnxSite,
) => string;

export interface OnnxMappingEntry {
  map: OnnxMapping;
  /** The element type of the layer's input when it is the model's input (Embedding: int32 ids). */
  inputDType: 'float32' | 'int32';
  /** The mapping reads the call's other arguments (site.options) itself; otherwise any that say something are refused. */
  readsOptions: boolean;
}

export interface RegisterOnnxMappingOptions {
  /** Other layer classes written the same way (a subclass registered under its own name). */
  aliases?: readonly string[];
  /** The element type of the model's input when this layer comes first (default float32). */
  inputDType?: 'float32' | 'int32';
  /** The mapping checks the call's non-tensor arguments (site.options); default false: calls with any are refused. */
  readsOptions?: boolean;
  override?: boolean;
}

const MAPPINGS = new Registry<OnnxMappingEntry>('ONNX mapping', 'registerOnnxMapping');

/** Make layers of class `className` exportable to ONNX. */
export function registerOnnxMapping<M extends AnyModule>(
  className: string,
  map: OnnxMapping<M>,
  options: RegisterOnnxMappingOptions = {},
): void {
  if (typeof map !== 'function')
    throw new ArgumentError(`registerOnnxMapping: got a ${typeof map} for "${className}"; expected a function`);
  const entry: OnnxMappingEntry = {
    map: map as OnnxMapping,
    inputDType: options.inputDType ?? 'float32',
    readsOptions: options.readsOptions ?? false,
  };
  MAPPINGS.register(className, entry, { aliases: options.aliases, override: options.override });
}

/** Layer classes with an ONNX mapping, sorted. */
export function onnxMappedLayers(): string[] {
  return MAPPINGS.allNames();
}

/** The layer's class name (registered name, else its constructor's) and its mapping, or null. */
export function onnxMappingOf(layer: AnyModule): { className: string; entry: OnnxMappingEntry | null } {
  let className: string;
  try {
    className = layerClassName(layer);
  } catch {
    className = classNameOf(layer); // not in the layer registry: a custom layer or container
  }
  const canonical = MAPPINGS.canonical(className);
  return { className, entry: canonical === undefined ? null : MAPPINGS.get('onnxMappingOf', canonical) };
}

/** Write a call of `layer` (a part of a composite layer) with its own mapping; an error when it has none. */
export function emitLayer(layer: AnyModule, inputs: readonly OnnxValue[], g: OnnxGraph, site: OnnxSite): string {
  const { className, entry } = onnxMappingOf(layer);
  const at = { ...site, className };
  if (entry === null) throw unsupported(at, 'has no ONNX mapping, so there is no ONNX op for what it computes');
  return entry.map(layer, inputs, g, at);
}

/** The error for a layer the export cannot write: names the layer, where it is, and what is missing. */
export function unsupported(site: OnnxSite, what: string): ArgumentError {
  const where = site.path === '' ? 'the model' : `layer "${site.path}"`;
  return new ArgumentError(`toOnnx: ${where} (${site.className}) ${what}`);
}
