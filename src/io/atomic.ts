/**
 * Crash-safe file writes: the bytes go to a temporary file beside the target, are flushed to disk,
 * and only then renamed over the target. A reader (or a crash at any moment) sees either the old
 * file or the complete new one, never a half-written file. Node-only.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensureDir, removeStaleTemps, syncDirectory, tempTag } from './folders.js';

/**
 * Write `contents` to `path` atomically, creating parent folders. On any error the temporary file
 * is removed and the error rethrown; the target is left untouched.
 * @example writeFileAtomic('runs/model.safetensors', bytes)
 */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  const dir = dirname(path);
  ensureDir('writeFileAtomic', dir);
  // Temporaries of writers that were killed before their rename would otherwise stay forever.
  removeStaleTemps(dir, `.${basename(path)}.`);
  // Same folder as the target, so rename never crosses a file system; pid + random avoids collisions.
  const temp = join(dir, `.${basename(path)}.${tempTag()}.tmp`);
  let fd: number | null = openSync(temp, 'wx');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, path);
  } catch (error) {
    // Clean up quietly: the original error is the one to report.
    try {
      if (fd !== null) closeSync(fd);
    } catch {
      // Closing failed too; unlinking below still removes the file.
    }
    try {
      unlinkSync(temp);
    } catch {
      // Already gone.
    }
    throw error;
  }
  syncDirectory(dir);
}
