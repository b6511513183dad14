/**
 * The WebAssembly kernels of tessera's wasm backend, compiled by scripts/build-wasm.mjs into four
 * builds: {plain SIMD, relaxed SIMD} × {private memory, shared memory for threads}. Memory is
 * imported, so the JS side decides its size and whether workers share it.
 */
export { gemm, packABytes, packBBytes, tileRows } from './gemm';
export { im2col, col2im, maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from './conv';
export { convDirect, convDirectKernelGrad } from './conv-direct';
export { unary, binary, reduce } from './elementwise';
export {
  softmaxStats,
  logSoftmaxApply,
  logSoftmaxBackward,
  attentionSoftmax,
  attentionSoftmaxBackward,
} from './softmax';
export { gelu, geluBackward } from './gelu';
export { layerNorm, layerNormBackward, layerNormParamGrads } from './layernorm';
export { copyStrided } from './movement';
export { biasActivation, biasActivationBackward, biasGradientColumns } from './bias';
export { lstmCell, lstmCellBackward, gruCell, gruCellBackward } from './rnn';
export { fmaPeak } from './peak';
export { adamStep } from './optim';
export { winogradInput, winogradKernel, winogradOutput } from './winograd';
export { protocolValue } from './generated/protocol';

/**
 * Zero `bytes` bytes at `ptr`. Whether by a view's fill(0), memory.fill or a SIMD store loop,
 * zeroing every op output cost 9–12 % of a CNN training step (memory bandwidth): hence
 * ops/util.ts output(), which skips it.
 */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}

/** First byte after the static data: the JS side lays out its buffers from here on. */
export function heapBase(): usize {
  return __heap_base;
}
