/**
 * Crash-safe file writes: the bytes go to a temporary file beside the target, are flushed to disk,
 * and only then renamed over the target. A reader (or a crash at any moment) sees either the old
 * file or the complete new one, never a half-written file. Node-only.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Write `contents` to `path` atomically, creating parent folders. On any error the temporary file
 * is removed and the error rethrown; the target is left untouched.
 * @example writeFileAtomic('runs/model.safetensors', bytes)
 */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // Same folder as the target, so rename never crosses a file system; pid + random avoids collisions.
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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

/** Persist the rename itself; some platforms (Windows) cannot fsync a folder, which is harmless. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort only.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
