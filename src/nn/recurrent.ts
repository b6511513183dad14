/**
 * Recurrent layers — `SimpleRNN`, `LSTM`, `GRU` — and the `Bidirectional` wrapper, over inputs
 * [batch, time, features] (Keras's batch-first layout).
 *
 * Weights are PyTorch's, name for name, so `stateDict()` exchanges with a one-layer
 * `torch.nn.RNN` / `LSTM` / `GRU` built with `batch_first=True`:
 * - `weight_ih_l0` [gates·units, features], `weight_hh_l0` [gates·units, units],
 *   `bias_ih_l0` and `bias_hh_l0` [gates·units] (no biases with `useBias: false`, torch's bias=False);
 * - gate order along the first axis: LSTM i, f, g, o (gates = 4); GRU r, z, n (gates = 3, with
 *   n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)), PyTorch's form, Keras's `reset_after=True`);
 *   SimpleRNN one block (gates = 1), h = tanh(W_ih·x + b_ih + W_hh·h + b_hh) (or relu).
 * Initialisation is PyTorch's too: every weight uniform in ±1/√units.
 * `Bidirectional` holds two such layers, `forwardLayer.*` and `backwardLayer.*`; torch's
 * bidirectional module names the second set `*_l0_reverse`.
 *
 * Speed: the input projection of every time step is one GEMM before the loop (with the biases
 * folded in), cut into steps whose gradients share one array (ops/rnn.ts timeSteps); each step is
 * then one GEMM h·W_hhᵀ for all gates and one fused gate kernel
 * (ops/rnn.ts: lstmCell, gruCell), plus two `where`s when a mask is given.
 *
 * Masking: `call(x, { mask })` with mask [batch, time] (int32 or float32, nonzero = a real step).
 * A padded step leaves the state unchanged and outputs zeros, as Keras does; the last output
 * (returnSequences false) is then the state after the last real step.
 *
 * @example
 * const model = new Sequential([
 *   new Bidirectional(new LSTM({ units: 32, returnSequences: true, inputShape: [null, 8] })),
 *   new GRU({ units: 16 }),
 *   new Dense({ units: 1 }),
 * ]);
 * const lstm = new LSTM<Tensor[]>({ units: 4, returnState: true });
 * const [output, h, c] = lstm.call(x, { mask, initialState: [h0, c0] }); // x [batch, time, features]
 */
import type { Shape } from '../backend/types.js';
import { Tensor } from '../tensor/tensor.js';
import { uniform, zeros } from '../tensor/creation.js';
import { add, mul, relu, tanh, where } from '../ops/elementwise.js';
import { mm } from '../ops/matmul.js';
import { biasActivation } from '../ops/fused.js';
import { concat, gather, reshape, sliceAxis, stack } from '../ops/movement.js';
import { gruCell, lstmCell, timeSteps } from '../ops/rnn.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { layerClassName, layerFromConfig, layerToConfig, registerLayer, type LayerConfig } from './registry.js';
import { booleanOption, checkLayerShape, checkOptions, positiveInt, type LayerShape } from './layer-util.js';
import { classNameOf, nameOfClass } from '../util/class-names.js';

export interface RecurrentOptions {
  /** Size of the state (and of each output step). */
  units: number;
  /** Return the output of every step, [batch, time, units], instead of the last, [batch, units] (default false). */
  returnSequences?: boolean;
  /** `call` returns [output, ...final states] (LSTM: h, c; the others: h) instead of the output (default false). */
  returnState?: boolean;
  /** Run over the time steps last to first; the outputs come in that order (default false). */
  goBackwards?: boolean;
  /** Biases b_ih and b_hh (default true). */
  useBias?: boolean;
  /** Input features; when given, the weights are created now instead of on the first call. */
  inputDim?: number;
  /** Keras's input_shape: [time, features] (time may be null); builds the layer now. */
  inputShape?: readonly (number | null)[];
}

export interface SimpleRNNOptions extends RecurrentOptions {
  /** The nonlinearity (torch's `nonlinearity`): 'tanh' (default) or 'relu'. */
  activation?: 'tanh' | 'relu';
}

/** What `call` takes beside the input. */
export interface RecurrentCallOptions {
  /** [batch, time], int32 or float32: nonzero for a real step, 0 for padding. */
  mask?: Tensor | null;
  /** The initial state(s), each [batch, units] (LSTM: [h0, c0]); zeros when not given. */
  initialState?: Tensor | readonly Tensor[] | null;
}

