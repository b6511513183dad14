/**
 * Grad-CAM against PyTorch (test/fixtures/make_explain.py): a small conv net with the fixture's
 * weights, both conv layers, two target classes; the raw map and the bilinearly resized, scaled one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dense,
  Sequential,
  tensor,
  gradCam,
  resizeBilinear,
  convolutionLayers,
  ArgumentError,
} from '../../src/index.js';
import { assertClose } from '../helpers/gradcheck.js';
import { fromEntry } from '../helpers/torch-state.js';
import { explainFixture, fixtureNet } from '../helpers/explain-fixture.js';

const fixture = explainFixture;

test("Grad-CAM matches PyTorch's on both conv layers, for two classes", () => {
  const model = fixtureNet();
  const x = fromEntry(fixture.input);
  assert.deepEqual(convolutionLayers(model), ['0', '2']);
  for (const c of fixture.cases) {
    const r = gradCam(model, x, { layer: c.layer, target: c.target });
    const what = `layer ${c.layer}, class ${c.target}`;
    assert.equal(r.layer, c.layer);
    assert.deepEqual(r.map.shape, c.mapShape);
    assertClose(r.scores.dataSync(), c.scores, 1e-5, 1e-4, `${what} scores`);
    assertClose(r.map.dataSync(), c.map, 1e-6, 1e-4, `${what} map`);
    assert.deepEqual(r.attributions.shape, [2, 12, 12, 1]);
    assertClose(r.attributions.dataSync(), c.resized, 1e-5, 1e-4, `${what} resized`);
  }
  // The default layer is the last convolution.
  assert.equal(gradCam(model, x).layer, '2');
});

test('resizeBilinear is the identity at the same size and spreads a single pixel as PyTorch does', () => {
  const m = tensor([
    [
      [1, 2],
      [3, 4],
    ],
  ]);
  assert.deepEqual(resizeBilinear(m, 2, 2).toArray(), [
    [
      [1, 2],
      [3, 4],
    ],
  ]);
  // 2 → 4 with align_corners=False: source positions −0.25 (clamped to 0), 0.25, 0.75, 1.25 (→ 1).
  assertClose(resizeBilinear(tensor([[[0, 4]]]), 1, 4).dataSync(), [0, 1, 3, 4], 1e-6, 0, 'row');
});

test('Grad-CAM refuses a layer that is not a convolution, naming the ones that are', () => {
  const model = fixtureNet();
  const x = fromEntry(fixture.input);
  assert.throws(
    () => gradCam(model, x, { layer: '1' }),
    (e: Error) =>
      e instanceof ArgumentError &&
      e.message === `gradCam: got layer "1", a MaxPooling2D; expected a convolution: '0', '2'`,
  );
  assert.throws(
    () => gradCam(model, x, { layer: 'conv9' }),
    /which the model does not have; expected a convolution: '0', '2'/,
  );
  const dense = new Sequential([new Dense({ units: 2, inputShape: [4] })]);
  assert.throws(() => gradCam(dense, tensor([[[[1]]]])), /has no Conv2D layer/);
});
