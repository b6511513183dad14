/**
 * The WebAssembly kernels of tessera's wasm backend, compiled by scripts/build-wasm.mjs into four
 * builds: {plain SIMD, relaxed SIMD} × {private memory, shared memory for threads}. Memory is
 * imported, so the JS side decides its size and whether workers share it.
 */
export { gemm, packABytes, packBBytes, tileRows } from './gemm';
export { im2col, col2im, maxPool2d, avgPool2d, avgPool2dBackward } from './conv';
export { convDirect, convDirectKernelGrad } from './conv-direct';
export { unary, binary, reduce } from './elementwise';
export { biasActivation, biasActivationBackward } from './bias';

/** First byte after the static data: the JS side lays out its buffers from here on. */
export function heapBase(): usize {
  return __heap_base;
}
