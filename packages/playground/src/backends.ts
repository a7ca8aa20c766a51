import type * as tfType from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

type Tf = typeof tfType;

export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu';

export const BACKENDS: readonly { name: BackendName; title: string }[] = [
  { name: 'webgl', title: 'WebGL' },
  { name: 'webgpu', title: 'WebGPU' },
  { name: 'wasm', title: 'WebAssembly' },
  { name: 'cpu', title: 'CPU (JavaScript)' },
];

let wasmPathsSet = false;

/** The wasm binaries are part of the build (no CDN): the page works offline. */
function useBundledWasm(): void {
  if (wasmPathsSet) return;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  wasmPathsSet = true;
}

/** Cheap checks of what the browser has, without starting any backend. */
export async function backendsOffered(): Promise<Map<BackendName, string | null>> {
  const why = new Map<BackendName, string | null>([
    ['cpu', null],
    ['wasm', typeof WebAssembly === 'object' ? null : 'no WebAssembly'],
  ]);
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  why.set('webgl', gl ? null : 'no WebGL context');
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  why.set('webgpu', !gpu ? 'this browser has no WebGPU' : adapter ? null : 'no WebGPU adapter');
  return why;
}

/** Switches tfjs to `backend`, or throws saying it could not. */
export async function useBackend(tf: Tf, backend: BackendName): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (backend === 'wasm') useBundledWasm();
  const ok = tf.findBackendFactory(backend) !== null && (await tf.setBackend(backend));
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) throw new Error(`tfjs could not start its ${backend} backend in this browser; pick another backend.`);
}
