/**
 * Sequence to sequence: reverse strings of 5–12 digits, with the encoder–decoder Transformer or an
 * LSTM encoder–decoder, scored by exact match on held-out strings (greedy decoding). Proof that
 * cross-attention, the causal mask and key-padding masks work together.
 *
 *   node dist/examples/seq2seq-reverse.js [--model transformer|lstm] [--steps N] [--json]
 *
 * Tokens: 0 = padding, 1 = start, 2 = end, 3..12 = the digits 0..9. Targets are the reversed
 * digits then "end"; the decoder reads "start" then the target shifted right (teacher forcing).
 */
import {
  Adam,
  CosineWithWarmup,
  Dense,
  Embedding,
  LSTM,
  Module,
  PositionalEmbedding,
  type Tensor,
  Transformer,
  concat,
  manualSeed,
  noGrad,
  sequenceCrossEntropy,
  tensor,
} from '../src/index.js';

const PAD = 0,
  START = 1,
  END = 2,
  DIGIT = 3,
  VOCAB = 13;
const MIN_LENGTH = 5,
  MAX_LENGTH = 12;
/** Source positions, and target positions (digits + end). */
const SRC = MAX_LENGTH,
  TGT = MAX_LENGTH + 1;

/** A seeded stream of digit strings (its own generator, so data does not move with the model's draws). */
function digitStrings(seed: number): () => number[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return () =>
    Array.from({ length: MIN_LENGTH + Math.floor(next() * (MAX_LENGTH - MIN_LENGTH + 1)) }, () =>
      Math.floor(next() * 10),
    );
}

interface Batch {
  src: Tensor;
  srcPad: Tensor;
  tgtIn: Tensor;
  tgtOut: Tensor;
}

/** Padded int32 tensors for a list of digit strings. */
function batchOf(strings: number[][]): Batch {
  const n = strings.length;
  const src = new Int32Array(n * SRC),
    srcPad = new Int32Array(n * SRC),
    tgtIn = new Int32Array(n * TGT),
    tgtOut = new Int32Array(n * TGT);
  strings.forEach((digits, b) => {
    for (let t = 0; t < SRC; t++) {
      src[b * SRC + t] = t < digits.length ? DIGIT + digits[t] : PAD;
      srcPad[b * SRC + t] = t < digits.length ? 0 : 1;
    }
    const out = [...digits].reverse().map((d) => DIGIT + d);
    out.push(END);
    for (let t = 0; t < TGT; t++) {
      tgtOut[b * TGT + t] = t < out.length ? out[t] : PAD;
      tgtIn[b * TGT + t] = t === 0 ? START : t - 1 < out.length ? out[t - 1] : PAD;
    }
  });
  return {
    src: tensor(src, { shape: [n, SRC] }),
    srcPad: tensor(srcPad, { shape: [n, SRC] }),
    tgtIn: tensor(tgtIn, { shape: [n, TGT] }),
    tgtOut: tensor(tgtOut, { shape: [n, TGT] }),
  };
}

/** Either model: logits [batch, tgtLength, VOCAB] for a source and a decoder input. */
interface Seq2Seq extends Module {
  logits(b: { src: Tensor; srcPad: Tensor; tgtIn: Tensor }): Tensor;
}

