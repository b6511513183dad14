// Browser-safe part of the data floor; the file loaders (MNIST, Boston) are in ./node.ts.
export * from './idx.js';
export * from './csv.js';
export * from './preprocess.js';
export * from './dataset.js';
export * from './loader.js';
export { isStreamDataset, type HostBlock, type HostField, type StreamDataset } from './stream.js';
export { ShuffleRng } from './shuffle.js';
export { takeRows } from './rows.js';
export * from './text/index.js';