/** A run's output and final states (LSTM: [h, c]; the others: [h]). */
export interface RecurrentResult {
  output: Tensor;
  states: Tensor[];
}

const KEYS = ['units', 'returnSequences', 'returnState', 'goBackwards', 'useBias', 'inputDim', 'inputShape'] as const;

/**
 * What the three layers share: weights, validation, the projection of all steps and the loop.
 * `Out` is `Tensor`, or `Tensor[]` for a layer made with `returnState: true`
 * (`new LSTM<Tensor[]>({ units, returnState: true })`).
 */
export abstract class RecurrentLayer<Out extends Tensor | Tensor[] = Tensor> extends Module<[Tensor], Out> {
  weight_ih_l0: Parameter | null = null;
  weight_hh_l0: Parameter | null = null;
  bias_ih_l0: Parameter | null = null;
  bias_hh_l0: Parameter | null = null;
  readonly units: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly useBias: boolean;
  #options: RecurrentOptions;

  /** Gate blocks per weight: 4 (LSTM), 3 (GRU), 1 (SimpleRNN). */
  protected abstract readonly gates: number;
  /** States carried from step to step: 2 (LSTM: h, c) or 1 (h). */
  protected abstract readonly stateCount: number;

  constructor(options: RecurrentOptions, extraKeys: readonly string[] = []) {
    super();
    const fn = nameOfClass(new.target);
    checkOptions(fn, options, [...KEYS, ...extraKeys], '{ units: 32 }');
    this.units = positiveInt(fn, 'units', options.units);
    this.returnSequences = booleanOption(fn, 'returnSequences', options.returnSequences, false);
    this.returnState = booleanOption(fn, 'returnState', options.returnState, false);
    this.goBackwards = booleanOption(fn, 'goBackwards', options.goBackwards, false);
    this.useBias = booleanOption(fn, 'useBias', options.useBias, true);
    this.#options = { ...options };
    this.setInputShape(options.inputShape);
  }

  /** Call once the subclass's fields (gates) exist: builds the layer when its input size is given. */
  protected buildFromOptions(): void {
    const o = this.#options;
    if (o.inputDim !== undefined) this.build([null, null, positiveInt(classNameOf(this), 'inputDim', o.inputDim)]);
    else if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.weight_ih_l0 !== null;
  }

  /** Create the weights for inputs [batch, time, features]. Called by the first `call`. */
  override build(inputShape: LayerShape): void {
    const fn = `${classNameOf(this)}.build`;
    const features = this.#featuresOf(fn, inputShape);
    if (this.weight_ih_l0) {
      if (this.weight_ih_l0.shape[1] === features) return;
      throw new ShapeError(
        `${fn}: the layer is already built for ${this.weight_ih_l0.shape[1]} input features; got input shape ${describe(inputShape)}`,
      );
    }
    this.rememberBuildShape(inputShape);
    const rows = this.gates * this.units;
    const bound = 1 / Math.sqrt(this.units);
    const init = (shape: Shape): Parameter => new Parameter(uniform(shape, -bound, bound));
    this.weight_ih_l0 = init([rows, features]);
    this.weight_hh_l0 = init([rows, this.units]);
    if (this.useBias) {
      this.bias_ih_l0 = init([rows]);
      this.bias_hh_l0 = init([rows]);
    }
  }

  /** [batch, time, features] → [batch, time, units] (returnSequences) or [batch, units]. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const fn = `${classNameOf(this)}.computeOutputShape`;
    const features = this.#featuresOf(fn, inputShape);
    if (this.weight_ih_l0 && this.weight_ih_l0.shape[1] !== features) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected ${this.weight_ih_l0.shape[1]} features (the layer was built for that)`,
      );
    }
    return this.returnSequences ? [inputShape[0], inputShape[1], this.units] : [inputShape[0], this.units];
  }

  #featuresOf(fn: string, inputShape: LayerShape): number {
    const shape = checkLayerShape(fn, inputShape);
    const features = shape[2];
    if (shape.length !== 3 || features === null || features <= 0) {
      throw new ShapeError(
        `${fn}: got input shape ${describe(inputShape)}; expected [batch, time, features] with a known, positive number of features`,
      );
    }
    return features;
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      units: this.units,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      useBias: this.useBias,
    };
    if (this.#options.inputDim !== undefined) config.inputDim = this.#options.inputDim;
    return config;
  }

  /** Run the layer (and any forward hooks); see RecurrentCallOptions. */
  override call(x: Tensor, options?: RecurrentCallOptions): Out {
    return (super.call as (x: Tensor, o?: RecurrentCallOptions) => Out)(x, options);
  }

