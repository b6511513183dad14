/**
 * Checkpoint folders that a kill at any instant leaves loadable (Node-only). A checkpoint folder
 * holds generations and a pointer:
 *
 *   dir/gen-000007/       one complete checkpoint (its files, then manifest.json: names and sizes)
 *   dir/latest            "gen-000007", written atomically LAST: the commit of a save
 *
 * A save fills `.gen-000008.<pid>.<hex>.tmp`, renames it to gen-000008 (a folder rename is atomic),
 * rewrites `latest`, then prunes older generations. Killed before the pointer is rewritten, the
 * folder still points at the previous complete generation; killed while pruning, it points at the
 * new one. Leftovers (temporaries, generations nothing points at) are removed by the next save.
 */
import { readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';
import { ensureDir, pathKind, syncDirectory, tempTag, writerAlive } from './folders.js';

export const LATEST_FILE = 'latest';
export const MANIFEST_FILE = 'manifest.json';
const GENERATION = /^gen-(\d{6,})$/;

interface Manifest {
  format: 'tessera-checkpoint';
  generation: number;
  files: Record<string, number>;
}

function generationName(n: number): string {
  return `gen-${String(n).padStart(6, '0')}`;
}

/** The generation `latest` names, or null when the folder has no committed checkpoint. */
function pointedGeneration(dir: string): string | null {
  let text: string;
  try {
    text = readFileSync(join(dir, LATEST_FILE), 'utf8').trim();
  } catch {
    return null;
  }
  if (!GENERATION.test(text))
    throw new FormatError(
      `checkpoint: ${join(dir, LATEST_FILE)} holds ${describe(text.slice(0, 40))}; expected a generation name such as "gen-000001"`,
    );
  return text;
}

/** Remove temporaries of killed writers and generations other than `keep` (nothing points at them). */
function prune(dir: string, keep: ReadonlySet<string>): void {
  for (const name of readdirSync(dir)) {
    const stale = name.startsWith('.gen-') && name.endsWith('.tmp') && !writerAlive(name);
    if (stale || (GENERATION.test(name) && !keep.has(name))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Write one checkpoint generation into `dir`: `fill(folder)` writes the files (each with
 * writeFileAtomic or an equivalent that syncs), then the manifest, the rename and the pointer.
 * On any error the previous checkpoint is left as it was and the error says so. Returns the new
 * generation's folder.
 * @example writeCheckpointDir('runs/ckpt', (folder) => saveSafetensors(join(folder, 'model.safetensors'), weights))
 */
export function writeCheckpointDir(dir: string, fill: (folder: string) => void, fn = 'writeCheckpointDir'): string {
  const root = resolve(dir);
  ensureDir(fn, root);
  if (pathKind(join(root, LATEST_FILE)) === 'dir')
    throw new ArgumentError(`${fn}: ${join(dir, LATEST_FILE)} is a folder; expected a checkpoint folder`);
  const current = pointedGeneration(root);
  // Generations newer than the pointer are leftovers of a save killed before its commit.
  prune(root, new Set(current === null ? [] : [current]));
  const next = current === null ? 1 : Number(GENERATION.exec(current)![1]) + 1;
  const name = generationName(next);
  const tmp = join(root, `.${name}.${tempTag()}.tmp`);
  try {
    ensureDir(fn, tmp);
    fill(tmp);
    const files: Record<string, number> = {};
    for (const file of readdirSync(tmp).sort()) if (!file.startsWith('.')) files[file] = statSync(join(tmp, file)).size;
    const manifest: Manifest = { format: 'tessera-checkpoint', generation: next, files };
    writeFileAtomic(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(tmp, join(root, name));
    syncDirectory(root);
    writeFileAtomic(join(root, LATEST_FILE), `${name}\n`);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    const kept =
      current === null ? 'no earlier checkpoint was there' : `the previous checkpoint ${join(dir, current)} is intact`;
    throw new ArgumentError(`${fn}: could not write a checkpoint to ${dir} (${(error as Error).message}); ${kept}`);
  }
  prune(root, new Set([name]));
  return join(root, name);
}

/**
 * The folder of the latest complete checkpoint in `dir`, its files checked against the manifest
 * (a missing or truncated file is named); null when `dir` holds no checkpoint yet.
 */
export function latestCheckpoint(dir: string, fn = 'latestCheckpoint'): string | null {
  const kind = pathKind(dir);
  if (kind === null) return null;
  if (kind === 'file') throw new ArgumentError(`${fn}: ${dir} is a file; expected a checkpoint folder`);
  const name = pointedGeneration(dir);
  if (name === null) return null;
  const folder = join(dir, name);
  const manifestPath = join(folder, MANIFEST_FILE);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    throw new FormatError(
      `${fn}: ${join(dir, LATEST_FILE)} names ${name}, but ${manifestPath} cannot be read (${(error as Error).message}); the checkpoint folder was damaged`,
    );
  }
  if (manifest?.format !== 'tessera-checkpoint' || manifest.files === null || typeof manifest.files !== 'object')
    throw new FormatError(`${fn}: ${manifestPath} is not a tessera checkpoint manifest`);
  for (const [file, size] of Object.entries(manifest.files)) {
    const path = join(folder, file);
    let actual: number;
    try {
      actual = statSync(path).size;
    } catch {
      throw new FormatError(`${fn}: checkpoint file ${path} is missing (the manifest lists it, ${size} bytes)`);
    }
    if (actual !== size)
      throw new FormatError(
        `${fn}: checkpoint file ${path} is ${actual < size ? 'truncated' : 'longer than written'}: ${actual} bytes; the manifest says ${size}`,
      );
  }
  return folder;
}

/** Whether `dir` is a generation checkpoint folder (it has a `latest` pointer). */
export function isCheckpointDir(dir: string): boolean {
  return pathKind(join(dir, LATEST_FILE)) === 'file';
}
