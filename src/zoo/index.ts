/** zoo: ready models — the seed's linear regression (and on Boston house prices), the seed's MNIST CNN. */
export * from './linear-regression.js';
export * from './mnist-cnn.js';
