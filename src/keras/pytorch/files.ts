/**
 * The PyTorch hand-off on disk (Node-only). An export folder holds:
 *
 *   model.py            the generated nn.Module (with a safetensors reader if the package is absent)
 *   model.safetensors   the weights under PyTorch's state-dict names and layouts
 *   tessera-model.json  the tessera architecture, so `importPytorch` can rebuild the model
 *
 * Continue training in PyTorch, save the state dict with `save_file`, and `importPytorch(dir,
 * { weights })` returns a tessera model with those weights.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { parseSafetensors, serializeSafetensors } from '../../io/safetensors.js';
import type { AnyModule } from '../../nn/module.js';
import { layerFromConfig, layerToConfig } from '../../nn/registry.js';
import { ArgumentError, FormatError } from '../../util/errors.js';
import { Model } from '../model.js';
import {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  modelFromConfig,
  modelToConfig,
  type SavedModelConfig,
} from '../serialize.js';
import { fromPytorch, hasPytorchModelForm, toPytorch } from './convert.js';

export const PYTORCH_SOURCE_FILE = 'model.py';
export const PYTORCH_WEIGHTS_FILE = 'model.safetensors';
export const TESSERA_CONFIG_FILE = 'tessera-model.json';

export interface PytorchExportResult {
  dir: string;
  files: string[];
  className: string;
  tensors: number;
}

/**
 * Write `model` (a Sequential, or a model with a registered PyTorch form such as the zoo's GPT) as
 * a PyTorch module + state dict into `dir` (created if needed).
 */
export function exportPytorch(
  model: AnyModule,
  dir: string,
  options: { className?: string } = {},
): PytorchExportResult {
  if (typeof dir !== 'string' || dir === '')
    throw new ArgumentError(`exportPytorch: got folder ${JSON.stringify(dir)}; expected a path`);
  const { source, stateDict, className } = toPytorch(model, options);
  const config = architecture(model);
  const files = [PYTORCH_WEIGHTS_FILE, PYTORCH_SOURCE_FILE, TESSERA_CONFIG_FILE].map((f) => join(dir, f));
  writeFileAtomic(files[0], serializeSafetensors(stateDict, { format: 'pt' }));
  writeFileAtomic(files[1], source);
  writeFileAtomic(files[2], `${JSON.stringify(config, null, 2)}\n`);
  return { dir, files, className, tensors: Object.keys(stateDict).length };
}

/** tessera-model.json: a Model's saved config; a whole model (its form registered) as its layer config. */
function architecture(model: AnyModule): SavedModelConfig {
  if (model instanceof Model) return modelToConfig(model);
  const { className, config } = layerToConfig(model);
  return { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, className, config, inputShape: null, compile: null };
}

function readFile(fn: string, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ArgumentError(
      `${fn}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}); expected ${what}`,
    );
  }
}

/**
 * The tessera model of an export folder, with PyTorch weights: `weights` (a safetensors state dict
 * saved in PyTorch, default the folder's own model.safetensors) under the exported names. The
 * model is of the class tessera-model.json names: a Model for an exported Sequential, the
 * registered class for a whole model (`importPytorch<GPT>(dir)`).
 */
export function importPytorch<M extends AnyModule = Model>(dir: string, options: { weights?: string } = {}): M {
  const fn = 'importPytorch';
  const configPath = join(dir, TESSERA_CONFIG_FILE);
  let json: unknown;
  try {
    json = JSON.parse(
      readFile(fn, configPath, `the ${TESSERA_CONFIG_FILE} that tessera export pytorch writes`).toString('utf8'),
    );
  } catch (error) {
    if (error instanceof ArgumentError) throw error;
    throw new FormatError(`${fn}: ${configPath} is not valid JSON (${(error as Error).message})`);
  }
  const model = wholeModel(json) ?? modelFromConfig(json, `${fn}: ${configPath}`);
  const weightsPath = options.weights ?? join(dir, PYTORCH_WEIGHTS_FILE);
  const bytes = readFile(fn, weightsPath, 'a safetensors state dict (save_file(model.state_dict(), path))');
  const { tensors } = parseSafetensors(bytes, { source: weightsPath });
  fromPytorch(model, tensors, `${fn}: ${weightsPath}`);
  return model as M;
}

/** A whole model (its class has a registered PyTorch form) from tessera-model.json; null for a saved Model. */
function wholeModel(json: unknown): AnyModule | null {
  const saved = json as Partial<SavedModelConfig> | null;
  if (saved?.format !== MODEL_FORMAT || typeof saved.className !== 'string' || !hasPytorchModelForm(saved.className))
    return null;
  return layerFromConfig({ className: saved.className, config: saved.config ?? {} });
}
