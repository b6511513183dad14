/**
 * The GPT of `tessera pretrain gpt` (char-level, Moby Dick's 81 characters, 4 layers × 4 heads,
 * width 128, context 128, tied head, pre-LN) as three cases:
 * - training tokens/second at batch 32: one timed call = one step of the pretrain recipe
 *   (forward, next-token cross-entropy, backward, gradient norm clipped at 1, AdamW with weight
 *   decay on matrices only, warm-up/cosine schedule, the loss read back), on a fresh batch of
 *   uniformly random token ids each step (PyTorch draws its own the same way);
 * - generation tokens/second at batch 1 with the KV cache: one timed call = `generate` (what
 *   `tessera generate` runs) continuing a 16-token prompt greedily until the context is full, the
 *   prompt's prefill included; PyTorch runs the same loop over its own cache;
 * - memory over thousands of such training steps with no dispose(), like memory.ts's row, on a
 *   smaller GPT of the same layout (the full one takes seconds a step here).
 * Random weights and tokens: speed does not depend on what the model has learnt.
 */
import { getBackend, manualSeed, randint, sequenceCrossEntropy } from '../index.js';
import { GPT, generate } from '../zoo/gpt.js';
import { GPT_SCHEDULE } from '../zoo/gpt-train.js';
import { optimizerStep, pretrainOptimizer, scheduleSettings } from '../zoo/pretrain-loop.js';
import { trackMemory } from './memory.js';
import { measure, round, type Figures, type Timing } from './timing.js';
import type { BenchCase, BenchSettings, GptDims, Row } from './types.js';

/** `tessera pretrain gpt`'s defaults on Moby Dick (CharTokenizer.fit on the corpus gives 81 characters). */
export const PRETRAIN_GPT: GptDims = { vocabSize: 81, context: 128, layers: 4, heads: 4, width: 128 };
export const PRETRAIN_BATCH = 32;
/** The memory row's GPT: the same layout, small enough for thousands of steps in a bench run. */
export const MEMORY_GPT: GptDims = { vocabSize: 81, context: 32, layers: 2, heads: 2, width: 32 };
export const MEMORY_BATCH = 8;
const PROMPT = 16;

function dimsLabel(d: GptDims): string {
  return `${d.layers} layers, ${d.heads} heads, width ${d.width}, context ${d.context}`;
}

export function gptTrainCaseName(d: GptDims, batch: number): string {
  return `gpt training (${dimsLabel(d)}, batch ${batch})`;
}

export function gptGenerateCaseName(d: GptDims): string {
  return `gpt generation batch 1, KV cache (${dimsLabel(d)}; ${PROMPT}-token prompt + ${d.context - PROMPT} tokens)`;
}

export function gptMemoryCaseName(d: GptDims, batch: number, steps: number): string {
  return `gpt memory ${steps >= 1000 ? `${steps / 1000}k` : steps} training steps (${dimsLabel(d)}, batch ${batch})`;
}

/** One step of the pretrain recipe per call, on fresh random tokens (gpt-train.ts's loop, without its sampler). */
export function gptTrainingStep(dims: GptDims, batch: number): () => number {
  manualSeed(0);
  const model = new GPT(dims);
  const run = pretrainOptimizer(model, scheduleSettings({}, GPT_SCHEDULE));
  const params = model.parameters();
  model.train();
  return () => {
    const inputs = randint(0, dims.vocabSize, [batch, dims.context]);
    const targets = randint(0, dims.vocabSize, [batch, dims.context]);
    const loss = sequenceCrossEntropy(model.call(inputs), targets);
    optimizerStep(loss, params, run);
    // The recipe records every loss; reading it also makes the call wait for the whole step.
    return loss.item();
  };
}

function tokenFigures(tokens: number, t: Timing): Figures {
  return {
    tokensPerSecond: round(tokens / (t.ms / 1000)),
    ms: round(t.ms),
    peakRssMiB: round(t.peakRssMiB),
    runs: t.runs,
  };
}

export async function gptTrainRows(dims: GptDims, batch: number, settings: BenchSettings): Promise<Row[]> {
  const step = gptTrainingStep(dims, batch);
  const figures = tokenFigures(batch * dims.context, await measure(step, settings.stepTiming));
  return [{ case: gptTrainCaseName(dims, batch), engine: 'tessera', backend: getBackend().name, ...figures }];
}

export async function gptGenerateRows(dims: GptDims, settings: BenchSettings): Promise<Row[]> {
  manualSeed(0);
  const model = new GPT(dims);
  const prompt = Array.from({ length: PROMPT }, (_, i) => i % dims.vocabSize);
  const tokens = dims.context - PROMPT;
  const call = (): Int32Array => generate(model, prompt, { tokens, temperature: 0 });
  const figures = tokenFigures(tokens, await measure(call, settings.timing));
  return [{ case: gptGenerateCaseName(dims), engine: 'tessera', backend: getBackend().name, ...figures }];
}

/** RSS at the start and the end of `steps` GPT training steps, nothing disposed; tokens/second beside. */
export function gptMemoryBench(dims: GptDims, batch: number, steps: number): Row {
  const step = gptTrainingStep(dims, batch);
  const row = trackMemory(gptMemoryCaseName(dims, batch, steps), steps, step);
  return { ...row, tokensPerSecond: round(row.stepsPerSecond * batch * dims.context) };
}

export function gptCases(settings: BenchSettings): BenchCase[] {
  const steps = settings.gptMemorySteps;
  return [
    {
      name: gptTrainCaseName(PRETRAIN_GPT, PRETRAIN_BATCH),
      run: (s) => gptTrainRows(PRETRAIN_GPT, PRETRAIN_BATCH, s),
      torch: { kind: 'gpt-train', gpt: PRETRAIN_GPT, batch: PRETRAIN_BATCH },
    },
    {
      name: gptGenerateCaseName(PRETRAIN_GPT),
      run: (s) => gptGenerateRows(PRETRAIN_GPT, s),
      torch: { kind: 'gpt-generate', gpt: PRETRAIN_GPT, prompt: PROMPT, tokens: PRETRAIN_GPT.context - PROMPT },
    },
    {
      name: gptMemoryCaseName(MEMORY_GPT, MEMORY_BATCH, steps),
      run: async () => [gptMemoryBench(MEMORY_GPT, MEMORY_BATCH, steps)],
    },
  ];
}
