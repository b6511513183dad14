/**
 * The BERT of `tessera pretrain bert` (2 post-LN layers × 4 heads, width 128, context 128, BPE
 * vocabulary 4000, MLM head tied to the token embedding, dropout 0 as pre-training's default),
 * its training tokens/second at batch 32: one timed call = one step of the pretrain recipe
 * (bert-train.ts's loop): fresh uniformly random regular token ids (no padding, an attention mask
 * of ones as the recipe always passes one), `maskTokens` (15 %: 80/10/10), the MLM head on the
 * masked positions only (`maskedTargets`), cross-entropy, backward, gradient norm clipped at 1,
 * AdamW (no decay on biases and norms), warm-up/cosine, the loss read back. Tokens/second counts
 * every position of the batch, as `pretrainBert` reports it. PyTorch runs the same encoder and
 * step (bench/peers/pytorch_bench.py's `bert-train`); both rows carry their parameter count.
 */
import { getBackend, manualSeed, ones, randint, sequenceCrossEntropy } from '../index.js';
import { BERT } from '../zoo/bert.js';
import { maskTokens } from '../zoo/bert-mask.js';
import { BERT_SCHEDULE, maskedTargets } from '../zoo/bert-train.js';
import { type PretrainRunOptions, optimizerStep, pretrainOptimizer, scheduleSettings } from '../zoo/pretrain-loop.js';
import { measure, round } from './timing.js';
import type { BenchCase, BenchSettings, BertDims, Row } from './types.js';

/** `tessera pretrain bert`'s defaults (BPE vocabulary 4000, post-LN). */
export const PRETRAIN_BERT: BertDims = { vocabSize: 4000, context: 128, layers: 2, heads: 4, width: 128 };
export const PRETRAIN_BERT_BATCH = 32;
/** BpeTokenizer's five special tokens come first: [PAD], [UNK], [CLS], [SEP], [MASK]. */
const FIRST_REGULAR_ID = 5;

export function bertTrainCaseName(d: BertDims, batch: number): string {
  return `bert pre-training (${d.layers} layers, ${d.heads} heads, width ${d.width}, context ${d.context}, vocab ${d.vocabSize}, batch ${batch})`;
}

/** The model a step trains, and one step of the pretrain recipe per call on fresh random tokens. */
export function bertTrainingStep(
  dims: BertDims,
  batch: number,
  /** pretrainBert's defaults unless given (a test shortens the warm-up to see learning). */
  schedule: Pick<PretrainRunOptions, 'lr' | 'warmupSteps' | 'steps'> = {},
): { model: BERT; step: () => number } {
  manualSeed(0);
  const model = new BERT({ ...dims, dropout: 0 });
  const run = pretrainOptimizer(model, scheduleSettings(schedule, BERT_SCHEDULE));
  const params = model.parameters();
  const attentionMask = ones([batch, dims.context], { dtype: 'int32' });
  model.train();
  const step = (): number => {
    const ids = randint(FIRST_REGULAR_ID, dims.vocabSize, [batch, dims.context]);
    const { inputs, labels } = maskTokens(ids, { vocabSize: dims.vocabSize });
    const picked = maskedTargets(labels);
    const hidden = model.call(inputs, { attentionMask });
    // The recipe's fallback for a batch with nothing masked (all but impossible at this size).
    const loss = picked
      ? sequenceCrossEntropy(model.mlmLogits(hidden, picked.positions), picked.targets)
      : sequenceCrossEntropy(model.mlmLogits(hidden), labels);
    optimizerStep(loss, params, run);
    // The recipe records every loss; reading it also makes the call wait for the whole step.
    return loss.item();
  };
  return { model, step };
}

export async function bertTrainRows(dims: BertDims, batch: number, settings: BenchSettings): Promise<Row[]> {
  const { model, step } = bertTrainingStep(dims, batch);
  const t = await measure(step, settings.stepTiming);
  return [
    {
      case: bertTrainCaseName(dims, batch),
      engine: 'tessera',
      backend: getBackend().name,
      tokensPerSecond: round((batch * dims.context) / (t.ms / 1000)),
      ms: round(t.ms),
      peakRssMiB: round(t.peakRssMiB),
      params: model.numParameters(),
      runs: t.runs,
    },
  ];
}

export function bertCases(): BenchCase[] {
  return [
    {
      name: bertTrainCaseName(PRETRAIN_BERT, PRETRAIN_BERT_BATCH),
      run: (s) => bertTrainRows(PRETRAIN_BERT, PRETRAIN_BERT_BATCH, s),
      torch: { kind: 'bert-train', bert: PRETRAIN_BERT, batch: PRETRAIN_BERT_BATCH },
    },
  ];
}
