/**
 * The backward pass of max pooling as a scatter of the output gradient to the taps that won,
 * whose flat indices maxPool2d (assembly/conv.ts) recorded in the forward pass.
 */

/**
 * The adjoint of max pooling: dx (dxLen floats) is zeroed, then each dOut[i] is added at the flat
 * index argmax[i] that maxPool2d recorded (added, not stored: overlapping windows may share a tap).
 */
export function maxPool2dBackward(dOut: usize, argmax: usize, n: i32, dx: usize, dxLen: i32): void {
  memory.fill(dx, 0, <usize>dxLen << 2);
  for (let i = 0; i < n; i++) {
    const q = dx + (<usize>load<i32>(argmax + (<usize>i << 2)) << 2);
    store<f32>(q, load<f32>(q) + load<f32>(dOut + (<usize>i << 2)));
  }
}
