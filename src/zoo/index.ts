/** zoo: ready models — the seed's linear regression (and on Boston house prices), the seed's MNIST CNN, a GPT, a BERT, word vectors, the spam task's baselines. */
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
export * from './bert.js';
export * from './bert-mask.js';
export * from './bert-data.js';
export * from './bert-train.js';
export * from './bert-finetune.js';
