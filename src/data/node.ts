// Node-only loaders of the shipped data sets: they read files from optional packages in node_modules.
export * from './mnist.js';
export * from './boston.js';
export * from './stream-files.js';
export * from './text/node.js';
