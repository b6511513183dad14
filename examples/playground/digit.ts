/**
 * A drawing as MNIST's digits are made: the ink's bounding box scaled (aspect kept) to fit a
 * 20×20 box, placed in a 28×28 image so that its centre of mass is at the centre (LeCun et al.),
 * grey values 0..1. The drawing is white on black, so the red channel is the ink.
 */
const SIDE = 28;
const BOX = 20;

/** Ink below this (of 255) counts as paper: antialiasing leaves faint pixels at a stroke's edge. */
const INK = 16;

/** The 28×28 digit, or null when nothing is drawn. */
export function mnistPixels(pad: HTMLCanvasElement): Float32Array | null {
  const ctx = pad.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('mnistPixels: the drawing canvas has no 2D context');
  const { width, height } = pad;
  const ink = ctx.getImageData(0, 0, width, height).data;
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[(y * width + x) * 4] < INK) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  if (right < 0) return null;
  const [w, h] = [right - left + 1, bottom - top + 1];
  const scale = BOX / Math.max(w, h);
  const [sw, sh] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  // Scaled first into its own canvas, to find the centre of mass of what will be placed.
  const small = canvas(sw, sh);
  small.ctx.imageSmoothingQuality = 'high';
  small.ctx.drawImage(pad, left, top, w, h, 0, 0, sw, sh);
  const grey = small.ctx.getImageData(0, 0, sw, sh).data;
  let [mass, mx, my] = [0, 0, 0];
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = grey[(y * sw + x) * 4];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass === 0) return null;
  // Shifted by whole pixels, as MNIST was, and kept inside the image.
  const dx = clamp(Math.round(SIDE / 2 - mx / mass), 0, SIDE - sw);
  const dy = clamp(Math.round(SIDE / 2 - my / mass), 0, SIDE - sh);
  const out = canvas(SIDE, SIDE);
  out.ctx.fillStyle = 'black';
  out.ctx.fillRect(0, 0, SIDE, SIDE);
  out.ctx.drawImage(small.canvas, dx, dy);
  const rgba = out.ctx.getImageData(0, 0, SIDE, SIDE).data;
  const pixels = new Float32Array(SIDE * SIDE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rgba[i * 4] / 255;
  return pixels;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function canvas(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('mnistPixels: could not make a 2D canvas');
  return { canvas: c, ctx };
}

/** Show 28×28 grey values on a canvas (any size: drawn pixelated). */
export function showPixels(target: HTMLCanvasElement, pixels: Float32Array | null): void {
  const ctx = target.getContext('2d');
  if (!ctx) return;
  const image = new ImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.round(255 * (pixels?.[i] ?? 0));
    image.data.set([v, v, v, 255], i * 4);
  }
  const tmp = canvas(SIDE, SIDE);
  tmp.ctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp.canvas, 0, 0, target.width, target.height);
}
