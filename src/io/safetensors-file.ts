/** safetensors files on disk (Node-only): atomic saves, validated loads. */
import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic.js';
import { parseSafetensors, serializeSafetensors, type Safetensors } from './safetensors.js';

/**
 * Write tensors to `path` atomically (temp file, fsync, rename): a crash never leaves a
 * half-written weights file behind.
 * @example saveSafetensors('model.safetensors', model.stateDict(), { format: 'pt' })
 */
export function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** Read and validate a safetensors file; errors name the file. */
export function loadSafetensors(path: string): Safetensors {
  return parseSafetensors(readFileSync(path), { source: path });
}
