export * from './atomic.js';
export * from './safetensors.js';
export * from './safetensors-file.js';
export type { SafetensorsDType } from './safetensors-dtypes.js';
