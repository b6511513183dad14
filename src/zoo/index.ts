/** zoo: ready models — the seed's linear regression (and on Boston house prices), the seed's MNIST CNN, a GPT, a BERT. */
export * from './linear-regression.js';
export * from './mnist-cnn.js';
export * from './gpt.js';
export * from './gpt-train.js';
export * from './bert.js';
export * from './bert-mask.js';
export * from './bert-data.js';
export * from './bert-train.js';
export * from './bert-finetune.js';
