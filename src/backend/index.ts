export type {
  AdamStep,
  Backend,
  BinaryOp,
  DType,
  FusedActivation,
  MatmulArgs,
  ReduceOp,
  Shape,
  TypedArray,
  UnaryOp,
  Window2dArgs,
} from './types.js';
export { backendInfo, backendReady, getBackend, setBackend, setThreads, transferStats } from './registry.js';
export type { BackendInfo, BackendName, BackendSpec, TransferStats } from './registry.js';
export { createWasmBackend, createWasmBackendAsync } from './wasm/index.js';
export type { WasmBackend, WasmBackendOptions } from './wasm/index.js';
export { portableBackend } from './portable/index.js';
export { contiguousStrides } from './strided.js';
