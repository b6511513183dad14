/**
 * A model as data, without files (browser-safe): the architecture as a JSON config — layers as
 * `{ className, config }` through the layer registry, never code — and the weights as safetensors
 * bytes named by state-dict keys. `save.ts` writes these two artifacts to disk for Node.js; a
 * browser can store or fetch them and call `modelFromArtifacts`.
 */
import type { Tensor } from '../tensor/tensor.js';
import { layerFromConfig, layerToConfig } from '../nn/registry.js';
import { parseSafetensors, serializeSafetensors } from '../io/safetensors.js';
import { FormatError, TesseraError, ArgumentError, describe } from '../util/errors.js';
import { Loss } from '../nn/losses.js';
import type { NamedConfig } from '../util/registry.js';
import { Model, type CompileConfig } from './model.js';
// The registrations that configs refer to: every built-in layer registers itself when its module
// loads, so a config can name any of them however little of nn the caller imported; Sequential
// registers itself in ./sequential.js.
import '../nn/index.js';
import './sequential.js';

export const MODEL_FORMAT = 'tessera-model';
export const MODEL_FORMAT_VERSION = 1;

/** What config.json holds. */
export interface SavedModelConfig {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  className: string;
  config: Record<string, unknown>;
  /** The input shape the model was built for, batch axis null. */
  inputShape: (number | null)[] | null;
  /** The compile settings, when compiled with serialisable ones. */
  compile: CompileConfig | null;
}

export interface ModelArtifacts {
  config: SavedModelConfig;
  /** safetensors bytes of the state dict (parameters and buffers such as BatchNorm statistics). */
  weights: Uint8Array;
}

export function modelToConfig(model: Model): SavedModelConfig {
  const fn = 'modelToConfig';
  if (!(model instanceof Model))
    throw new ArgumentError(
      `${fn}: got ${describe(model)}; expected a Model (Sequential, a Model subclass, or Model.wrap(module))`,
    );
  if (!model.isBuilt()) {
    throw new ArgumentError(
      `${fn}: the model is not built yet, so it has no weights to save; give the first layer an inputShape, call model.build([null, ...]), or run it on data first`,
    );
  }
  const { className, config, buildInputShape } = layerToConfig(model);
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    className,
    config,
    inputShape: buildInputShape ?? null,
    compile: model.compileConfig,
  };
}

export function weightsToBytes(model: Model): Uint8Array {
  return serializeSafetensors(model.stateDict(), { format: 'tessera' });
}

export function modelToArtifacts(model: Model): ModelArtifacts {
  return { config: modelToConfig(model), weights: weightsToBytes(model) };
}

/** Prefix an error's message with where it happened, keeping its class. */
function within(source: string, error: unknown): unknown {
  if (error instanceof TesseraError) error.message = `${source}: ${error.message}`;
  return error;
}

/**
 * Rebuild a model from a config (config.json's content): checked format and version, layers
 * through the registry, weights created for the saved input shape, recompiled when the saved
 * compile settings allow. `source` names the file in errors.
 */
export function modelFromConfig(data: unknown, source = 'modelFromConfig'): Model {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new FormatError(
      `${source}: got ${describe(data)}; expected an object { format: "${MODEL_FORMAT}", version, className, config, … }`,
    );
  }
  const saved = data as Partial<SavedModelConfig>;
  if (saved.format !== MODEL_FORMAT) {
    throw new FormatError(
      `${source}: format is ${describe(saved.format)}; expected "${MODEL_FORMAT}" (a folder written by model.save)`,
    );
  }
  if (saved.version !== MODEL_FORMAT_VERSION) {
    throw new FormatError(
      `${source}: version is ${describe(saved.version)}; this tessera reads version ${MODEL_FORMAT_VERSION}`,
    );
  }
  if (typeof saved.className !== 'string' || saved.config === null || typeof saved.config !== 'object') {
    throw new FormatError(
      `${source}: got className ${describe(saved.className)} and config ${describe(saved.config)}; expected a class name and an object`,
    );
  }
  const inputShape = saved.inputShape ?? null;
  if (
    inputShape !== null &&
    (!Array.isArray(inputShape) || !inputShape.every((d) => d === null || (Number.isInteger(d) && d >= 0)))
  ) {
    throw new FormatError(
      `${source}: inputShape is ${describe(inputShape)}; expected an array of sizes (null for the batch axis) or null`,
    );
  }
  let model: unknown;
  try {
    model = layerFromConfig({
      className: saved.className,
      config: saved.config as Record<string, unknown>,
      buildInputShape: inputShape ?? undefined,
    });
  } catch (error) {
    throw within(source, error);
  }
  if (!(model instanceof Model)) {
    throw new FormatError(
      `${source}: className "${saved.className}" builds a ${describe((model as object)?.constructor?.name)}, not a Model; expected a saved model (Sequential, or a registered Model subclass)`,
    );
  }
  if (!model.isBuilt() && inputShape !== null) model.build(inputShape);
  if (saved.compile) compileFromConfig(model, saved.compile, source);
  return model;
}

function compileFromConfig(model: Model, compile: CompileConfig, source: string): void {
  // A loss or optimizer that was a function cannot be saved; the user compiles again then.
  if (compile.loss === null || compile.optimizer === null) return;
  // The saved names are the registries' names, which compile takes as they are.
  const loss = typeof compile.loss === 'string' ? compile.loss : lossFromConfig(compile.loss, source);
  try {
    const { clipNorm, globalClipNorm, clipValue } = compile;
    const clip = Object.fromEntries(
      Object.entries({ clipNorm, globalClipNorm, clipValue }).filter(([, v]) => v !== undefined),
    );
    model.compile({ optimizer: compile.optimizer, loss, metrics: compile.metrics ?? [], ...clip });
  } catch (error) {
    throw within(`${source}: the saved compile settings`, error);
  }
}

function lossFromConfig(data: unknown, source: string): Loss {
  const spec = data as Partial<NamedConfig> | null;
  if (spec === null || typeof spec !== 'object' || typeof spec.className !== 'string') {
    throw new FormatError(
      `${source}: the compile config has loss ${describe(data)}; expected a name or { className, config }`,
    );
  }
  return new Loss(spec.className, spec.config ?? {}, source);
}

/** Copy `tensors` into the model, refusing missing, unexpected or mis-shaped weights; names `source`. */
export function loadWeightsInto(model: Model, tensors: Record<string, Tensor>, source: string): void {
  try {
    model.loadStateDict(tensors, { strict: true });
  } catch (error) {
    throw within(`${source} does not fit the model`, error);
  }
}

export function modelFromArtifacts(config: unknown, weights: Uint8Array, options: { source?: string } = {}): Model {
  const source = options.source ?? 'modelFromArtifacts';
  const model = modelFromConfig(config, source);
  loadWeightsInto(model, parseSafetensors(weights, { source }).tensors, source);
  return model;
}
