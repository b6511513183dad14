/**
 * The checkpoint folder of a pre-training run, shared by the GPT and BERT trainers (Node-only):
 * config.json (the model's config), model.safetensors, tokenizer.json, optimizer.safetensors
 * (AdamW's moments) and trainer.json (the run's own state, with the optimizer's scalars and
 * groups under `optimizer`), written as one generation of a checkpoint folder
 * (io/checkpoint-dir.ts), so a kill at any instant leaves a loadable checkpoint. `what` names the
 * kind of checkpoint in errors ("GPT checkpoint", "BERT checkpoint").
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { type TextTokenizer, loadTokenizer, saveTokenizer } from '../data/text/tokenizer-file.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors-file.js';
import { isCheckpointDir, latestCheckpoint, writeCheckpointDir } from '../io/checkpoint-dir.js';
import { joinOptimizerState, splitOptimizerState, type OptimizerMeta } from '../io/optimizer-file.js';
import { ArgumentError, FormatError } from '../util/errors.js';

/** What saving and loading need of a model, whatever its call signature. */
type Weighted = Pick<Module, 'stateDict' | 'loadStateDict'>;

/** The files a trained model needs (inference), and those a resumable run adds. */
export const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;
export const CHECKPOINT_FILES = [...MODEL_FILES, 'optimizer.safetensors', 'trainer.json'] as const;

/** What every trainer keeps in trainer.json (and more of its own). */
export interface TrainerStateBase {
  step: number;
  settings: unknown;
  optimizer: OptimizerMeta;
}

export function readCheckpointJson(dir: string, file: string, what: string): unknown {
  const path = join(dir, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FormatError(`${what}: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * The folder holding the files: the latest generation of a checkpoint folder, or `dir` itself (a
 * plain folder of the files, as older versions wrote). Missing files are named.
 */
export function checkpointFolder(dir: string, files: readonly string[], what: string): string {
  if (!existsSync(dir)) throw new ArgumentError(`${what}: folder ${dir} does not exist`);
  const folder = isCheckpointDir(dir) ? latestCheckpoint(dir, what) : dir;
  if (folder === null) throw new ArgumentError(`${what}: ${dir} holds no checkpoint yet`);
  const missing = files.filter((f) => !existsSync(join(folder, f)));
  if (missing.length > 0)
    throw new FormatError(
      `${what}: ${folder} is missing ${missing.join(', ')}; expected a checkpoint folder holding ${files.join(', ')}`,
    );
  return folder;
}

/** config.json, model.safetensors and tokenizer.json (MODEL_FILES). */
export function writeModelFiles(folder: string, config: object, model: Weighted, tokenizer: TextTokenizer): void {
  writeFileAtomic(join(folder, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  saveSafetensors(join(folder, 'model.safetensors'), model.stateDict(), { format: 'pt' });
  saveTokenizer(tokenizer, join(folder, 'tokenizer.json'));
}

/** Write one resumable generation: the model files, the optimizer's moments and trainer.json. */
export function writeTrainingCheckpoint(
  dir: string,
  parts: { config: object; model: Weighted; tokenizer: TextTokenizer; optimizer: OptimizerStateDict },
  trainer: Omit<TrainerStateBase, 'optimizer'> & Record<string, unknown>,
  fn: string,
): string {
  return writeCheckpointDir(
    dir,
    (tmp) => {
      writeModelFiles(tmp, parts.config, parts.model, parts.tokenizer);
      const { moments, meta } = splitOptimizerState(parts.optimizer);
      saveSafetensors(join(tmp, 'optimizer.safetensors'), moments);
      writeFileAtomic(join(tmp, 'trainer.json'), `${JSON.stringify({ ...trainer, optimizer: meta })}\n`);
    },
    fn,
  );
}

/** Weights into a model of the folder's config; a different architecture is named. */
export function loadCheckpointWeights(
  dir: string,
  model: Weighted & { config: object },
  weights: Record<string, Tensor>,
  what: string,
): void {
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw new FormatError(
      `${what}: ${join(dir, 'model.safetensors')} does not fit the architecture in ${join(dir, 'config.json')} (${JSON.stringify(model.config)}): ${(e as Error).message}`,
    );
  }
}

export interface TrainingCheckpoint<T extends TrainerStateBase> {
  folder: string;
  /** config.json as read (the caller checks it). */
  config: unknown;
  tokenizer: TextTokenizer;
  weights: Record<string, Tensor>;
  /** The optimizer's state dict, moments and scalars joined again. */
  optimizer: OptimizerStateDict;
  trainer: T;
}

/** Everything a resumable generation holds; errors name the missing or damaged file. */
export function readTrainingCheckpoint<T extends TrainerStateBase>(
  checkpoint: string,
  what: string,
): TrainingCheckpoint<T> {
  const dir = checkpointFolder(checkpoint, CHECKPOINT_FILES, what);
  const config = readCheckpointJson(dir, 'config.json', what);
  const tokenizer = loadTokenizer(join(dir, 'tokenizer.json'));
  const trainer = readCheckpointJson(dir, 'trainer.json', what) as T;
  if (!trainer || typeof trainer !== 'object' || !Number.isInteger(trainer.step) || !trainer.settings)
    throw new FormatError(`${what}: ${join(dir, 'trainer.json')} has no step and settings; expected a trainer state`);
  const moments = loadSafetensors(join(dir, 'optimizer.safetensors')).tensors;
  return {
    folder: dir,
    config,
    tokenizer,
    weights: loadSafetensors(join(dir, 'model.safetensors')).tensors,
    optimizer: joinOptimizerState(trainer.optimizer, moments, `${what}: optimizer.safetensors`),
    trainer,
  };
}
