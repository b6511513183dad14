/**
 * The report's plots as pixels, for PNGs (terminals, READMEs): the same layouts as the SVGs, drawn
 * with rectangles, thick lines and a 3×5 pixel font into an RGBA buffer; fast-png encodes it
 * (encodePng). Browser-safe.
 */
import { DIGITS, fillRect, type RgbaImage } from '../heatmap.js';
import { layoutLineChart, type LineChart } from './chart.js';
import { cellShade } from './svg.js';

/** 3×5 capitals and marks; digits come from heatmap.ts's font. Unknown characters are blank. */
const GLYPHS: Record<string, readonly string[]> = {
  A: ['010', '101', '111', '101', '101'],
  B: ['110', '101', '110', '101', '110'],
  C: ['011', '100', '100', '100', '011'],
  D: ['110', '101', '101', '101', '110'],
  E: ['111', '100', '110', '100', '111'],
  F: ['111', '100', '110', '100', '100'],
  G: ['011', '100', '101', '101', '011'],
  H: ['101', '101', '111', '101', '101'],
  I: ['111', '010', '010', '010', '111'],
  J: ['001', '001', '001', '101', '010'],
  K: ['101', '101', '110', '101', '101'],
  L: ['100', '100', '100', '100', '111'],
  M: ['101', '111', '111', '101', '101'],
  N: ['110', '101', '101', '101', '101'],
  O: ['010', '101', '101', '101', '010'],
  P: ['110', '101', '110', '100', '100'],
  Q: ['010', '101', '101', '110', '011'],
  R: ['110', '101', '110', '101', '101'],
  S: ['011', '100', '010', '001', '110'],
  T: ['111', '010', '010', '010', '010'],
  U: ['101', '101', '101', '101', '111'],
  V: ['101', '101', '101', '101', '010'],
  W: ['101', '101', '111', '111', '101'],
  X: ['101', '101', '010', '101', '101'],
  Y: ['101', '101', '010', '010', '010'],
  Z: ['111', '001', '010', '100', '111'],
  '.': ['000', '000', '000', '000', '010'],
  '-': ['000', '000', '111', '000', '000'],
  _: ['000', '000', '000', '000', '111'],
  ':': ['000', '010', '000', '010', '000'],
  '%': ['101', '001', '010', '100', '101'],
  '(': ['010', '100', '100', '100', '010'],
  ')': ['010', '001', '001', '001', '010'],
};

function glyph(c: string): readonly string[] | undefined {
  return /[0-9]/.test(c) ? DIGITS[Number(c)] : GLYPHS[c.toUpperCase()];
}

/** Width in pixels of `text` at `size` pixels per font pixel. */
export function textWidth(text: string, size: number): number {
  return text.length > 0 ? text.length * 4 * size - size : 0;
}

type Rgb = readonly [number, number, number];
type Align = 'left' | 'center' | 'right';

/** An RGBA image to draw on, filled white. */
export function blankImage(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8Array(width * height * 4).fill(255) };
}

export function drawText(
  img: RgbaImage,
  text: string,
  x: number,
  y: number,
  size: number,
  rgb: Rgb,
  align: Align = 'left',
): void {
  const w = textWidth(text, size);
  let left = Math.round(align === 'left' ? x : align === 'center' ? x - w / 2 : x - w);
  for (const c of text) {
    glyph(c)?.forEach((row, r) =>
      [...row].forEach((bit, k) => {
        if (bit === '1') fillRect(img, left + k * size, Math.round(y) + r * size, size, size, rgb);
      }),
    );
    left += 4 * size;
  }
}

/** A line `thickness` pixels wide from (x0, y0) to (x1, y1); `dash` draws on/off runs of that many pixels. */
export function drawLine(
  img: RgbaImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  rgb: Rgb,
  thickness = 2,
  dash = 0,
): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
  const half = Math.floor(thickness / 2);
  for (let i = 0; i <= steps; i++) {
    if (dash > 0 && Math.floor(i / dash) % 2 === 1) continue;
    const x = Math.round(x0 + ((x1 - x0) * i) / steps);
    const y = Math.round(y0 + ((y1 - y0) * i) / steps);
    fillRect(img, x - half, y - half, thickness, thickness, rgb);
  }
}

