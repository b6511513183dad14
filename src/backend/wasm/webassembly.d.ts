/**
 * The part of the WebAssembly JS API this backend uses. The project compiles against ES2022 +
 * Node types, which do not declare it (it lives in the DOM library, which would also let browser
 * globals slip into the core unnoticed). Should the DOM library ever be enabled, delete this file.
 */
declare namespace WebAssembly {
  type Bytes = ArrayBuffer | ArrayBufferView;
  class Module {
    constructor(bytes: Bytes);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
  function validate(bytes: Bytes): boolean;
  function compile(bytes: Bytes): Promise<Module>;
  function instantiate(module: Module, imports?: Record<string, Record<string, unknown>>): Promise<Instance>;
}
