/** zoo: ready models — the seed's linear regression (and on Boston house prices), the seed's MNIST CNN, a character-level GPT, the spam task's baselines. */
export * from './linear-regression.js';
export * from './mnist-cnn.js';
export * from './gpt.js';
export * from './gpt-train.js';
export * from './word-pairs.js';
export * from './word-vectors.js';
export * from './word2vec.js';
export * from './glove.js';
export * from './word-vectors-file.js';
export type { BaselineScore, LabelledText } from './baseline-util.js';
export * from './bag-of-words.js';
export * from './lstm-classifier.js';
export * from './spam-baselines.js';
