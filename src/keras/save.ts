/**
 * Models on disk (Node-only; the only file of keras/ that touches the file system). A saved model
 * is a folder:
 *
 *   dir/config.json        { format: 'tessera-model', version: 1, className, config, inputShape, compile }
 *   dir/model.safetensors  the state dict (parameters and buffers), named by state-dict keys
 *   dir/history.json       the last fit's History and run facts (history.toJSON()), when it was trained
 *
 * The folder is written whole beside the target and swapped in (io/folders.ts), so a kill at any
 * moment leaves the previous model or the new one, never new weights beside an old config; a
 * folder left aside by a kill mid-swap is put back by the next load or save. Loading checks
 * everything and names the file at fault.
 */
import { closeSync, openSync, readFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { ensureDir, recoverFolder, tempTag, writeFolderAtomic } from '../io/folders.js';
import { parseSafetensors, type Safetensors } from '../io/safetensors.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import type { Model } from './model.js';
import { type History, historyFromJson } from './history.js';
import { loadWeightsInto, modelFromConfig, modelToArtifacts, weightsToBytes } from './serialize.js';
import { installNodeFiles } from './training.js';
import { loadTrainingCheckpoint, removeCheckpoint, saveTrainingCheckpoint } from './checkpoint.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const HISTORY_FILE = 'history.json';
/** The files model.save writes; a folder holding others is not a model folder. */
const MODEL_FILES: readonly string[] = [CONFIG_FILE, WEIGHTS_FILE, HISTORY_FILE];

/**
 * Write `dir/config.json`, `dir/model.safetensors` and (when the model was trained) the History
 * of its last fit as `dir/history.json`, as one folder swapped in whole. A folder holding anything
 * else is refused: the swap would drop those files.
 */
export function saveModel(model: Model, dir: string): void {
  const fn = 'saveModel';
  if (typeof dir !== 'string' || dir === '')
    throw new ArgumentError(`${fn}: got ${describe(dir)}; expected the path of a folder to write the model into`);
  const { config, weights } = modelToArtifacts(model);
  const history = model.history !== null && model.history.epoch.length > 0 ? model.history : null;
  recoverFolder(dir);
  const k = kind(dir);
  if (k === 'file') throw new ArgumentError(`${fn}: ${dir} is a file; expected a folder (or nothing) there`);
  if (k === 'dir') {
    const other = readdirSync(dir).filter((f) => !MODEL_FILES.includes(f) && !f.startsWith('.'));
    if (other.length > 0)
      throw new ArgumentError(
        `${fn}: ${dir} holds ${describe(other.slice(0, 5))} besides a model; expected a new folder or one written by model.save (saving replaces the whole folder)`,
      );
  }
  writeFolderAtomic(
    dir,
    (tmp) => {
      writeFileAtomic(join(tmp, WEIGHTS_FILE), weights);
      writeFileAtomic(join(tmp, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
      if (history !== null) writeFileAtomic(join(tmp, HISTORY_FILE), `${JSON.stringify(history.toJSON())}\n`);
    },
    fn,
  );
}

/**
 * Check, before a long training run, that `saveModel(model, dir)` can succeed at its end: a
 * non-empty path, not a file, no other files in the folder, no model there unless `overwrite`,
 * and a parent folder that exists (it is created) and takes files.
 */
export function checkModelDestination(fn: string, dir: unknown, options: { overwrite?: boolean } = {}): void {
  if (typeof dir !== 'string' || dir === '')
    throw new ArgumentError(`${fn}: got out=${describe(dir)}; expected the path of a folder to save the model in`);
  recoverFolder(dir);
  const k = kind(dir);
  if (k === 'file')
    throw new ArgumentError(`${fn}: ${dir} is a file; expected a folder (or nothing) to save the model in`);
  if (k === 'dir') {
    const names = readdirSync(dir).filter((f) => !f.startsWith('.'));
    const other = names.filter((f) => !MODEL_FILES.includes(f));
    if (other.length > 0)
      throw new ArgumentError(
        `${fn}: ${dir} holds ${describe(other.slice(0, 5))}; expected a new folder or one written by model.save (saving replaces the whole folder)`,
      );
    if (names.length > 0 && !options.overwrite)
      throw new ArgumentError(
        `${fn}: ${dir} already holds a saved model; pass overwrite (--overwrite) to replace it, or choose another folder`,
      );
  }
  const parent = dirname(resolve(dir));
  ensureDir(fn, parent);
  // The one way to know a folder takes files is to make one there.
  const probe = join(parent, `.${basename(resolve(dir))}.${tempTag()}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    throw new ArgumentError(
      `${fn}: cannot write in ${parent} (${(error as Error).message}); expected a folder that takes files`,
    );
  }
}

/** 'file', 'dir', or null when nothing is there. */
function kind(path: string): 'file' | 'dir' | null {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

function requireFile(fn: string, path: string, what: string): void {
  const k = kind(path);
  if (k === 'file') return;
  throw new ArgumentError(`${fn}: ${path} ${k === 'dir' ? 'is a folder' : 'does not exist'}; expected ${what}`);
}

function readWeights(fn: string, path: string): Safetensors {
  requireFile(fn, path, 'a safetensors weights file (written by model.save or model.saveWeights)');
  try {
    return parseSafetensors(readFileSync(path), { source: path });
  } catch (error) {
    if (error instanceof FormatError) error.message = `${fn}: ${error.message}`;
    throw error;
  }
}

/**
 * Rebuild a model saved by `model.save(dir)`: the architecture from config.json (through the
 * layer registry), then the weights with strict name and shape checks. Recompiled when the saved
 * compile settings were names; otherwise call compile before fit/evaluate.
 */
export function loadModel(dir: string): Model {
  const fn = 'loadModel';
  if (typeof dir !== 'string' || dir === '')
    throw new ArgumentError(`${fn}: got ${String(dir)}; expected the path of a folder written by model.save(dir)`);
  recoverFolder(dir);
  const k = kind(dir);
  if (k !== 'dir')
    throw new ArgumentError(
      `${fn}: ${dir} ${k === 'file' ? 'is a file' : 'does not exist'}; expected a folder written by model.save(dir), holding ${CONFIG_FILE} and ${WEIGHTS_FILE}`,
    );
  const configPath = join(dir, CONFIG_FILE);
  requireFile(fn, configPath, `the model's ${CONFIG_FILE}, written by model.save(dir)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new FormatError(
      `${fn}: ${configPath} is not valid JSON (${(error as Error).message}); expected the config written by model.save`,
    );
  }
  const model = modelFromConfig(json, `${fn}: ${configPath}`);
  const weightsPath = join(dir, WEIGHTS_FILE);
  loadWeightsInto(model, readWeights(fn, weightsPath).tensors, `${fn}: ${weightsPath}`);
  model.history = loadHistory(dir);
  return model;
}

/**
 * The History kept in a model folder (history.json, written by model.save after fit), or null
 * when the folder has none (a model saved before it was trained, or by an older tessera).
 */
export function loadHistory(dir: string): History | null {
  const path = join(dir, HISTORY_FILE);
  const text = readTextIfExists(path);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FormatError(
      `loadHistory: ${path} is not valid JSON (${(error as Error).message}); expected the history written by model.save`,
    );
  }
  return historyFromJson(json, `loadHistory: ${path}`);
}

/** Write the model's state dict to a safetensors file, atomically. */
export function saveWeights(model: Model, path: string): void {
  if (typeof path !== 'string' || path === '')
    throw new ArgumentError(`saveWeights: got ${describe(path)}; expected the path of a .safetensors file`);
  writeFileAtomic(path, weightsToBytes(model));
}

/** Load a safetensors file into the model; every name and shape must match. */
export function loadWeights(model: Model, path: string): void {
  loadWeightsInto(model, readWeights('loadWeights', path).tensors, `loadWeights: ${path}`);
}

// ------------------------------------------------------------------ text files, for CSVLogger

export function readTextIfExists(path: string): string | null {
  return kind(path) === 'file' ? readFileSync(path, 'utf8') : null;
}

export function writeTextAtomic(path: string, text: string): void {
  writeFileAtomic(path, text);
}

// Model.save / saveWeights / loadWeights and CSVLogger (browser-safe files) reach this code through
// training.ts, which never imports it: loading this module is what makes them work.
installNodeFiles({
  saveModel,
  saveWeights,
  loadWeights,
  readTextIfExists,
  writeTextAtomic,
  saveTrainingCheckpoint,
  loadTrainingCheckpoint,
  removeCheckpoint,
});