  /** The output, or [output, ...states] with returnState. */
  override forward(x: Tensor, options: RecurrentCallOptions = {}): Out {
    const { output, states } = this.run(x, options);
    return (this.returnState ? [output, ...states] : output) as Out;
  }

  /** The output and the final states, whatever returnState says. */
  run(x: Tensor, options: RecurrentCallOptions = {}): RecurrentResult {
    const fn = classNameOf(this);
    checkOptions(fn, options, ['mask', 'initialState']);
    if (!(x instanceof Tensor))
      throw new ArgumentError(`${fn}: got ${describe(x)}; expected a Tensor of shape [batch, time, features]`);
    requireFloat(fn, x);
    if (x.rank !== 3)
      throw new ShapeError(`${fn}: got input of shape ${describe(x.shape)}; expected [batch, time, features]`);
    if (!this.weight_ih_l0) this.build(x.shape);
    const wIh = this.weight_ih_l0!;
    if (x.shape[2] !== wIh.shape[1])
      throw new ShapeError(
        `${fn}: got input of shape ${describe(x.shape)}; expected ${wIh.shape[1]} features on the last axis (the layer was built for that)`,
      );
    const [batch, time] = x.shape;
    const masks = stepMasks(fn, options.mask, batch, time);
    let states = this.#initialStates(fn, options.initialState, batch);
    // Every step's input projection in one GEMM, biases folded in.
    const flat = reshape(x, [batch * time, x.shape[2]]);
    const projected = reshape(biasActivation(mm(flat, wIh, false, true), this.inputBias()), [
      batch,
      time,
      this.gates * this.units,
    ]);
    const steps = timeSteps(projected);
    const outputs: Tensor[] = [];
    const zero = masks && zeros([1]);
    for (let s = 0; s < time; s++) {
      const t = this.goBackwards ? time - 1 - s : s;
      const gx = steps[t];
      const next = this.step(gx, states);
      const m = masks && masks[t];
      if (m) {
        outputs.push(where(m, next[0], zero!));
        states = next.map((n, i) => where(m, n, states[i]));
      } else {
        outputs.push(next[0]);
        states = next;
      }
    }
    const output = this.returnSequences ? (time === 0 ? zeros([batch, 0, this.units]) : stack(outputs, 1)) : states[0];
    return { output, states };
  }

  /** The bias added to every step's input projection (null for none). */
  protected inputBias(): Tensor | null {
    return this.bias_ih_l0 && add(this.bias_ih_l0, this.bias_hh_l0!);
  }

  /** One step: the projected input gx [batch, gates·units] and the states → the new states (h first). */
  protected abstract step(gx: Tensor, states: readonly Tensor[]): Tensor[];

  /** h·W_hhᵀ: every gate's recurrent term in one GEMM. */
  protected recurrent(h: Tensor): Tensor {
    return mm(h, this.weight_hh_l0!, false, true);
  }

  #initialStates(fn: string, given: RecurrentCallOptions['initialState'], batch: number): Tensor[] {
    const n = this.stateCount;
    const expected = `${n === 2 ? '[h0, c0]' : 'h0 (or [h0])'}, each a float32 Tensor of shape [${batch}, ${this.units}]`;
    if (given === undefined || given === null) {
      const z = zeros([batch, this.units]);
      return n === 2 ? [z, z] : [z];
    }
    const list = given instanceof Tensor ? [given] : given;
    if (!Array.isArray(list) || list.length !== n)
      throw new ArgumentError(`${fn}: got initialState ${describe(given)}; expected ${expected}`);
    for (const s of list) {
      if (
        !(s instanceof Tensor) ||
        s.dtype !== 'float32' ||
        s.rank !== 2 ||
        s.shape[0] !== batch ||
        s.shape[1] !== this.units
      )
        throw new ShapeError(
          `${fn}: got an initial state ${describe(s instanceof Tensor ? s.shape : s)}; expected ${expected}`,
        );
    }
    return [...list];
  }

  protected override describeSelf(): string {
    const parts = [`units=${this.units}`];
    if (this.returnSequences) parts.push('returnSequences=true');
    if (this.returnState) parts.push('returnState=true');
    if (this.goBackwards) parts.push('goBackwards=true');
    return parts.join(', ');
  }
}

