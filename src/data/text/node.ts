export * from './tokenizer-file.js';
