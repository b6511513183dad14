/**
 * TensorFlow.js as a peer, in this process. It is a devDependency and is imported dynamically,
 * so a machine without it still runs the benchmark and reports a note for its rows. Only the
 * handful of calls the cases use are typed here (structurally), so the build needs no tfjs types.
 * Both peers are one module: 'tfjs-cpu' and 'tfjs-wasm' are its two backends, switched per case.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { BenchSettings, Peer, Row, TimingOptions } from './types.js';
import { measure, type Timing } from './timing.js';

export interface TfTensor {
  readonly shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}
export interface TfVariable extends TfTensor {
  readonly name: string;
}
export interface TfLayersModel {
  add(layer: unknown): void;
  compile(config: { optimizer: string; loss: string }): void;
  trainOnBatch(x: TfTensor, y: TfTensor): Promise<number | number[]>;
  predict(x: TfTensor): TfTensor;
  dispose(): unknown;
}
type LayerFactory = (config: Record<string, unknown>) => unknown;
export interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  enableProdMode(): void;
  tidy<T>(fn: () => T): T;
  dispose(container: unknown): void;
  randomNormal(shape: number[]): TfTensor;
  randomUniform(shape: number[], min: number, max: number, dtype?: 'int32' | 'float32'): TfTensor;
  variable(initial: TfTensor): TfVariable;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  conv2d(x: TfTensor, kernel: TfTensor, strides: number, pad: 'valid' | 'same'): TfTensor;
  sum(x: TfTensor, axis?: number): TfTensor;
  relu(x: TfTensor): TfTensor;
  exp(x: TfTensor): TfTensor;
  tanh(x: TfTensor): TfTensor;
  add(a: TfTensor, b: TfTensor): TfTensor;
  softmax(x: TfTensor, dim?: number): TfTensor;
  floor(x: TfTensor): TfTensor;
  mul(a: TfTensor, b: TfTensor): TfTensor;
  variableGrads(f: () => TfTensor, varList: TfVariable[]): { value: TfTensor; grads: Record<string, TfTensor> };
  sequential(): TfLayersModel;
  layers: {
    conv2d: LayerFactory;
    maxPooling2d: LayerFactory;
    flatten: LayerFactory;
    dense: LayerFactory;
    lstm: LayerFactory;
  };
}

interface WasmModule {
  setWasmPaths(prefix: string): void;
}

const loaded = new Map<string, Promise<Tf>>();

async function importTf(settings: BenchSettings): Promise<Tf> {
  const tf = (await import(settings.tfjsModule)) as Tf;
  // Production mode skips tfjs's debug checks (what a user's training run gets) and silences its
  // "install tfjs-node" banner.
  tf.enableProdMode();
  return tf;
}

/** Loads TensorFlow.js with the engine's backend active; throws (with the reason) if it cannot. */
export async function useTfjs(engine: Exclude<Peer, 'pytorch'>, settings: BenchSettings): Promise<Tf> {
  let pending = loaded.get(settings.tfjsModule);
  if (!pending) {
    pending = importTf(settings);
    loaded.set(settings.tfjsModule, pending);
  }
  const tf = await pending;
  const backend = engine === 'tfjs-wasm' ? 'wasm' : 'cpu';
  if (backend === 'wasm') await registerWasm(settings);
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  return tf;
}

const wasmRegistered = new Map<string, Promise<void>>();

/**
 * Importing the wasm package registers its backend; its .wasm binaries sit beside its main file in
 * node_modules, and in Node they are read from disk, so point it there (it runs one thread: tfjs
 * disables its threaded build in Node).
 */
function registerWasm(settings: BenchSettings): Promise<void> {
  let pending = wasmRegistered.get(settings.tfjsWasmModule);
  if (!pending) {
    pending = (async () => {
      const main = createRequire(import.meta.url).resolve(settings.tfjsWasmModule);
      const wasm = (await import(settings.tfjsWasmModule)) as WasmModule;
      wasm.setWasmPaths(dirname(main) + '/');
    })();
    wasmRegistered.set(settings.tfjsWasmModule, pending);
  }
  return pending;
}

/**
 * One TensorFlow.js row: loads the peer, runs `body` on it, and turns a failure into a note
 * (not installed, or this backend cannot run this case) instead of a crash.
 */
export async function tfjsRow(
  caseName: string,
  engine: Exclude<Peer, 'pytorch'>,
  settings: BenchSettings,
  body: (tf: Tf) => Promise<Omit<Row, 'case' | 'engine'>>,
): Promise<Row> {
  let tf: Tf;
  try {
    tf = await useTfjs(engine, settings);
  } catch (e) {
    return { case: caseName, engine, note: `not available: ${firstLine(e)}` };
  }
  try {
    return { case: caseName, engine, ...(await body(tf)) };
  } catch (e) {
    return { case: caseName, engine, note: `cannot run this case: ${firstLine(e)}` };
  }
}

/**
 * Time `op` on TensorFlow.js: each call's result is read back (dataSync waits for it, so the time
 * covers the whole op) and freed; `inputs` are freed afterwards.
 */
export async function timeTfjsOp(
  tf: Tf,
  inputs: TfTensor[],
  op: () => TfTensor,
  timing: TimingOptions,
): Promise<Timing> {
  try {
    return await measure(() => {
      const y = op();
      y.dataSync();
      y.dispose();
    }, timing);
  } finally {
    tf.dispose(inputs);
  }
}

export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0].trim().slice(0, 160);
}
