/**
 * The shapes the benchmark passes around. A row is one engine on one case: its figures, the
 * speed ratio against tessera where it is a peer, and a note where it could not run the case.
 */
export type Engine = 'tessera' | 'tfjs-cpu' | 'tfjs-wasm' | 'pytorch';
export type Peer = Exclude<Engine, 'tessera'>;
export const PEERS: readonly Peer[] = ['tfjs-cpu', 'tfjs-wasm', 'pytorch'];

export interface Row {
  case: string;
  engine: Engine;
  gflops?: number;
  samplesPerSecond?: number;
  tokensPerSecond?: number;
  /** Median milliseconds of one call (one GEMM, one conv forward+backward, one training step). */
  ms?: number;
  peakRssMiB?: number;
  /** tessera's speed ÷ this peer's speed on the same case: above 1, tessera is faster. */
  ratio?: number;
  /** Why a figure is missing (the peer cannot do the case, is not installed, was skipped). */
  note?: string;
  /** Any further figures a case reports (backend name, run count, memory trace). */
  [figure: string]: unknown;
}

export interface TimingOptions {
  /** Untimed calls first: JIT compilation, allocator and caches settle. */
  warmup: number;
  /**
   * ...and untimed calls until this much time has passed. A training step reaches its steady
   * speed only once the allocator reuses memory (tessera's heap after its first forced collection,
   * some 12 steps of the seed CNN): one warm-up call left batch 32 at 17–19 ms a step, against
   * 12–13 ms from the 40th step on, where an epoch spends its time.
   */
  warmupMs: number;
  minRuns: number;
  maxRuns: number;
  /** Stop adding runs (past minRuns) once this much time has been spent timing. */
  budgetMs: number;
  /**
   * Stop even before minRuns once this much time has been spent (one run at least). A warm-up
   * call this slow counts as the one timed run: warming up matters for calls of milliseconds
   * (JIT, caches), not for calls of seconds.
   */
  capMs: number;
}

export interface BenchSettings {
  quick: boolean;
  /** For calls that take milliseconds. */
  timing: TimingOptions;
  /** For a peer whose single call takes seconds (tfjs-cpu's convolution backward). */
  slowTiming: TimingOptions;
  /** For trying a peer's configurations (PyTorch's BLAS kernels and threads) before timing the fastest. */
  screenTiming: TimingOptions;
  /**
   * For training steps that take about a second or more (the GPT's, TensorFlow.js's LSTM step):
   * a warm-up call or two, then a few timed ones. `timing`'s cap would time the cold first call.
   */
  stepTiming: TimingOptions;
  /** Trying PyTorch's configurations on such steps: one warm-up call, then one timed. */
  stepScreenTiming: TimingOptions;
  /** Which peers to run; tests pass fewer. */
  peers: readonly Peer[];
  /** Module specifiers of the TensorFlow.js peers (replaceable so a test can make one missing). */
  tfjsModule: string;
  tfjsWasmModule: string;
  /** Python interpreters to try for the PyTorch peer, first that imports torch wins. */
  pythonCandidates: readonly string[];
  /** Steps of the memory benchmark. */
  memorySteps: number;
  /** Steps of the GPT memory benchmark. */
  gptMemorySteps: number;
}

export function defaultSettings(quick: boolean): BenchSettings {
  return {
    quick,
    timing: quick
      ? { warmup: 1, warmupMs: 500, minRuns: 3, maxRuns: 15, budgetMs: 400, capMs: 2000 }
      : { warmup: 2, warmupMs: 2000, minRuns: 5, maxRuns: 50, budgetMs: 2000, capMs: 20000 },
    slowTiming: quick
      ? { warmup: 0, warmupMs: 0, minRuns: 1, maxRuns: 1, budgetMs: 0, capMs: 0 }
      : { warmup: 0, warmupMs: 0, minRuns: 2, maxRuns: 3, budgetMs: 20000, capMs: 120000 },
    screenTiming: quick
      ? { warmup: 1, warmupMs: 30, minRuns: 3, maxRuns: 10, budgetMs: 50, capMs: 500 }
      : { warmup: 2, warmupMs: 150, minRuns: 5, maxRuns: 30, budgetMs: 250, capMs: 5000 },
    stepTiming: quick
      ? { warmup: 1, warmupMs: 0, minRuns: 2, maxRuns: 2, budgetMs: 0, capMs: 60000 }
      : { warmup: 2, warmupMs: 5000, minRuns: 5, maxRuns: 20, budgetMs: 10000, capMs: 120000 },
    stepScreenTiming: { warmup: 1, warmupMs: 0, minRuns: 1, maxRuns: 1, budgetMs: 0, capMs: 60000 },
    peers: PEERS,
    tfjsModule: '@tensorflow/tfjs',
    tfjsWasmModule: '@tensorflow/tfjs-backend-wasm',
    pythonCandidates: ['/usr/bin/python3', 'python3'],
    memorySteps: quick ? 5000 : 20000,
    gptMemorySteps: quick ? 300 : 3000,
  };
}

/** The elementwise bench's ops (see elementwise.ts). */
export type ElementwiseOp = 'relu' | 'exp' | 'tanh' | 'add' | 'sum' | 'softmax';

/** What the PyTorch script runs for a case (see bench/peers/pytorch_bench.py). */
export type TorchSpec =
  | { kind: 'gemm'; m: number; k: number; n: number }
  | { kind: 'elementwise'; op: ElementwiseOp; shape: readonly number[] }
  | { kind: 'conv'; x: readonly number[]; kernel: readonly number[] }
  | { kind: 'cnn-train' | 'cnn-infer'; batch: number }
  | { kind: 'gpt-train'; gpt: GptDims; batch: number }
  | { kind: 'gpt-generate'; gpt: GptDims; prompt: number; tokens: number }
  | { kind: 'bert-train'; bert: BertDims; batch: number }
  | { kind: 'lstm-train'; batch: number; time: number; features: number; units: number; classes: number };

/** A GPT's size as the PyTorch peer needs it (src/zoo/gpt.ts's GPTConfig: tied head, no dropout). */
export interface GptDims {
  vocabSize: number;
  context: number;
  layers: number;
  heads: number;
  width: number;
}

/**
 * A BERT's size as the PyTorch peer needs it (src/zoo/bert.ts's BertConfig: post-LN, two segments,
 * MLM head tied to the token embedding, no dropout).
 */
export type BertDims = GptDims;

/** One benchmark case: tessera and the in-process peers run in `run`, PyTorch from `torch`. */
export interface BenchCase {
  /** Unique; `--only` matches a substring of it. */
  name: string;
  run(settings: BenchSettings): Promise<Row[]>;
  torch?: TorchSpec;
}