/** Each step's mask column [batch, 1] (float32, nonzero = real), or null when no mask is given. */
function stepMasks(fn: string, mask: Tensor | null | undefined, batch: number, time: number): Tensor[] | null {
  if (mask === undefined || mask === null) return null;
  if (!(mask instanceof Tensor) || mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time)
    throw new ShapeError(
      `${fn}: got mask ${describe(mask instanceof Tensor ? mask.shape : mask)}; expected a Tensor of shape [${batch}, ${time}] ([batch, time], as the input [${batch}, ${time}, features]): 1 for a real step, 0 for padding`,
    );
  const out: Tensor[] = [];
  for (let t = 0; t < time; t++) out.push(sliceAxis(mask, 1, t, t + 1));
  return out;
}

/** The Elman RNN: h = tanh(W_ih·x + b_ih + W_hh·h + b_hh) (torch.nn.RNN; Keras's SimpleRNN). */
export class SimpleRNN<Out extends Tensor | Tensor[] = Tensor> extends RecurrentLayer<Out> {
  protected readonly gates = 1;
  protected readonly stateCount = 1;
  readonly activation: 'tanh' | 'relu';

  constructor(options: SimpleRNNOptions) {
    super(options, ['activation']);
    const a = options.activation ?? 'tanh';
    if (a !== 'tanh' && a !== 'relu')
      throw new ArgumentError(`SimpleRNN: got activation=${describe(a)}; expected 'tanh' or 'relu'`);
    this.activation = a;
    this.buildFromOptions();
  }

