/**
 * The one door from the wasm backend to Node.js built-ins. The core must run in browsers, so
 * nothing here is imported statically: `process.getBuiltinModule` (Node ≥ 20.16) hands a
 * built-in over synchronously, and where it is missing (a browser, an older Node) callers get
 * `undefined` and take their non-Node path.
 */
import type * as V8 from 'node:v8';
import type * as Os from 'node:os';
import type * as Vm from 'node:vm';
import type * as WorkerThreads from 'node:worker_threads';

interface NodeBuiltins {
  'node:v8': typeof V8;
  'node:os': typeof Os;
  'node:vm': typeof Vm;
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

/** A FinalizationRegistry whose dead targets can be processed on demand. */
export interface SyncRegistry<T> extends FinalizationRegistry<T> {
  cleanupSome?(): void;
}

export interface Collector {
  /** A full garbage collection, now. */
  gc(): void;
  /** A FinalizationRegistry constructor whose instances have cleanupSome(), when V8 offers it. */
  Registry: new <T>(cleanup: (held: T) => void) => SyncRegistry<T>;
}

let collector: Collector | null | undefined;

/**
 * In Node, a way to collect garbage and run finalizers synchronously, for the wasm heap (heap.ts):
 * V8 cannot see that a small view holds megabytes of wasm memory, so left alone it collects them
 * far too rarely, and finalizers otherwise run only when the event loop turns. The V8 flags below
 * take effect in a context made after they are set, hence the vm context. Null where any of this
 * is missing (browsers, a runtime that refuses the flags): the heap then relies on ordinary GC.
 */
export function garbageCollector(): Collector | null {
  if (collector !== undefined) return collector;
  collector = null;
  try {
    const v8 = nodeBuiltin('node:v8'), vm = nodeBuiltin('node:vm');
    if (!v8 || !vm) return null;
    v8.setFlagsFromString('--expose-gc');
    v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const context = vm.createContext({});
    const gc = vm.runInContext('gc', context) as unknown;
    const Registry = vm.runInContext('FinalizationRegistry', context) as Collector['Registry'];
    if (typeof gc === 'function' && typeof Registry === 'function') collector = { gc: gc as () => void, Registry };
  } catch {
    collector = null;
  }
  return collector;
}
