// Browser-safe part of the io floor (bytes in, bytes out); file writing is in ./node.ts.
export * from './safetensors.js';
export type { SafetensorsDType } from './safetensors-dtypes.js';
export * from './onnx/index.js';
