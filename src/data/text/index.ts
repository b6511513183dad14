// Text data, browser-safe: the character and byte-level BPE tokenizers, the split, the window
// sampler, the bigram baseline, e-mail parsing and the stratified spam split.
// The corpus loaders and tokenizer files are Node-only (./node.ts).
export * from './tokenizer.js';
export * from './bpe.js';
export * from './batch-encode.js';
export * from './windows.js';
export * from './bigram.js';
export * from './email.js';
export * from './spam-split.js';
export * from './words.js';
export * from './skipgram.js';
export * from './cooccurrence.js';
