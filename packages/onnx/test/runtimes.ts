import type { OrtModule } from '../src/ort-types.js';

export type RuntimeName = 'onnxruntime-node' | 'onnxruntime-web';

export const RUNTIMES: readonly RuntimeName[] = ['onnxruntime-node', 'onnxruntime-web'];

/** onnxruntime-node's CPU provider, or onnxruntime-web's wasm backend run in Node (one thread: no workers). */
export async function loadRuntime(name: RuntimeName): Promise<OrtModule> {
  if (name === 'onnxruntime-node') return (await import('onnxruntime-node')) as unknown as OrtModule;
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = 1;
  web.env.logLevel = 'error';
  return web as unknown as OrtModule;
}

/** Session options that keep the test suite on one thread per session and quiet. */
export const TEST_SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 } as const;