class TransformerReverser extends Module implements Seq2Seq {
  embed = new Embedding({ inputDim: VOCAB, outputDim: 64, paddingIdx: PAD });
  srcPositions = new PositionalEmbedding({ maxLength: SRC, dModel: 64 });
  tgtPositions = new PositionalEmbedding({ maxLength: TGT, dModel: 64 });
  transformer = new Transformer({
    dModel: 64,
    numHeads: 4,
    dimFeedforward: 128,
    dropout: 0,
    normFirst: true,
    numEncoderLayers: 2,
    numDecoderLayers: 2,
  });
  head = new Dense({ units: VOCAB, inputDim: 64 });
  logits(b: { src: Tensor; srcPad: Tensor; tgtIn: Tensor }): Tensor {
    const src = this.srcPositions.call(this.embed.call(b.src));
    const tgt = this.tgtPositions.call(this.embed.call(b.tgtIn));
    return this.head.call(this.transformer.call(src, tgt, { srcKeyPaddingMask: b.srcPad }));
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** An LSTM reads the source; its final state starts a decoder LSTM (no attention). */
class LstmReverser extends Module implements Seq2Seq {
  embed = new Embedding({ inputDim: VOCAB, outputDim: 32, paddingIdx: PAD });
  encoder = new LSTM<Tensor[]>({ units: 256, returnState: true });
  decoder = new LSTM<Tensor>({ units: 256, returnSequences: true });
  head = new Dense({ units: VOCAB, inputDim: 256 });
  logits(b: { src: Tensor; srcPad: Tensor; tgtIn: Tensor }): Tensor {
    const [, h, c] = this.encoder.call(this.embed.call(b.src), { mask: b.srcPad.eq(0) });
    return this.head.call(this.decoder.call(this.embed.call(b.tgtIn), { initialState: [h, c] }));
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Greedy decoding, one target position at a time; exact match of the whole reversed string. */
function exactMatch(model: Seq2Seq, strings: number[][]): number {
  const b = batchOf(strings);
  let tgtIn = tensor(new Int32Array(strings.length).fill(START), { shape: [strings.length, 1] });
  noGrad(() => {
    for (let t = 0; t < TGT; t++) {
      const next = model
        .logits({ ...b, tgtIn })
        .argmax(-1)
        .slice([0, t], [strings.length, t + 1]);
      tgtIn = concat([tgtIn, next], 1);
    }
  });
  // Compare the decoded digits up to and including "end"; positions after it are padding.
  const decoded = tgtIn.slice([0, 1], [strings.length, TGT + 1]);
  const wanted = b.tgtOut;
  const counted = wanted.ne(PAD).int();
  const wrong = decoded.ne(wanted).int().mul(counted).sum(1);
  return wrong.eq(0).float().mean().item();
}

export interface ReverseResult {
  model: string;
  steps: number;
  exactMatch: number;
  finalLoss: number;
  seconds: number;
}

export async function trainReverser(
  options: { model?: 'transformer' | 'lstm'; steps?: number; batchSize?: number; seed?: number } = {},
): Promise<ReverseResult> {
  const kind = options.model ?? 'transformer';
  const steps = options.steps ?? (kind === 'transformer' ? 1500 : 3000);
  const batchSize = options.batchSize ?? 64;
  manualSeed(options.seed ?? 0);
  const model: Seq2Seq = kind === 'transformer' ? new TransformerReverser() : new LstmReverser();
  const testDraw = digitStrings(12345);
  const test = Array.from({ length: 1000 }, testDraw);
  const held = new Set(test.map((d) => d.join('')));
  const trainDraw = digitStrings((options.seed ?? 0) + 1);
  const nextTrain = (): number[] => {
    for (;;) {
      const d = trainDraw();
      if (!held.has(d.join(''))) return d;
    }
  };
  // Build the lazy layers, then the optimizer over every parameter.
  noGrad(() => model.logits(batchOf([nextTrain()])));
  const optimizer = new Adam(model.parameters(), { lr: 2e-3 });
  const schedule = new CosineWithWarmup(optimizer, { warmupSteps: 100, totalSteps: steps });
  const started = performance.now();
  let finalLoss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    const b = batchOf(Array.from({ length: batchSize }, nextTrain));
    optimizer.zeroGrad();
    const loss = sequenceCrossEntropy(model.logits(b), b.tgtOut, { ignoreIndex: PAD });
    loss.backward();
    optimizer.step();
    schedule.step();
    if (step % 100 === 99 || step === steps - 1) finalLoss = loss.item();
  }
  model.eval();
  return {
    model: kind,
    steps,
    exactMatch: exactMatch(model, test),
    finalLoss,
    seconds: (performance.now() - started) / 1000,
  };
}

// Run as a script: node dist/examples/seq2seq-reverse.js [--model transformer|lstm] [--steps N] [--json]
if (process.argv[1]?.endsWith('seq2seq-reverse.js')) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const model = (arg('model') ?? 'transformer') as 'transformer' | 'lstm';
  const steps = arg('steps') === undefined ? undefined : Number(arg('steps'));
  const result = await trainReverser({ model, steps });
  if (!process.argv.includes('--json')) {
    console.log(
      `${result.model}: exact match ${(100 * result.exactMatch).toFixed(1)} % on 1000 held-out strings after ${result.steps} steps (${result.seconds.toFixed(0)} s)`,
    );
  }
  console.log(JSON.stringify(result));
}
