/**
 * The strided copy behind permute, slice, pad, concat and expand (Backend.copyStrided), for
 * 4-byte elements over up to four axes: dst[i0, i1, i2, i3] = src[i0, i1, i2, i3] with each side's
 * own strides (in elements). Rows along the last axis are a memory.copy when both are contiguous
 * there, a fill when the source repeats one value (a broadcast), else a loop. In TypeScript a row of
 * 32 floats (a head, when attention splits heads) cost more in call overhead than in copying.
 */

/** Outer index range [r0, r1) of the copy, the other sizes n1, n2, n3 (1 where unused). */
export function copyStrided(
  src: usize,
  dst: usize,
  n1: i32,
  n2: i32,
  n3: i32,
  ss0: i32,
  ss1: i32,
  ss2: i32,
  ss3: i32,
  ds0: i32,
  ds1: i32,
  ds2: i32,
  ds3: i32,
  r0: i32,
  r1: i32,
): void {
  const rowBytes = (<usize>n3) << 2;
  for (let i0 = r0; i0 < r1; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        const s = src + ((<usize>(i0 * ss0 + i1 * ss1 + i2 * ss2)) << 2);
        const d = dst + ((<usize>(i0 * ds0 + i1 * ds1 + i2 * ds2)) << 2);
        if (ss3 == 1 && ds3 == 1) memory.copy(d, s, rowBytes);
        else if (ss3 == 0 && ds3 == 1) {
          const v = load<u32>(s);
          const vv = i32x4.splat(v);
          let k = 0;
          for (; k + 4 <= n3; k += 4) v128.store(d + ((<usize>k) << 2), vv);
          for (; k < n3; k++) store<u32>(d + ((<usize>k) << 2), v);
        } else {
          for (let k = 0; k < n3; k++)
            store<u32>(d + ((<usize>(k * ds3)) << 2), load<u32>(s + ((<usize>(k * ss3)) << 2)));
        }
      }
    }
  }
}
