/**
 * tessera: a deep-learning framework in TypeScript. The Node.js entry: the browser-safe API plus
 * the parts that touch the file system (data-set loaders, files on disk).
 */
export * from './browser.js';
export * from './data/node.js';
export * from './io/node.js';
export * from './keras/node.js';
// The spam task's baselines (bag-of-words logistic regression, LSTM): they read the corpus, so Node-only.
export type { BaselineScore, LabelledText } from './zoo/baseline-util.js';
export * from './zoo/bag-of-words.js';
export * from './zoo/lstm-classifier.js';
export * from './zoo/spam-baselines.js';
