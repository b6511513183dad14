/**
 * Pictures of attributions: the input in grey with the attribution heat map over it, upscaled,
 * optionally beside a bar chart of the class probabilities; PNG bytes by fast-png (pure
 * JavaScript, so the same code runs in Node and in browsers). The maps are reduced and scaled by
 * ops; the host reads only the finished grey and heat values, to colour pixels.
 */
import { encode } from 'fast-png';
import type { Tensor } from '../tensor/tensor.js';
import { abs, div, maximum, relu, sub } from '../ops/elementwise.js';
import { max, mean, min, sum } from '../ops/reduce.js';
import { reshape } from '../ops/movement.js';
import { noGrad } from '../autograd/mode.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { checkOptions } from '../util/options.js';

/** RGBA pixels, row by row, 4 bytes a pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface HeatmapOptions {
  /** Each input pixel becomes scale × scale pixels (default 8). */
  scale?: number;
  /** How strongly the hottest pixels cover the image, 0..1 (default 0.7). */
  opacity?: number;
  /** 'absolute' (default) shows |attribution|; 'positive' only evidence for the class. */
  sign?: 'absolute' | 'positive';
}

/** One image [height, width] or [height, width, channels] (a batch of one is accepted) as [height, width]. */
function plane(fn: string, what: string, t: Tensor): Tensor {
  const shape = t.rank === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (shape.length === 2) return reshape(t, shape);
  if (shape.length === 3) return mean(reshape(t, shape), [2]);
  throw new ShapeError(
    `${fn}: got ${what} of shape ${describe(t.shape)}; expected one image [height, width, channels]`,
  );
}

/** Red → orange → yellow as heat goes from 0 to 1 (it is blended in as strongly as it is hot). */
function heatColor(h: number): [number, number, number] {
  return [1, Math.min(1, Math.max(0, h)), 0];
}

/**
 * The image in grey with the heat map of `attributions` over it, each pixel scale × scale.
 * `image` and `attributions` are one sample each ([height, width, channels] or [height, width]);
 * channels are averaged for the grey and summed for the heat. Async: the values are read with
 * `await t.data()`, which every backend answers.
 */
export async function heatmapOverlay(
  image: Tensor,
  attributions: Tensor,
  options: HeatmapOptions = {},
): Promise<RgbaImage> {
  const fn = 'heatmapOverlay';
  const o = checkOptions(fn, options, ['scale', 'opacity', 'sign']) as HeatmapOptions;
  const scale = o.scale ?? 8;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64)
    throw new ArgumentError(`${fn}: got scale=${describe(o.scale)}; expected an integer in 1..64`);
  const opacity = o.opacity ?? 0.7;
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1))
    throw new ArgumentError(`${fn}: got opacity=${describe(o.opacity)}; expected a number in [0, 1]`);
  const sign = o.sign ?? 'absolute';
  if (sign !== 'absolute' && sign !== 'positive')
    throw new ArgumentError(`${fn}: got sign=${describe(o.sign)}; expected 'absolute' or 'positive'`);
  const { grey, heat } = noGrad(() => {
    const g = plane(fn, 'an image', image);
    const signed = attributions.rank >= 3 ? attributions : reshape(attributions, [...attributions.shape, 1]);
    const shaped = signed.rank === 4 && signed.shape[0] === 1 ? reshape(signed, signed.shape.slice(1)) : signed;
    if (shaped.rank !== 3 || shaped.shape[0] !== g.shape[0] || shaped.shape[1] !== g.shape[1])
      throw new ShapeError(
        `${fn}: got attributions of shape ${describe(attributions.shape)} for an image ${describe(g.shape)}; expected the image's height and width`,
      );
    const h = sum(sign === 'absolute' ? abs(shaped) : relu(shaped), [2]);
    const low = min(g);
    return {
      grey: div(sub(g, low), maximum(sub(max(g), low), 1e-12)),
      heat: div(h, maximum(max(h), 1e-12)),
    };
  });
  const [rows, cols] = grey.shape;
  // Awaited reads, so a WebGPU tensor renders too (its synchronous reads are refused).
  const g = await grey.data();
  const hv = await heat.data();
  const width = cols * scale;
  const out = new Uint8Array(width * rows * scale * 4);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const a = opacity * hv[i];
      const rgb = heatColor(hv[i]).map((v) => Math.round(255 * ((1 - a) * g[i] + a * v)));
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const p = ((r * scale + dy) * width + c * scale + dx) * 4;
          out.set([rgb[0], rgb[1], rgb[2], 255], p);
        }
      }
    }
  }
  return { width, height: rows * scale, data: out };
}

