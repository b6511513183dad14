/**
 * Dropout: in training, zero each element with probability `rate` and scale the survivors by
 * 1 / (1 − rate) ("inverted" dropout), so the expected value is unchanged and inference needs
 * no rescaling; in eval mode it is the identity. Masks come from the global generator.
 */
import type { Tensor } from '../tensor/tensor.js';
import { rand } from '../tensor/creation.js';
import { cast, ge, mul } from '../ops/elementwise.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { registerLayer } from './registry.js';
import { checkOptions, type LayerShape } from './layer-util.js';

export interface DropoutOptions {
  /** The fraction of inputs to drop, in [0, 1). */
  rate: number;
  inputShape?: readonly (number | null)[];
}

export class Dropout extends Module {
  readonly rate: number;

  /**
   * `new Dropout(0.2)` (Keras's positional rate) or `new Dropout({ rate: 0.2 })` (the options
   * object every other layer takes): `rate` is the fraction of inputs to drop, in [0, 1).
   */
  constructor(rate: number, options?: Omit<DropoutOptions, 'rate'>);
  constructor(options: DropoutOptions);
  constructor(rateOrOptions: number | DropoutOptions, more: Omit<DropoutOptions, 'rate'> = {}) {
    super();
    const byObject = typeof rateOrOptions === 'object' && rateOrOptions !== null;
    const options = byObject ? rateOrOptions : more;
    const rate = byObject ? rateOrOptions.rate : rateOrOptions;
    checkOptions('Dropout', options, byObject ? ['rate', 'inputShape'] : ['inputShape'], '{ inputShape: [784] }');
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ArgumentError(`Dropout: got rate=${describe(rate)}; expected a number in [0, 1)`);
    }
    this.rate = rate;
    this.setInputShape(options.inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    return [...inputShape];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate };
  }

  forward(x: Tensor): Tensor {
    requireFloat('Dropout', x);
    if (!this.training || this.rate === 0) return x;
    const keep = mul(cast(ge(rand(x.shape), this.rate), 'float32'), 1 / (1 - this.rate));
    return mul(x, keep);
  }

  protected override describeSelf(): string {
    return `rate=${this.rate}`;
  }
}

registerLayer('Dropout', (config) => new Dropout(config as unknown as DropoutOptions), { layerClass: Dropout });
