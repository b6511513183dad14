/** The WebGPU backend (Dawn's `webgpu` package in Node, navigator.gpu in browsers). */
export { createWebGPUBackend, type WebGPUBackend, type WebGPUOptions, type WebGPUStorage } from './backend.js';
