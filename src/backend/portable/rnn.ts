/**
 * The recurrent cells' gate kernels (see Backend.lstmCell / gruCell): one pass over a time step's
 * gates each way. Gate blocks follow PyTorch's layout: a row of an LSTM's gates is
 * [i | f | g | o], each `units` wide; a GRU's is [r | z | n].
 */

function sigmoid(v: number): number {
  // Two branches keep exp's argument non-positive, so neither overflows (as the sigmoid kernel).
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export function lstmCell(
  gx: Float32Array,
  gh: Float32Array,
  cPrev: Float32Array,
  rows: number,
  units: number,
  h: Float32Array,
  c: Float32Array,
  acts: Float32Array,
): void {
  const w = 4 * units;
  for (let r = 0; r < rows; r++) {
    const g0 = r * w;
    const s0 = r * units;
    for (let j = 0; j < units; j++) {
      const ii = g0 + j;
      const fi = ii + units;
      const gi = fi + units;
      const oi = gi + units;
      const i = Math.fround(sigmoid(Math.fround(gx[ii] + gh[ii])));
      const f = Math.fround(sigmoid(Math.fround(gx[fi] + gh[fi])));
      const g = Math.fround(Math.tanh(Math.fround(gx[gi] + gh[gi])));
      const o = Math.fround(sigmoid(Math.fround(gx[oi] + gh[oi])));
      acts[ii] = i;
      acts[fi] = f;
      acts[gi] = g;
      acts[oi] = o;
      const cv = Math.fround(Math.fround(f * cPrev[s0 + j]) + Math.fround(i * g));
      c[s0 + j] = cv;
      h[s0 + j] = o * Math.fround(Math.tanh(cv));
    }
  }
}

export function lstmCellBackward(
  dh: Float32Array | null,
  dc: Float32Array | null,
  acts: Float32Array,
  cPrev: Float32Array,
  c: Float32Array,
  rows: number,
  units: number,
  dGates: Float32Array,
  dcPrev: Float32Array | null,
): void {
  const w = 4 * units;
  for (let r = 0; r < rows; r++) {
    const g0 = r * w;
    const s0 = r * units;
    for (let j = 0; j < units; j++) {
      const ii = g0 + j;
      const fi = ii + units;
      const gi = fi + units;
      const oi = gi + units;
      const k = s0 + j;
      const i = acts[ii];
      const f = acts[fi];
      const g = acts[gi];
      const o = acts[oi];
      const tc = Math.tanh(c[k]);
      const dhv = dh === null ? 0 : dh[k];
      // The gradient reaching c: its own, plus h's through o·tanh(c).
      const dct = (dc === null ? 0 : dc[k]) + dhv * o * (1 - tc * tc);
      dGates[ii] = dct * g * i * (1 - i);
      dGates[fi] = dct * cPrev[k] * f * (1 - f);
      dGates[gi] = dct * i * (1 - g * g);
      dGates[oi] = dhv * tc * o * (1 - o);
      if (dcPrev !== null) dcPrev[k] = dct * f;
    }
  }
}

export function gruCell(
  gx: Float32Array,
  gh: Float32Array,
  hPrev: Float32Array,
  rows: number,
  units: number,
  h: Float32Array,
  acts: Float32Array,
): void {
  const w = 3 * units;
  for (let row = 0; row < rows; row++) {
    const g0 = row * w;
    const a0 = row * 4 * units;
    const s0 = row * units;
    for (let j = 0; j < units; j++) {
      const ri = g0 + j;
      const zi = ri + units;
      const ni = zi + units;
      const r = Math.fround(sigmoid(Math.fround(gx[ri] + gh[ri])));
      const z = Math.fround(sigmoid(Math.fround(gx[zi] + gh[zi])));
      const ghn = gh[ni];
      const n = Math.fround(Math.tanh(Math.fround(gx[ni] + Math.fround(r * ghn))));
      acts[a0 + j] = r;
      acts[a0 + units + j] = z;
      acts[a0 + 2 * units + j] = n;
      acts[a0 + 3 * units + j] = ghn;
      h[s0 + j] = Math.fround((1 - z) * n) + Math.fround(z * hPrev[s0 + j]);
    }
  }
}

export function gruCellBackward(
  dh: Float32Array,
  acts: Float32Array,
  hPrev: Float32Array,
  rows: number,
  units: number,
  dGx: Float32Array | null,
  dGh: Float32Array | null,
  dhPrev: Float32Array | null,
): void {
  const w = 3 * units;
  for (let row = 0; row < rows; row++) {
    const g0 = row * w;
    const a0 = row * 4 * units;
    const s0 = row * units;
    for (let j = 0; j < units; j++) {
      const k = s0 + j;
      const r = acts[a0 + j];
      const z = acts[a0 + units + j];
      const n = acts[a0 + 2 * units + j];
      const ghn = acts[a0 + 3 * units + j];
      const d = dh[k];
      const dn = d * (1 - z) * (1 - n * n);
      const dz = d * (hPrev[k] - n) * z * (1 - z);
      const dr = dn * ghn * r * (1 - r);
      if (dGx !== null) {
        dGx[g0 + j] = dr;
        dGx[g0 + units + j] = dz;
        dGx[g0 + 2 * units + j] = dn;
      }
      if (dGh !== null) {
        dGh[g0 + j] = dr;
        dGh[g0 + units + j] = dz;
        dGh[g0 + 2 * units + j] = dn * r;
      }
      if (dhPrev !== null) dhPrev[k] = d * z;
    }
  }
}
