/**
 * The page script of the Chromium benchmark and test (bundled by chromium.ts with esbuild for a
 * browser). On the page it offers cnnSteps on the main thread and in a Web Worker of its own (the
 * way an app keeps its page responsive); started as that worker, it runs cnnSteps per message.
 */
import { cnnSteps, type CnnSteps, type CnnStepsOptions } from './cnn-steps.js';

interface Scope {
  document?: unknown;
  onmessage: ((event: { data: CnnStepsOptions }) => void) | null;
  postMessage(message: { result: CnnSteps } | { error: string }): void;
  Worker: new (
    url: URL,
    options: { type: 'module' },
  ) => {
    onmessage: ((event: { data: { result: CnnSteps } | { error: string } }) => void) | null;
    onerror: ((event: { message: string }) => void) | null;
    postMessage(message: CnnStepsOptions): void;
    terminate(): void;
  };
  tesseraCnnSteps?: typeof cnnSteps;
  tesseraCnnStepsInWorker?: typeof cnnSteps;
}

const scope = globalThis as unknown as Scope;

if (scope.document === undefined) {
  scope.onmessage = async (event) => {
    try {
      scope.postMessage({ result: await cnnSteps(event.data) });
    } catch (err) {
      scope.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  };
} else {
  scope.tesseraCnnSteps = cnnSteps;
  scope.tesseraCnnStepsInWorker = (options) =>
    new Promise((resolve, reject) => {
      const worker = new scope.Worker(new URL(import.meta.url), { type: 'module' });
      worker.onmessage = ({ data }) => {
        worker.terminate();
        if ('result' in data) resolve(data.result);
        else reject(new Error(data.error));
      };
      worker.onerror = (event) => reject(new Error(event.message));
      worker.postMessage(options ?? {});
    });
}
