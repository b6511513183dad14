/** zoo: ready models — the seed's linear regression (and on Boston house prices), the seed's MNIST CNN, a character-level GPT. */
export * from './linear-regression.js';
export * from './mnist-cnn.js';
export * from './gpt.js';
export * from './gpt-train.js';
export * from './word-pairs.js';
export * from './word-vectors.js';
export * from './word2vec.js';
export * from './glove.js';
export * from './word-vectors-file.js';
