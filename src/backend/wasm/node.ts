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
  once?: (event: 'beforeExit', listener: () => void) => void;
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
  Registry: new <T>(
    cleanup: (held: T) => void,
  ) => SyncRegistry<T>;
}

let collector: Collector | null | undefined;

/** Blocks of storage handed out so far; each 'beforeExit' compares it with its value at the last one. */
let activity = 0;
/** Called by the heap for each block of storage it hands out (each one a finalizer to come). */
export function noteFinalizerActivity(): void {
  activity++;
}

/**
 * Let V8's pending FinalizationRegistry cleanup run before Node tears the process down. A GC that
 * finds dead tensor views posts a cleanup task; when the event loop empties before that task ran,
 * Node runs it while freeing the environment, where JavaScript may no longer run, and reports
 * "illegal access" as an uncaught exception: a stack trace on stderr and a failing exit code (seen
 * in 2 of 150 runs of a test file; Node's issue 47748 is the same teardown path). So when the loop
 * first empties after any storage was handed out, one more turn (an empty 0 ms timer) lets the
 * pending task run; the next 'beforeExit' finds nothing new and the process ends.
 */
function finalizersBeforeExit(): void {
  const p = nodeProcess();
  if (!p?.once) return;
  const seen = activity;
  p.once('beforeExit', () => {
    if (activity !== seen) setTimeout(finalizersBeforeExit, 0);
  });
}

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
    const v8 = nodeBuiltin('node:v8'),
      vm = nodeBuiltin('node:vm');
    if (!v8 || !vm) return null;
    v8.setFlagsFromString('--expose-gc');
    v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const context = vm.createContext({});
    const gc = vm.runInContext('gc', context) as unknown;
    const Registry = vm.runInContext('FinalizationRegistry', context) as Collector['Registry'];
    if (typeof gc === 'function' && typeof Registry === 'function') {
      collector = { gc: gc as () => void, Registry };
      finalizersBeforeExit();
    }
  } catch {
    collector = null;
  }
  return collector;
}