/** 3×5 bitmaps of the digits 0–9, one row a string. */
export const DIGITS: readonly (readonly string[])[] = [
  ['111', '101', '101', '101', '111'],
  ['010', '110', '010', '010', '111'],
  ['111', '001', '111', '100', '111'],
  ['111', '001', '111', '001', '111'],
  ['101', '101', '111', '001', '001'],
  ['111', '100', '111', '001', '111'],
  ['111', '100', '111', '101', '111'],
  ['111', '001', '010', '010', '010'],
  ['111', '101', '111', '101', '111'],
  ['111', '101', '111', '001', '111'],
];

/** Fill a rectangle of `img` (clipped to it) with an opaque colour. */
export function fillRect(img: RgbaImage, x: number, y: number, w: number, h: number, rgb: readonly number[]): void {
  for (let yy = Math.max(0, y); yy < Math.min(img.height, y + h); yy++)
    for (let xx = Math.max(0, x); xx < Math.min(img.width, x + w); xx++)
      img.data.set([rgb[0], rgb[1], rgb[2], 255], (yy * img.width + xx) * 4);
}

/**
 * `picture` with a panel on its right: one row per class (at most 10, labelled 0–9), a bar as long
 * as the class's probability; the highest is drawn in orange.
 */
export function withClassBars(picture: RgbaImage, probabilities: readonly number[]): RgbaImage {
  const fn = 'withClassBars';
  if (!Array.isArray(probabilities) || probabilities.length < 1 || probabilities.length > 10)
    throw new ArgumentError(`${fn}: got probabilities ${describe(probabilities)}; expected 1 to 10 numbers`);
  const panel = 120;
  const img: RgbaImage = {
    width: picture.width + panel,
    height: picture.height,
    data: new Uint8Array((picture.width + panel) * picture.height * 4),
  };
  fillRect(img, 0, 0, img.width, img.height, [24, 24, 24]);
  for (let y = 0; y < picture.height; y++)
    img.data.set(picture.data.subarray(y * picture.width * 4, (y + 1) * picture.width * 4), y * img.width * 4);
  const rowHeight = Math.floor(picture.height / probabilities.length);
  const pixel = Math.max(1, Math.floor(rowHeight / 7));
  const best = probabilities.indexOf(Math.max(...probabilities));
  probabilities.forEach((p, k) => {
    const top = k * rowHeight + Math.floor((rowHeight - 5 * pixel) / 2);
    const left = picture.width + 6;
    DIGITS[k].forEach((row, y) =>
      [...row].forEach((bit, x) => {
        if (bit === '1') fillRect(img, left + x * pixel, top + y * pixel, pixel, pixel, [230, 230, 230]);
      }),
    );
    const barLeft = left + 4 * pixel + 6;
    const length = Math.round(Math.min(1, Math.max(0, p)) * (img.width - barLeft - 6));
    fillRect(img, barLeft, top, length, 5 * pixel, k === best ? [255, 140, 0] : [120, 160, 220]);
  });
  return img;
}

/** PNG bytes of an RGBA image (8 bits a channel). */
export function encodePng(image: RgbaImage): Uint8Array {
  return encode({ width: image.width, height: image.height, data: image.data, channels: 4, depth: 8 });
}
