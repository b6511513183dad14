/**
 * Token-by-token generation with the KV cache, run as its own process by generate.test.ts: a small
 * GPT whose context holds every token, so each of the 500 tokens is one incremental step. Prints
 * one JSON line: retained heap, RSS and the wasm memory's size after a first generation of 500 tokens (the warm-up) and
 * after a second, each after a forced full collection and a turn of the event loop (which returns
 * dead tensors' wasm storage).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { backendInfo, backendReady, getBackend, manualSeed } from '../../src/index.js';
import { GPT, generate } from '../../src/zoo/gpt.js';

await backendReady();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sample = async (): Promise<{ heap: number; rss: number; wasm: number }> => {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  const m = process.memoryUsage();
  // The wasm backend's memory (its high-water mark; 0 elsewhere): it never shrinks, so growth shows.
  const wasm = (getBackend() as { memoryBytes?: number }).memoryBytes ?? 0;
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss, wasm };
};

const tokens = Number(process.argv[2] ?? 500);
manualSeed(0);
const model = new GPT({ vocabSize: 20, context: tokens + 8, layers: 2, heads: 2, width: 32 });
const prompt = [1, 2, 3, 4];
const first = generate(model, prompt, { tokens, temperature: 0 });
const start = await sample();
const second = generate(model, prompt, { tokens, temperature: 0 });
const end = await sample();
const same = first.every((t, i) => t === second[i]);
console.log(JSON.stringify({ backend: backendInfo().name, tokens, same, start, end }));
