/**
 * Folders on disk, crash-safe (Node-only). `ensureDir` creates a path one level at a time (Node's
 * recursive mkdirSync spins forever at 100 % CPU under /proc); `writeFolderAtomic` replaces a
 * whole folder: the new one is filled beside it, then swapped in. The swap is two renames (the
 * target aside, the new folder in); a kill between them leaves no target but the complete previous
 * folder as `.name.<tag>.old`, which `recoverFolder` (run by every load and every later write)
 * puts back. Either way a reader finds a complete folder, old or new, never a mix of the two.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ArgumentError, describe } from '../util/errors.js';

/** 'file', 'dir', or null when nothing is there. */
export function pathKind(path: string): 'file' | 'dir' | null {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/**
 * Create `dir` and its missing parents, one mkdir per level, so a path the system refuses (a file
 * on the way, a read-only or virtual file system) fails at once with the level named.
 * @example ensureDir('saveModel', 'out/mnist-cnn')
 */
export function ensureDir(fn: string, dir: string): void {
  if (typeof dir !== 'string' || dir === '')
    throw new ArgumentError(`${fn}: got folder ${describe(dir)}; expected a non-empty path`);
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const kind = pathKind(at);
    if (kind === 'dir') break;
    if (kind === 'file')
      throw new ArgumentError(`${fn}: cannot create folder ${dir}: ${at} is a file; expected a folder there`);
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && pathKind(level) === 'dir') continue;
      throw new ArgumentError(`${fn}: cannot create folder ${level} (${(error as Error).message})`);
    }
  }
}

/** Persist renames and new entries in `dir`; some platforms cannot fsync a folder, which is harmless. */
export function syncDirectory(dir: string): void {
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

/** A unique suffix for temporaries: the writer's pid (to tell live writers from dead ones) and randomness. */
export function tempTag(): string {
  return `${process.pid}.${randomBytes(6).toString('hex')}`;
}

/** Whether the process that wrote a temporary named `….<pid>.<hex>.tmp` is still running. */
export function writerAlive(name: string): boolean {
  const m = /\.(\d+)\.[0-9a-f]+\.(tmp|old)$/.exec(name);
  if (m === null) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temporaries in `dir` whose names start with `prefix` and whose writer is gone (killed). */
export function removeStaleTemps(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names)
    if (name.startsWith(prefix) && name.endsWith('.tmp') && !writerAlive(name))
      rmSync(join(dir, name), { recursive: true, force: true });
}

/**
 * Put back a folder that a kill left aside mid-swap (`.name.<tag>.old` with no `name`), and clear
 * the leftovers of killed writers. Returns the folder's path.
 */
export function recoverFolder(dir: string): string {
  const target = resolve(dir);
  const parent = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return dir;
  }
  const old = names.filter((n) => n.startsWith(prefix) && n.endsWith('.old') && !writerAlive(n));
  for (const name of old) {
    if (pathKind(target) === null) renameSync(join(parent, name), target);
    else rmSync(join(parent, name), { recursive: true, force: true });
  }
  removeStaleTemps(parent, prefix);
  return dir;
}

/**
 * Fill a temporary folder beside `dir` (with files written by writeFileAtomic, which syncs each)
 * and swap it in; on an error in `fill` the temporary folder goes and `dir` is untouched.
 * @example writeFolderAtomic('out/model', (tmp) => writeFileAtomic(join(tmp, 'config.json'), text))
 */
export function writeFolderAtomic(dir: string, fill: (tmp: string) => void, fn = 'writeFolderAtomic'): void {
  const target = resolve(dir);
  const parent = dirname(target);
  ensureDir(fn, parent);
  recoverFolder(target);
  if (pathKind(target) === 'file')
    throw new ArgumentError(`${fn}: ${dir} is a file; expected a folder (or nothing) there`);
  const tag = tempTag();
  const tmp = join(parent, `.${basename(target)}.${tag}.tmp`);
  mkdirSync(tmp);
  try {
    fill(tmp);
    syncDirectory(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  const old = join(parent, `.${basename(target)}.${tag}.old`);
  const hadTarget = pathKind(target) === 'dir';
  try {
    if (hadTarget) renameSync(target, old);
    renameSync(tmp, target);
  } catch (error) {
    // Put the previous folder back where it was, and drop the new one.
    if (hadTarget && pathKind(target) === null && pathKind(old) === 'dir') renameSync(old, target);
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  syncDirectory(parent);
  if (hadTarget) rmSync(old, { recursive: true, force: true });
}
