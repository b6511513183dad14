// The corpus loaders and tokenizer files are Node-only (./node.ts).
export * from './tokenizer.js';
export * from './windows.js';
