/** Which backend runs the kernels. One global choice, switchable by API (and later by env). */
import type { Backend } from './types.js';
import { portableBackend } from './portable/index.js';

let active: Backend = portableBackend;

export function getBackend(): Backend {
  return active;
}

export function setBackend(backend: Backend): void {
  active = backend;
}
