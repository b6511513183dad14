/**
 * Which backend runs the kernels: one global choice, made at first use. The fastest available
 * wins — the WebAssembly build with relaxed SIMD, then plain SIMD (both threaded in Node), then
 * the portable TypeScript loops — unless the environment variable TESSERA_BACKEND=portable|wasm
 * or `setBackend` says otherwise ('wasm-simd' forces the plain-SIMD build, so that the test suite
 * runs on every build). TESSERA_THREADS (or `setThreads`) sets the thread count.
 */
import type { Backend } from './types.js';
import { portableBackend } from './portable/index.js';
import { createWasmBackend, createWasmBackendAsync, type WasmBackend } from './wasm/index.js';
import { envVar } from './wasm/node.js';
import { ArgumentError, describe } from '../util/errors.js';

export type BackendName = 'portable' | 'wasm' | 'wasm-simd';

export interface BackendInfo {
  /** The active backend's name, e.g. 'wasm-relaxed-simd (2 threads)'. */
  name: string;
  /** Threads large kernels are split across (1 for the portable backend). */
  threads: number;
  /** Why the WebAssembly backend is not in use, when it was wanted and could not start. */
  fallbackReason: string | null;
  /** Why worker threads are unavailable, when the wasm backend runs without them. */
  threadProblem: string | null;
}

let active: Backend | null = null;
/** undefined until first tried; null when it failed (see wasmFailure). */
let wasm: WasmBackend | null | undefined;
let wasmFailure: string | null = null;
/** The plain-SIMD build, made only when asked for by name. */
let wasmPlain: WasmBackend | null | undefined;
let wasmPlainFailure: string | null = null;
let threadsWanted: number | undefined;
/** True while the active backend is the portable one only because the wasm backend failed to start. */
let fellBack = false;
let asyncTried = false;

function threadsFromEnv(): number | undefined {
  const raw = envVar('TESSERA_THREADS');
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new ArgumentError(`TESSERA_THREADS: got ${describe(raw)}; expected a positive integer such as 2`);
  }
  return n;
}

function storageFromEnv(): 'heap' | 'copy' | undefined {
  const raw = envVar('TESSERA_WASM_STORAGE');
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'heap' && raw !== 'copy') throw new ArgumentError(`TESSERA_WASM_STORAGE: got ${describe(raw)}; expected 'heap' or 'copy'`);
  return raw;
}

/** A wasm build (relaxed SIMD allowed or not) with the environment's options, or null and why not. */
function startWasm(relaxed: boolean): [WasmBackend | null, string | null] {
  // A malformed TESSERA_THREADS or TESSERA_WASM_STORAGE is the user's mistake, reported rather than swallowed below.
  const threads = threadsWanted ?? threadsFromEnv();
  const storage = storageFromEnv();
  try {
    return [createWasmBackend({ threads, storage, relaxed }), null];
  } catch (err) {
    return [null, err instanceof Error ? err.message : String(err)];
  }
}

function tryWasm(): WasmBackend | null {
  if (wasm === undefined) [wasm, wasmFailure] = startWasm(true);
  return wasm;
}

function tryWasmPlain(): WasmBackend | null {
  if (wasmPlain === undefined) [wasmPlain, wasmPlainFailure] = startWasm(false);
  return wasmPlain;
}

function chooseDefault(): Backend {
  const requested = envVar('TESSERA_BACKEND');
  if (requested === undefined || requested === '') {
    const w = tryWasm();
    fellBack = w === null;
    return w ?? portableBackend;
  }
  return byName(requested, `TESSERA_BACKEND=${requested}`);
}

function byName(name: string, where: string): Backend {
  if (name === 'portable') return portableBackend;
  if (name === 'wasm') {
    const w = tryWasm();
    if (w === null) {
      throw new ArgumentError(
        `${where}: the WebAssembly backend could not start (${wasmFailure}); expected a runtime with WebAssembly SIMD (in a browser's main thread, \`await backendReady()\` first), or use 'portable'`,
      );
    }
    return w;
  }
  if (name === 'wasm-simd') {
    const w = tryWasmPlain();
    if (w === null) throw new ArgumentError(`${where}: the plain-SIMD WebAssembly build could not start (${wasmPlainFailure}); expected a runtime with WebAssembly SIMD, or use 'portable'`);
    return w;
  }
  throw new ArgumentError(`${where}: got backend ${describe(name)}; expected 'portable', 'wasm' or 'wasm-simd'`);
}

export function getBackend(): Backend {
  return (active ??= chooseDefault());
}

/** Switch every later kernel call to a backend, by name ('portable' | 'wasm') or as an object. */
export function setBackend(backend: Backend | BackendName): void {
  fellBack = false;
  if (typeof backend === 'string') active = byName(backend, 'setBackend');
  else if (backend !== null && typeof backend === 'object' && typeof backend.matmul === 'function') active = backend;
  else throw new ArgumentError(`setBackend: got ${describe(backend)}; expected 'portable', 'wasm', 'wasm-simd' or a Backend object`);
}

/**
 * Split large kernels of the WebAssembly backend across `count` threads (the calling thread
 * included; default: the number of cores). Workers start in the background.
 */
export function setThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError(`setThreads: got ${describe(count)}; expected a positive integer`);
  threadsWanted = count;
  wasm?.setThreads(count);
  wasmPlain?.setThreads(count);
}

/**
 * Resolves once the backend is fully up: the worker threads of the wasm backend started, and —
 * where the wasm backend could not be compiled synchronously (a browser's main thread) and the
 * portable one stands in for it — the wasm backend compiled asynchronously and made active.
 */
export async function backendReady(): Promise<void> {
  getBackend();
  if (wasm === null && !asyncTried) {
    asyncTried = true;
    try {
      wasm = await createWasmBackendAsync({ threads: threadsWanted ?? threadsFromEnv(), storage: storageFromEnv() });
      wasmFailure = null;
      if (fellBack) {
        active = wasm;
        fellBack = false;
      }
    } catch (err) {
      wasmFailure = `${wasmFailure}; compiling asynchronously: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (wasm && active === wasm) await wasm.whenReady();
  if (wasmPlain && active === wasmPlain) await wasmPlain.whenReady();
}

export function backendInfo(): BackendInfo {
  const b = getBackend();
  const w = b === wasm && wasm ? wasm : b === wasmPlain && wasmPlain ? wasmPlain : null;
  return {
    name: b.name,
    threads: w ? w.threads : 1,
    fallbackReason: b === portableBackend ? wasmFailure : null,
    threadProblem: w ? w.threadProblem : null,
  };
}
