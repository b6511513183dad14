import './methods.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './activations.js';
export { matmul } from './matmul.js';
export { embedding, type EmbeddingOpOptions } from './embedding.js';
// The convolution internals that ops/fused.ts shares (convGeometry, convGradients, …) stay inside.
export { conv2d, maxPool2d, avgPool2d, globalAvgPool2d, convOutputLength } from './conv.js';
export type { Padding, Size2d, Conv2dOptions, Pool2dOptions } from './conv.js';
export * from './fused.js';
export { layerNorm, type LayerNormOptions } from './normalization.js';
export { scaledDotProductAttention, type AttentionOptions, type AttentionResult } from './attention.js';
export { writeAt, writeHeads, cachedAttention } from './kv-cache.js';
export { record } from './record.js';
export type { TensorLike } from './util.js';
// timeSteps stays inside: it is only for a layer's private tensor (see ops/rnn.ts).
export { lstmCell, gruCell } from './rnn.js';
