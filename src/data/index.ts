export * from './idx.js';
export * from './mnist.js';
export * from './csv.js';
export * from './boston.js';
export * from './preprocess.js';
export * from './dataset.js';
export { ShuffleRng } from './shuffle.js';
export { takeRows } from './rows.js';
