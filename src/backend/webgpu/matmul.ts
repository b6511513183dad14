/**
 * Batched float32 GEMM, C[b] = op(A[b]) @ op(B[b]), as a tiled kernel: each 16×16 workgroup
 * computes a 64×64 tile of C, staging 64×16 slices of op(A) and 16×64 slices of op(B) in
 * workgroup memory so that each element read from the buffers serves 64 multiply-adds. A thread
 * owns a 4×4 block strided by 16 (rows ty + 16i, columns tx + 16j), so that its loads from the
 * staged B slice and its stores to C are consecutive across neighbouring threads.
 * Transposes are compiled in (four variants): the staging loads walk whichever axis is contiguous.
 * Each output is a float32 sum over k in order, so it matches the portable GEMM within rounding.
 */
import type { MatmulArgs } from '../types.js';
import type { Queue } from './device.js';
import type { GpuStorage } from './storage.js';
import { PRELUDE, bindings } from './wgsl.js';

const TILE = 64;
const TK = 16;

function source(transA: boolean, transB: boolean): string {
  // Element e (0 ≤ e < 1024) of a staged slice, mapped so that consecutive threads read
  // consecutive addresses: along k for A stored [m, k], along m for A stored [k, m]; likewise B.
  const aLoad = transA
    ? `let kk = e / ${TILE}u; let r = e % ${TILE}u; let src = a0 + (k0 + kk) * m + row0 + r;`
    : `let r = e / ${TK}u; let kk = e % ${TK}u; let src = a0 + (row0 + r) * k + k0 + kk;`;
  const bLoad = transB
    ? `let c = e / ${TK}u; let kk = e % ${TK}u; let src = b0 + (col0 + c) * k + k0 + kk;`
    : `let kk = e / ${TILE}u; let c = e % ${TILE}u; let src = b0 + (k0 + kk) * n + col0 + c;`;
  return `${PRELUDE}
${bindings([
  ['a', 'f32'],
  ['b', 'f32'],
  ['out', 'f32'],
])}
var<workgroup> As: array<array<f32, ${TILE}>, ${TK}>;
var<workgroup> Bs: array<array<f32, ${TILE}>, ${TK}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let m = pu(0u);
  let k = pu(1u);
  let n = pu(2u);
  let batch = wid.z + pu(5u);
  let row0 = (wid.y + pu(6u)) * ${TILE}u;
  let col0 = (wid.x + pu(7u)) * ${TILE}u;
  let a0 = batch * pu(3u);
  let b0 = batch * pu(4u);
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < k; k0 += ${TK}u) {
    for (var j = 0u; j < 4u; j++) {
      let e = li + j * 256u;
      { ${aLoad}
        var v = 0.0;
        if (row0 + r < m && k0 + kk < k) { v = a[src]; }
        As[kk][r] = v; }
      { ${bLoad}
        var v = 0.0;
        if (col0 + c < n && k0 + kk < k) { v = b[src]; }
        Bs[kk][c] = v; }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      for (var i = 0u; i < 4u; i++) {
        let av = As[kk][lid.y + 16u * i];
        for (var j = 0u; j < 4u; j++) { acc[i][j] += av * Bs[kk][lid.x + 16u * j]; }
      }
    }
    workgroupBarrier();
  }
  let c0 = batch * m * n;
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y + 16u * i;
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x + 16u * j;
      if (r < m && c < n) { out[c0 + r * n + c] = acc[i][j]; }
    }
  }
}`;
}

export function matmul(q: Queue, a: GpuStorage, b: GpuStorage, out: GpuStorage, args: MatmulArgs): void {
  const { m, k, n, transA, transB, batch, aBatchStride, bBatchStride } = args;
  const kernel = q.kernel(`matmul:${transA}:${transB}`, () => source(transA, transB));
  const cols = Math.ceil(n / TILE),
    rows = Math.ceil(m / TILE);
  const max = q.maxGroups;
  // Past maxComputeWorkgroupsPerDimension tiles (or batch items) on an axis, several dispatches,
  // each told where its grid starts.
  for (let z = 0; z < batch; z += max) {
    for (let y = 0; y < rows; y += max) {
      for (let x = 0; x < cols; x += max) {
        q.dispatch(
          kernel,
          [a.buffer, b.buffer, out.buffer],
          [m, k, n, aBatchStride, bBatchStride, z, y, x],
          Math.min(max, cols - x),
          Math.min(max, rows - y),
          Math.min(max, batch - z),
        );
      }
    }
  }
}
