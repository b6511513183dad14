/**
 * tessera: a deep-learning framework in TypeScript. The Node.js entry: the browser-safe API plus
 * the parts that touch the file system (data-set loaders, files on disk).
 */
export * from './browser.js';
export * from './data/node.js';
export * from './io/node.js';
export * from './keras/node.js';
