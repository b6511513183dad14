/**
 * The heat-map picture: sizes, the colours of a cold and of the hottest pixel (the blend the file
 * documents, computed here by hand), the class bars, and the PNG bytes decoded again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'fast-png';
import { tensor, heatmapOverlay, withClassBars, encodePng, ArgumentError, ShapeError } from '../../src/index.js';

const image = tensor([
  [[0], [0.5]],
  [[1], [0.25]],
]); // [2, 2, 1]
const attributions = tensor([
  [[0], [-2]],
  [[0], [1]],
]);

function pixel(data: ArrayLike<number>, width: number, x: number, y: number): number[] {
  const p = (y * width + x) * 4;
  return [data[p], data[p + 1], data[p + 2], data[p + 3]];
}

test('heatmapOverlay: each pixel scale × scale, cold pixels grey, the hottest blended with yellow', async () => {
  const img = await heatmapOverlay(image, attributions, { scale: 3, opacity: 0.5 });
  assert.equal(img.width, 6);
  assert.equal(img.height, 6);
  // (row 1, col 0): grey 1, no heat → white; (row 0, col 0): grey 0 → black.
  assert.deepEqual(pixel(img.data, 6, 1, 4), [255, 255, 255, 255]);
  assert.deepEqual(pixel(img.data, 6, 2, 2), [0, 0, 0, 255]);
  // (row 0, col 1): |−2| is the hottest (heat 1): 0.5·grey 0.5 + 0.5·yellow.
  const hot = [0.25 + 0.5, 0.25 + 0.5, 0.25].map((v) => Math.round(255 * v));
  assert.deepEqual(pixel(img.data, 6, 5, 0), [...hot, 255]);
  // 'positive' ignores the negative evidence: (row 1, col 1) with heat 1 becomes the hot one.
  const pos = await heatmapOverlay(image, attributions, { scale: 1, opacity: 1, sign: 'positive' });
  assert.deepEqual(pixel(pos.data, 2, 1, 1), [255, 255, 0, 255]);
  assert.deepEqual(pixel(pos.data, 2, 1, 0), [128, 128, 128, 255]);
});

test('encodePng + withClassBars: a PNG that decodes to the picture with a 120-pixel panel of bars', async () => {
  const picture = withClassBars(await heatmapOverlay(image, attributions, { scale: 20 }), [0.1, 0.7, 0.2]);
  assert.equal(picture.width, 160);
  const png = encodePng(picture);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'the PNG signature');
  const decoded = decode(png);
  assert.equal(decoded.width, 160);
  assert.equal(decoded.height, 40);
  assert.equal(decoded.channels, 4);
  assert.deepEqual([...decoded.data], [...picture.data]);
  // Class 1 is the most probable: its bar (row 1 of 3, rows of 13 pixels) starts orange.
  const rowTop = 13 + Math.floor((13 - 5) / 2);
  const barLeft = 40 + 6 + 4 * 1 + 6;
  assert.deepEqual(pixel(decoded.data, 160, barLeft, rowTop), [255, 140, 0, 255]);
});

test('bad pictures are refused with what was expected', async () => {
  await assert.rejects(heatmapOverlay(image, tensor([1, 2, 3])), ShapeError);
  await assert.rejects(
    heatmapOverlay(image, attributions, { scale: 0 }),
    /heatmapOverlay: got scale=0; expected an integer in 1\.\.64/,
  );
  await assert.rejects(heatmapOverlay(image, attributions, { sign: 'negative' as never }), ArgumentError);
  assert.throws(() => withClassBars({ width: 1, height: 1, data: new Uint8Array(4) }, []), /expected 1 to 10 numbers/);
});
