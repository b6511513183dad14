// Text data, browser-safe: the character tokenizer, the split, the window sampler, the bigram baseline.
// The corpus loaders and tokenizer files are Node-only (./node.ts).
export * from './tokenizer.js';
export * from './windows.js';
export * from './bigram.js';
export * from './words.js';
export * from './skipgram.js';
export * from './cooccurrence.js';
