export type { Backend, BinaryOp, DType, MatmulArgs, ReduceOp, Shape, TypedArray, UnaryOp, Window2dArgs } from './types.js';
export { getBackend, setBackend } from './registry.js';
export { portableBackend } from './portable/index.js';
export { contiguousStrides } from './strided.js';
