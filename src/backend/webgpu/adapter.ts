/**
 * Finding a GPU: `navigator.gpu` in browsers; in Node, Dawn through the optional `webgpu` package.
 * The package is imported through a variable so that browser bundlers do not try to resolve it
 * (it is a native addon), and only when this backend is asked for.
 */
/// <reference types="@webgpu/types" />
import { BackendError } from '../../util/errors.js';
import { isNode } from '../wasm/node.js';

interface DawnPackage {
  create(options: string[]): GPU;
}

async function gpuEntry(): Promise<GPU> {
  const fromNavigator = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (fromNavigator) return fromNavigator;
  if (!isNode()) {
    throw new BackendError(
      'webgpu: this runtime has no navigator.gpu; expected a browser with WebGPU enabled (or Node with the "webgpu" package)',
    );
  }
  const pkg = 'webgpu';
  let dawn: DawnPackage;
  try {
    dawn = (await import(pkg)) as DawnPackage;
  } catch (err) {
    throw new BackendError(
      `webgpu: the optional package "webgpu" could not be loaded (${message(err)}); expected it installed: npm install webgpu`,
    );
  }
  return dawn.create([]);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What the adapter says it is, e.g. "SwiftShader driver 5.0.0 (google, swiftshader)". */
export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info.vendor, info.architecture, info.device].filter((s) => s !== '');
  const head = info.description !== '' ? info.description : (parts.shift() ?? 'unknown adapter');
  return parts.length > 0 ? `${head} (${parts.join(', ')})` : head;
}

/** The device limits the backend needs (the ones openDevice requested). */
export interface DeviceLimits {
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

/**
 * An adapter and a device with the adapter's largest buffer limits (the defaults cap bindings at
 * 128 MiB), and the GPU object they came from, which the caller must keep referenced: in Dawn's
 * Node package, once that object is garbage-collected its instance is destroyed, and the next
 * event processing (a mapAsync) crashes the process (a segfault in InstanceBase::ProcessEvents).
 */
export async function openDevice(): Promise<{
  gpu: GPU;
  device: GPUDevice;
  limits: DeviceLimits;
  adapterInfo: string;
}> {
  const gpu = await gpuEntry();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new BackendError(
      'webgpu: no WebGPU adapter was found; expected a GPU with a working driver (in Node on a machine without one, ' +
        'a software Vulkan driver such as SwiftShader: see scripts/webgpu-env.mjs for VK_ICD_FILENAMES)',
    );
  }
  const { maxBufferSize, maxStorageBufferBindingSize, maxComputeWorkgroupsPerDimension } = adapter.limits;
  const limits = {
    maxBufferSize: Math.min(maxBufferSize, maxStorageBufferBindingSize),
    maxComputeWorkgroupsPerDimension,
  };
  const device = await adapter.requestDevice({
    requiredLimits: { maxBufferSize, maxStorageBufferBindingSize, maxComputeWorkgroupsPerDimension },
  });
  return { gpu, device, limits, adapterInfo: describeAdapter(adapter) };
}
