/**
 * Which backend new tensors are made on: one global choice, made at first use. The fastest CPU
 * backend available wins — the WebAssembly build with relaxed SIMD, then plain SIMD (both
 * threaded in Node), then the portable TypeScript loops — unless the environment variable
 * TESSERA_BACKEND=portable|wasm|wasm-simd|webgpu or `setBackend` says otherwise ('wasm-simd'
 * forces the plain-SIMD build, so that the test suite runs on every build). TESSERA_THREADS (or
 * `setThreads`) sets the thread count. WebGPU starts asynchronously (an adapter and a device are
 * requested), so it is made active by `await backendReady('webgpu')` (or by backendReady() with
 * TESSERA_BACKEND=webgpu); ops run on the backend their operands live on.
 */
import type { Backend } from './types.js';
import type { WebGPUBackend } from './webgpu/index.js';
import { portableBackend } from './portable/index.js';
import { createWasmBackend, createWasmBackendAsync, type WasmBackend } from './wasm/index.js';
import { envVar } from './wasm/node.js';
import { ArgumentError, BackendError, describe } from '../util/errors.js';

export type BackendName = 'portable' | 'wasm' | 'wasm-simd' | 'webgpu';
/** A backend by name, or the object itself. */
export type BackendSpec = BackendName | Backend;

export interface BackendInfo {
  /** The active backend's name, e.g. 'wasm-relaxed-simd (2 threads)'. */
  name: string;
  /** Threads large kernels are split across (1 for the portable backend). */
  threads: number;
  /** Why the WebAssembly backend is not in use, when it was wanted and could not start. */
  fallbackReason: string | null;
  /** Why worker threads are unavailable, when the wasm backend runs without them. */
  threadProblem: string | null;
  /** The GPU adapter WebGPU runs on (vendor, architecture, description), when it is the backend. */
  adapter: string | null;
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
/** undefined until first asked for; the promise of starting it (which rejects with the reason). */
let webgpu: Promise<WebGPUBackend> | undefined;
let webgpuReady: WebGPUBackend | null = null;

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
  if (raw !== 'heap' && raw !== 'copy')
    throw new ArgumentError(`TESSERA_WASM_STORAGE: got ${describe(raw)}; expected 'heap' or 'copy'`);
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
  if (requested === 'webgpu') {
    throw new BackendError(
      'TESSERA_BACKEND=webgpu: the WebGPU backend starts asynchronously; expected `await backendReady()` before the first tensor is made',
    );
  }
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
    if (w === null)
      throw new ArgumentError(
        `${where}: the plain-SIMD WebAssembly build could not start (${wasmPlainFailure}); expected a runtime with WebAssembly SIMD, or use 'portable'`,
      );
    return w;
  }
  if (name === 'webgpu') {
    if (webgpuReady) return webgpuReady;
    throw new BackendError(
      `${where}: the WebGPU backend starts asynchronously; expected \`await backendReady('webgpu')\` first (it requests the adapter and device)`,
    );
  }
  throw new ArgumentError(
    `${where}: got backend ${describe(name)}; expected 'portable', 'wasm', 'wasm-simd' or 'webgpu'`,
  );
}

/** Start the WebGPU backend once (later calls share the attempt). */
function startWebGPU(): Promise<WebGPUBackend> {
  webgpu ??= import('./webgpu/index.js').then((m) => m.createWebGPUBackend()).then((b) => (webgpuReady = b));
  return webgpu;
}

/** A backend by name or object, starting WebGPU if that is what is asked for. */
export async function resolveBackend(fn: string, spec: BackendSpec): Promise<Backend> {
  if (spec === 'webgpu') {
    try {
      return await startWebGPU();
    } catch (err) {
      throw new BackendError(
        `${fn}: the WebGPU backend could not start (${err instanceof Error ? err.message : String(err)}); expected a runtime with WebGPU (a browser's navigator.gpu, or in Node the 'webgpu' package and a GPU or Vulkan driver)`,
      );
    }
  }
  if (typeof spec === 'string') return byName(spec, fn);
  if (spec !== null && typeof spec === 'object' && typeof spec.matmul === 'function') return spec;
  throw new ArgumentError(
    `${fn}: got ${describe(spec)}; expected 'portable', 'wasm', 'wasm-simd', 'webgpu' or a Backend object`,
  );
}

// ---- transfers between backends ---------------------------------------------------------------

export interface TransferStats {
  /** Tensors moved from one backend to another (Tensor.to, or copy_ from another device). */
  count: number;
  /** Elements moved, all transfers together. */
  elements: number;
}

const transfers: TransferStats = { count: 0, elements: 0 };

/** Whether one backend's kernels can run on the other's storage: the same backend, or two CPU ones. */
export function sharesStorage(a: Backend, b: Backend): boolean {
  return a === b || (a.hostStorage && b.hostStorage);
}

/** Record one move of `elements` values between two backends that do not share storage. */
export function countTransfer(from: Backend, to: Backend, elements: number): void {
  if (sharesStorage(from, to)) return;
  transfers.count++;
  transfers.elements += elements;
}

/** How many tensors (and elements) have moved between backends since the program started. */
export function transferStats(): TransferStats {
  return { ...transfers };
}

export function getBackend(): Backend {
  if (active === null) active = chooseDefault();
  return active;
}

/**
 * Make later tensors on a backend, by name or as an object. Tensors already made stay where they
 * are (on the CPU backends they share storage, so the new backend's kernels run on them too).
 * 'webgpu' must have been started with `await backendReady('webgpu')`.
 */
export function setBackend(backend: BackendSpec): void {
  if (typeof backend === 'string') active = byName(backend, 'setBackend');
  else if (backend !== null && typeof backend === 'object' && typeof backend.matmul === 'function')
    active = backend as Backend;
  else
    throw new ArgumentError(
      `setBackend: got ${describe(backend)}; expected 'portable', 'wasm', 'wasm-simd', 'webgpu' or a Backend object`,
    );
  fellBack = false;
}

/**
 * Split large kernels of the WebAssembly backend across `count` threads (the calling thread
 * included; default: the number of cores). Workers start in the background.
 */
export function setThreads(count: number): void {
  if (!Number.isInteger(count) || count < 1)
    throw new ArgumentError(`setThreads: got ${describe(count)}; expected a positive integer`);
  threadsWanted = count;
  wasm?.setThreads(count);
  wasmPlain?.setThreads(count);
}

/**
 * Resolves once the backend is fully up: the worker threads of the wasm backend started, and —
 * where the wasm backend could not be compiled synchronously (a browser's main thread) and the
 * portable one stands in for it — the wasm backend compiled asynchronously and made active.
 */
export async function backendReady(name?: BackendName): Promise<void> {
  const wanted = name ?? (envVar('TESSERA_BACKEND') === 'webgpu' ? 'webgpu' : undefined);
  if (wanted === 'webgpu') {
    active = await resolveBackend('backendReady', 'webgpu');
    fellBack = false;
    return;
  }
  if (name !== undefined) setBackend(name);
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
    adapter: b === webgpuReady && webgpuReady ? webgpuReady.adapterInfo : null,
  };
}
