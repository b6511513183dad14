/** What the page and the training worker say to each other (structured-clone data only). */

/** The page's requests. */
export type ToWorker =
  | { type: 'train'; batchSize: number }
  | { type: 'stop' }
  /** pixels: 28×28 grey values in 0..1, row by row, as MNIST after ÷255. */
  | { type: 'predict'; id: number; pixels: Float32Array; method: ExplainMethod }
  | { type: 'save' }
  | { type: 'load'; config: unknown; weights: Uint8Array; source: string };

export type ExplainMethod = 'integrated-gradients' | 'saliency';

/** The worker's answers and reports. */
export type FromWorker =
  | { type: 'ready'; backend: string; threads: number; threadProblem: string | null; params: number }
  | { type: 'status'; text: string }
  | { type: 'progress'; step: number; epoch: number; loss: number; accuracy: number; stepsPerSecond: number }
  | { type: 'stopped'; step: number; testAccuracy: number; testImages: number }
  | {
      type: 'prediction';
      id: number;
      digit: number;
      probabilities: number[];
      method: ExplainMethod;
      /** The heat map over the digit, RGBA, width × height. */
      heatmap: { width: number; height: number; data: Uint8ClampedArray };
    }
  | { type: 'saved'; config: unknown; weights: Uint8Array }
  | { type: 'loaded'; source: string; params: number }
  | { type: 'error'; message: string };
