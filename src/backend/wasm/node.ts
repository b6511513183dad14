/**
 * The one door from the wasm backend to Node.js built-ins. The core must run in browsers, so
 * nothing here is imported statically: `process.getBuiltinModule` (Node ≥ 20.16) hands a
 * built-in over synchronously, and where it is missing (a browser, an older Node) callers get
 * `undefined` and take their non-Node path.
 */
import type * as V8 from 'node:v8';
import type * as Os from 'node:os';
import type * as WorkerThreads from 'node:worker_threads';

interface NodeBuiltins {
  'node:v8': typeof V8;
  'node:os': typeof Os;
  'node:worker_threads': typeof WorkerThreads;
}

interface NodeProcessLike {
  getBuiltinModule?: (name: string) => unknown;
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
}

function nodeProcess(): NodeProcessLike | undefined {
  const p = (globalThis as { process?: NodeProcessLike }).process;
  return p?.versions?.node ? p : undefined;
}

export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

export function nodeBuiltin<K extends keyof NodeBuiltins>(name: K): NodeBuiltins[K] | undefined {
  return nodeProcess()?.getBuiltinModule?.(name) as NodeBuiltins[K] | undefined;
}

/** An environment variable, or undefined outside Node. */
export function envVar(name: string): string | undefined {
  return nodeProcess()?.env?.[name];
}
