/**
 * The browser entry: everything that runs without Node.js (tensors, autograd, layers, optimizers,
 * data pipelines, safetensors bytes, the seed's MNIST CNN). Bundlers pick it through the "browser" export condition.
 */
export * from './util/errors.js';
export * from './backend/index.js';
export * from './tensor/index.js';
export * from './ops/index.js';
export * from './autograd/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './io/index.js';
export * from './data/index.js';
export * from './keras/index.js';
export * from './explain/index.js';
export * as nn from './nn/index.js';
// The zoo's browser-safe part: its training runs read files, so they stay in the Node entry.
export { seedMnistLayers, seedMnistCnn } from './zoo/mnist-model.js';
