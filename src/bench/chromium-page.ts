/**
 * The page script of the Chromium benchmark and test (bundled by chromium.ts with esbuild for a
 * browser): it hands cnnSteps to the page, and says which backend starts.
 */
import { cnnSteps } from './cnn-steps.js';

(globalThis as { tesseraCnnSteps?: typeof cnnSteps }).tesseraCnnSteps = cnnSteps;
