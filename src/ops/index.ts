import './methods.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './activations.js';
export { matmul } from './matmul.js';
export * from './conv.js';
export { record } from './record.js';
export type { TensorLike } from './util.js';