  protected step(gx: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const pre = add(gx, this.recurrent(h));
    return [this.activation === 'relu' ? relu(pre) : tanh(pre)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/** Long short-term memory (torch.nn.LSTM's gates and weights): states [h, c]. */
export class LSTM<Out extends Tensor | Tensor[] = Tensor> extends RecurrentLayer<Out> {
  protected readonly gates = 4;
  protected readonly stateCount = 2;

  constructor(options: RecurrentOptions) {
    super(options);
    this.buildFromOptions();
  }

  protected step(gx: Tensor, [h, c]: readonly Tensor[]): Tensor[] {
    const next = lstmCell(gx, this.recurrent(h), c);
    return [next.h, next.c];
  }
}

/** Gated recurrent unit, PyTorch's form (Keras's reset_after=True): state [h]. */
export class GRU<Out extends Tensor | Tensor[] = Tensor> extends RecurrentLayer<Out> {
  protected readonly gates = 3;
  protected readonly stateCount = 1;

  constructor(options: RecurrentOptions) {
    super(options);
    this.buildFromOptions();
  }

  // b_hh stays out of the input projection: its n block is scaled by r.
  protected override inputBias(): Tensor | null {
    return this.bias_ih_l0;
  }

  protected step(gx: Tensor, [h]: readonly Tensor[]): Tensor[] {
    return [gruCell(gx, biasActivation(this.recurrent(h), this.bias_hh_l0), h)];
  }
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalOptions {
  /** How the two directions' outputs combine (default 'concat', along the last axis). */
  mergeMode?: MergeMode;
}

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

/**
 * Runs a recurrent layer over the sequence both ways and merges the outputs. The backward copy is
 * made from the layer's config with goBackwards flipped; its returned sequence is put back in
 * input order before merging. With returnState, `call` returns [output, ...forward states,
 * ...backward states]; initialState takes the forward states then the backward ones.
 * @example new Bidirectional(new LSTM({ units: 16, returnSequences: true }))
 */
export class Bidirectional<Out extends Tensor | Tensor[] = Tensor> extends Module<[Tensor], Out> {
  readonly forwardLayer: RecurrentLayer<Tensor | Tensor[]>;
  readonly backwardLayer: RecurrentLayer<Tensor | Tensor[]>;
  readonly mergeMode: MergeMode;

  constructor(layer: RecurrentLayer<Tensor | Tensor[]>, options: BidirectionalOptions = {}) {
    super();
    const fn = 'Bidirectional';
    if (!(layer instanceof RecurrentLayer))
      throw new ArgumentError(`${fn}: got layer ${describe(layer)}; expected a SimpleRNN, LSTM or GRU`);
    checkOptions(fn, options, ['mergeMode']);
    const mode = options.mergeMode ?? 'concat';
    if (!MERGE_MODES.includes(mode))
      throw new ArgumentError(`${fn}: got mergeMode=${describe(mode)}; expected one of ${MERGE_MODES.join(', ')}`);
    this.mergeMode = mode;
    this.forwardLayer = layer;
    // The wrapped layer's inputShape is the wrapper's, so a Sequential starting with it is built at once.
    if (layer.inputShape) this.setInputShape(layer.inputShape);
    const config = layer.getConfig();
    this.backwardLayer = layerFromConfig({
      className: layerClassName(layer),
      config: { ...config, goBackwards: !config.goBackwards },
    }) as RecurrentLayer<Tensor | Tensor[]>;
  }

  override get built(): boolean {
    return this.forwardLayer.built;
  }

  override build(inputShape: LayerShape): void {
    this.forwardLayer.build(inputShape);
    this.backwardLayer.build(inputShape);
    this.rememberBuildShape(inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const shape = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode === 'concat') shape[shape.length - 1] = 2 * this.forwardLayer.units;
    return shape;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: layerToConfig(this.forwardLayer), mergeMode: this.mergeMode };
  }

  override call(x: Tensor, options?: RecurrentCallOptions): Out {
    return (super.call as (x: Tensor, o?: RecurrentCallOptions) => Out)(x, options);
  }

  override forward(x: Tensor, options: RecurrentCallOptions = {}): Out {
    const fn = 'Bidirectional';
    checkOptions(fn, options, ['mask', 'initialState']);
    const f = this.forwardLayer;
    const n = f instanceof LSTM ? 2 : 1;
    let fState: Tensor[] | null = null;
    let bState: Tensor[] | null = null;
    const init = options.initialState;
    if (init !== undefined && init !== null) {
      if (!Array.isArray(init) || init.length !== 2 * n)
        throw new ArgumentError(
          `${fn}: got initialState ${describe(init)}; expected ${2 * n} tensors (the forward layer's states, then the backward layer's)`,
        );
      fState = init.slice(0, n);
      bState = init.slice(n);
    }
    const fwd = f.run(x, { mask: options.mask, initialState: fState });
    const bwd = this.backwardLayer.run(x, { mask: options.mask, initialState: bState });
    let back = bwd.output;
    if (f.returnSequences && x.shape[1] > 0) {
      const reversed = Array.from({ length: x.shape[1] }, (_, i) => x.shape[1] - 1 - i);
      back = gather(back, reversed, 1);
    }
    const output = merge(this.mergeMode, fwd.output, back);
    return (f.returnState ? [output, ...fwd.states, ...bwd.states] : output) as Out;
  }

  protected override describeSelf(): string {
    return `mergeMode=${this.mergeMode}`;
  }
}

function merge(mode: MergeMode, a: Tensor, b: Tensor): Tensor {
  switch (mode) {
    case 'concat':
      return concat([a, b], a.rank - 1);
    case 'sum':
      return add(a, b);
    case 'mul':
      return mul(a, b);
    case 'ave':
      return mul(add(a, b), 0.5);
  }
}

registerLayer('SimpleRNN', (c) => new SimpleRNN(c as unknown as SimpleRNNOptions), { layerClass: SimpleRNN });
registerLayer('LSTM', (c) => new LSTM(c as unknown as RecurrentOptions), { layerClass: LSTM });
registerLayer('GRU', (c) => new GRU(c as unknown as RecurrentOptions), { layerClass: GRU });
registerLayer(
  'Bidirectional',
  (c) => {
    // inputShape is the wrapped layer's, which its own config carries.
    checkOptions('Bidirectional', c, ['layer', 'mergeMode', 'inputShape']);
    const layer = layerFromConfig(c.layer as LayerConfig) as RecurrentLayer;
    return new Bidirectional(layer, c.mergeMode === undefined ? {} : { mergeMode: c.mergeMode as MergeMode });
  },
  { layerClass: Bidirectional },
);