export function hexColor(hex: string): Rgb {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [228, 228, 228];

/** The line chart of `lineChartSvg`, as pixels. */
export function lineChartImage(chart: LineChart, width = 640, height = 400): RgbaImage {
  const img = blankImage(width, height);
  const L = layoutLineChart(chart, width, height);
  const { left, top, right, bottom } = L.plot;
  for (const t of L.yTicks) {
    drawLine(img, left, t.at, right, t.at, GRID, 1);
    drawText(img, t.label, left - 8, t.at - 5, 2, INK, 'right');
  }
  for (const t of L.xTicks) {
    drawLine(img, t.at, bottom, t.at, bottom + 4, INK, 1);
    drawText(img, t.label, t.at, bottom + 10, 2, INK, 'center');
  }
  drawLine(img, left, top, left, bottom, INK, 1);
  drawLine(img, left, bottom, right, bottom, INK, 1);
  drawText(img, chart.title, width / 2, 10, 3, INK, 'center');
  drawText(img, chart.xLabel, (left + right) / 2, bottom + 26, 2, INK, 'center');
  for (const { series, runs } of L.lines) {
    const rgb = hexColor(series.color);
    for (const run of runs) {
      for (let i = 1; i < run.length; i++)
        drawLine(img, run[i - 1][0], run[i - 1][1], run[i][0], run[i][1], rgb, 2, series.dashed ? 6 : 0);
      for (const [x, y] of run) fillRect(img, Math.round(x) - 3, Math.round(y) - 3, 7, 7, rgb);
    }
  }
  L.lines.forEach(({ series }, i) => {
    const x = left + i * 180;
    const y = height - 16;
    drawLine(img, x, y, x + 24, y, hexColor(series.color), 2, series.dashed ? 6 : 0);
    drawText(img, series.name, x + 32, y - 5, 2, INK);
  });
  return img;
}

/** The confusion matrix of `confusionSvg`, as pixels. */
export function confusionImage(confusion: readonly (readonly number[])[], classNames: readonly string[]): RgbaImage {
  const size = confusion.length;
  const cell = size <= 10 ? 44 : Math.max(12, Math.floor(440 / size));
  const left = 64;
  const top = 64;
  const img = blankImage(left + size * cell + 16, top + size * cell + 16);
  drawText(img, 'PREDICTED CLASS', left + (size * cell) / 2, 8, 2, INK, 'center');
  drawText(img, 'TRUE', 8, top + (size * cell) / 2 - 5, 2, INK);
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + t * cell;
    drawText(img, classNames[t] ?? String(t), left - 8, y + cell / 2 - 5, 2, INK, 'right');
    row.forEach((count, p) => {
      const share = total > 0 ? count / total : 0;
      fillRect(img, left + p * cell, y, cell, cell, cellShade(share));
      const text = String(count);
      const scale = textWidth(text, 2) <= cell - 4 ? 2 : 1;
      if (cell >= 16)
        drawText(
          img,
          text,
          left + p * cell + cell / 2,
          y + cell / 2 - 2.5 * scale,
          scale,
          share > 0.5 ? [255, 255, 255] : INK,
          'center',
        );
    });
  });
  classNames
    .slice(0, size)
    .forEach((name, p) => drawText(img, name, left + p * cell + cell / 2, top - 16, 2, INK, 'center'));
  for (let k = 0; k <= size; k++) {
    drawLine(img, left + k * cell, top, left + k * cell, top + size * cell, [221, 221, 221], 1);
    drawLine(img, left, top + k * cell, left + size * cell, top + k * cell, [221, 221, 221], 1);
  }
  return img;
}
