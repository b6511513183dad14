/** tessera: a deep-learning framework in TypeScript. The public API, re-exported floor by floor. */
export * from './util/errors.js';
export * from './backend/index.js';
export * from './tensor/index.js';
export * from './ops/index.js';
export * from './autograd/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './io/index.js';
export * from './data/index.js';
