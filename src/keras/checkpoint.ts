/**
 * Training checkpoints on disk (Node-only): one generation of a checkpoint folder
 * (io/checkpoint-dir.ts) holding
 *
 *   config.json            the model's architecture, as model.save writes it (when it has one)
 *   model.safetensors      the state dict
 *   optimizer.safetensors  the optimizer's moment buffers
 *   trainer.json           the optimizer's step counts and groups, and the run's position (fit-run.ts)
 *   manifest.json          the files and their sizes, written last
 *
 * so a generation folder is also a saved model that loadModel reads. Loading checks the
 * architecture against the model being trained and names the first layer that differs.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { latestCheckpoint, writeCheckpointDir } from '../io/checkpoint-dir.js';
import { writeFileAtomic } from '../io/atomic.js';
import { pathKind } from '../io/folders.js';
import { joinOptimizerState, splitOptimizerState, type OptimizerMeta } from '../io/optimizer-file.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors-file.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import { TRAINER_FORMAT, type TrainerRecord, type TrainingState } from './fit-run.js';
import type { Model } from './model.js';
import { modelToConfig, type SavedModelConfig } from './serialize.js';

const FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  trainer: 'trainer.json',
};

/** The config the model would be saved with, or null for a model that has none (an unregistered class). */
function configOf(model: Model): SavedModelConfig | null {
  try {
    return modelToConfig(model);
  } catch {
    return null;
  }
}

/** Write `state` as a new generation of the checkpoint folder `dir`; returns the generation's folder. */
export function saveTrainingCheckpoint(model: Model, dir: string, state: TrainingState): string {
  const config = configOf(model);
  return writeCheckpointDir(
    dir,
    (folder) => {
      if (config !== null) writeFileAtomic(join(folder, FILES.config), `${JSON.stringify(config, null, 2)}\n`);
      saveSafetensors(join(folder, FILES.weights), state.weights, { format: 'tessera' });
      const { moments, meta } = splitOptimizerState(state.optimizer);
      saveSafetensors(join(folder, FILES.optimizer), moments);
      writeFileAtomic(join(folder, FILES.trainer), `${JSON.stringify({ ...state.trainer, optimizer: meta })}\n`);
    },
    'saveTrainingCheckpoint',
  );
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new FormatError(`loadTrainingCheckpoint: ${path} is not valid JSON (${(error as Error).message})`);
  }
}

/** The first layer whose saved config differs from the model's, in words; null when none differs. */
function layerDifference(saved: SavedModelConfig, current: SavedModelConfig): string | null {
  if (saved.className !== current.className)
    return `the checkpoint holds a ${saved.className}; this model is a ${current.className}`;
  const a = (saved.config as { layers?: unknown[] }).layers;
  const b = (current.config as { layers?: unknown[] }).layers;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (JSON.stringify(a[i]) === JSON.stringify(b[i])) continue;
      const name = (l: unknown): string =>
        l === undefined
          ? 'nothing'
          : `${(l as { className?: string }).className} ${JSON.stringify((l as { config?: unknown }).config)}`;
      return `layer ${i} differs: the checkpoint has ${name(a[i])}; this model has ${name(b[i])}`;
    }
  }
  if (JSON.stringify(saved.inputShape) !== JSON.stringify(current.inputShape))
    return `the checkpoint was built for inputs ${describe(saved.inputShape)}; this model for ${describe(current.inputShape)}`;
  if (JSON.stringify(saved.config) !== JSON.stringify(current.config)) return 'the architectures differ';
  return null;
}

/**
 * The latest checkpoint in `dir` for `model` (null when there is none yet). A missing or truncated
 * file is named; a checkpoint of another architecture names the layer that differs.
 */
export function loadTrainingCheckpoint(model: Model, dir: string): TrainingState | null {
  const fn = 'loadTrainingCheckpoint';
  const folder = latestCheckpoint(dir, fn);
  if (folder === null) return null;
  const configPath = join(folder, FILES.config);
  const current = configOf(model);
  if (current !== null && pathKind(configPath) === 'file') {
    const difference = layerDifference(readJson(configPath) as SavedModelConfig, current);
    if (difference !== null)
      throw new ArgumentError(`${fn}: ${dir} is a checkpoint of another architecture: ${difference}`);
  }
  const read = (file: string): string => {
    const path = join(folder, file);
    if (pathKind(path) !== 'file') throw new FormatError(`${fn}: checkpoint file ${path} is missing`);
    return path;
  };
  const weights = loadSafetensors(read(FILES.weights)).tensors;
  const moments = loadSafetensors(read(FILES.optimizer)).tensors;
  const trainerPath = read(FILES.trainer);
  const record = readJson(trainerPath) as TrainerRecord & { optimizer: OptimizerMeta };
  if (record === null || typeof record !== 'object' || record.format !== TRAINER_FORMAT)
    throw new FormatError(`${fn}: ${trainerPath} is not a fit state; expected format "${TRAINER_FORMAT}"`);
  const { optimizer: meta, ...trainer } = record;
  // A weights file of another shape (a custom model with no config) is named here.
  const names = Object.keys(model.stateDict());
  const extra = Object.keys(weights).filter((k) => !names.includes(k));
  const missing = names.filter((k) => !(k in weights));
  if (extra.length > 0 || missing.length > 0)
    throw new ArgumentError(
      `${fn}: ${join(folder, FILES.weights)} is a checkpoint of another architecture: ${missing.length ? `missing ${describe(missing.slice(0, 5))}` : ''}${missing.length && extra.length ? ', ' : ''}${extra.length ? `unexpected ${describe(extra.slice(0, 5))}` : ''}`,
    );
  const optimizer = joinOptimizerState(meta, moments, `${fn}: ${join(folder, FILES.optimizer)}`);
  return { weights, optimizer, trainer: trainer as TrainerRecord };
}

/** Delete a checkpoint folder (BackupAndRestore's deleteCheckpoint, after a finished run). */
export function removeCheckpoint(dir: string): void {
  const kind = pathKind(dir);
  if (kind === null) return;
  if (kind === 'file' || pathKind(join(dir, 'latest')) !== 'file')
    throw new ArgumentError(`removeCheckpoint: ${dir} is not a checkpoint folder (no "latest" file); not removing it`);
  rmSync(dir, { recursive: true, force: true });
}
