/**
 * Recurrent cells as fused ops: one time step's gate nonlinearities in one backend pass each way
 * (Backend.lstmCell / gruCell). A recurrent layer's step is then the GEMM h·W_hhᵀ plus one of
 * these. Gate layout is PyTorch's: an LSTM's gates are [i | f | g | o] along the last axis, a
 * GRU's [r | z | n], each block `units` wide.
 */
import { contiguousStrides } from '../backend/strided.js';
import { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { record, recordOutputs } from './record.js';
import { backendOf, output, requireFloat } from './util.js';

/**
 * One LSTM step from the gate pre-activations split in two addends, gx (the input's projection,
 * biases included) and gh (the state's, h·W_hhᵀ), both [rows, 4·units], and the previous cell
 * state cPrev [rows, units]: c = σ(f)·cPrev + σ(i)·tanh(g), h = σ(o)·tanh(c).
 * @example const { h, c } = lstmCell(xProj, matmul(h0, wHh, { transB: true }), c0)
 */
export function lstmCell(gx: Tensor, gh: Tensor, cPrev: Tensor): { h: Tensor; c: Tensor } {
  const fn = 'lstmCell';
  const { rows, units } = cellShapes(fn, gx, gh, cPrev, 4, 'cPrev');
  const be = backendOf(fn, gx, gh, cPrev);
  const h = output([rows, units], 'float32', be);
  const c = output([rows, units], 'float32', be);
  const acts = be.allocate('float32', rows * 4 * units, false);
  be.lstmCell(gx.storage, gh.storage, cPrev.storage, rows, units, h.storage, c.storage, acts);
  // h and c are two outputs of one node: one backward kernel per step takes both gradients.
  recordOutputs(fn, [h, c], [gx, gh, cPrev], ([dh, dc]) => {
    const dGates = output(gx.shape, 'float32', be);
    const dcPrev = cPrev.requiresGrad ? output(cPrev.shape, 'float32', be) : null;
    be.lstmCellBackward(
      dh && dh.storage,
      dc && dc.storage,
      acts,
      cPrev.storage,
      c.storage,
      rows,
      units,
      dGates.storage,
      dcPrev && dcPrev.storage,
    );
    return [gx.requiresGrad ? dGates : null, gh.requiresGrad ? dGates : null, dcPrev];
  });
  return { h, c };
}

/**
 * One GRU step (PyTorch's formulation): gx = x·W_ihᵀ + b_ih and gh = hPrev·W_hhᵀ + b_hh, both
 * [rows, 3·units], and hPrev [rows, units]: r = σ(gx_r + gh_r), z = σ(gx_z + gh_z),
 * n = tanh(gx_n + r·gh_n), h = (1 − z)·n + z·hPrev.
 * @example const h = gruCell(xProj, biasActivation(matmul(h0, wHh, { transB: true }), bHh), h0)
 */
export function gruCell(gx: Tensor, gh: Tensor, hPrev: Tensor): Tensor {
  const fn = 'gruCell';
  const { rows, units } = cellShapes(fn, gx, gh, hPrev, 3, 'hPrev');
  const be = backendOf(fn, gx, gh, hPrev);
  const h = output([rows, units], 'float32', be);
  const acts = be.allocate('float32', rows * 4 * units, false);
  be.gruCell(gx.storage, gh.storage, hPrev.storage, rows, units, h.storage, acts);
  return record(fn, h, [gx, gh, hPrev], (g) => {
    const dGx = gx.requiresGrad ? output(gx.shape, 'float32', be) : null;
    const dGh = gh.requiresGrad ? output(gh.shape, 'float32', be) : null;
    const dhPrev = hPrev.requiresGrad ? output(hPrev.shape, 'float32', be) : null;
    be.gruCellBackward(
      g.storage,
      acts,
      hPrev.storage,
      rows,
      units,
      dGx && dGx.storage,
      dGh && dGh.storage,
      dhPrev && dhPrev.storage,
    );
    return [dGx, dGh, dhPrev];
  });
}

/**
 * The time steps of a layer's own [batch, time, width] tensor (its input projection) as `time`
 * tensors [batch, width]. Sliced one by one, each step's backward would pad its gradient to the
 * whole [batch, time, width] and the engine would add `time` such arrays: O(time²) per backward
 * pass. Here every step's backward copies its gradient into its slot of one shared, zeroed array,
 * and the first of them in a pass hands that array on. The steps hang off an identity node over x,
 * which the engine reaches only after every step (they are its only consumers): the array is
 * complete by then, and that node ends the pass, so the next pass (retainGraph) starts afresh.
 * Only for a private tensor whose sole consumers are these steps (the layer's own projection),
 * never for one the caller can see.
 */
export function timeSteps(x: Tensor): Tensor[] {
  const fn = 'timeSteps';
  if (!(x instanceof Tensor) || x.rank !== 3)
    throw new ShapeError(
      `${fn}: got ${describe(x instanceof Tensor ? x.shape : x)}; expected a [batch, time, width] Tensor`,
    );
  const [batch, time, width] = x.shape;
  const be = backendOf(fn, x);
  const strides = contiguousStrides(x.shape);
  const stepStrides = [strides[0], strides[2]];
  const plain = contiguousStrides([batch, width]);
  let shared: Tensor | null = null;
  const whole = record(fn, new Tensor(x.storage, x.shape, x.dtype, be), [x], (g) => {
    shared = null; // this pass is over
    return [g];
  });
  const steps: Tensor[] = [];
  for (let t = 0; t < time; t++) {
    const step = output([batch, width], x.dtype, be);
    be.copyStrided(x.storage, t * width, stepStrides, step.storage, 0, plain, [batch, width]);
    steps.push(
      record(fn, step, [whole], (g) => {
        const first = shared === null;
        if (shared === null) shared = new Tensor(be.allocate('float32', x.size, true), x.shape, 'float32', be);
        be.copyStrided(g.storage, 0, plain, shared.storage, t * width, stepStrides, [batch, width]);
        return [first ? shared : null];
      }),
    );
  }
  return steps;
}

/** Checked shapes of a cell's operands: gx and gh [rows, gates·units], state [rows, units]. */
function cellShapes(
  fn: string,
  gx: Tensor,
  gh: Tensor,
  state: Tensor,
  gates: number,
  stateName: string,
): { rows: number; units: number } {
  for (const [t, what] of [
    [gx, 'gx'],
    [gh, 'gh'],
    [state, stateName],
  ] as const) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${fn}: got ${what}=${describe(t)}; expected a float32 Tensor`);
    requireFloat(fn, t, what);
  }
  const [rows, units] = state.rank === 2 ? state.shape : [-1, -1];
  const want = `[${rows}, ${gates * units}]`;
  if (state.rank !== 2)
    throw new ShapeError(`${fn}: got ${stateName} of shape ${describe(state.shape)}; expected [rows, units]`);
  for (const [t, what] of [
    [gx, 'gx'],
    [gh, 'gh'],
  ] as const) {
    if (t.rank !== 2 || t.shape[0] !== rows || t.shape[1] !== gates * units)
      throw new ShapeError(
        `${fn}: got ${what} of shape ${describe(t.shape)} with ${stateName} ${describe(state.shape)}; expected ${want} (${gates} gates of ${units} units per row)`,
      );
  }
  return { rows, units };
}
