import type * as tfType from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

type Tf = typeof tfType;

/** The tfjs backends that a browser can offer, cheapest to set up first. */
export type TfjsBackend = 'cpu' | 'wasm' | 'webgl' | 'webgpu';
export const TFJS_BACKENDS: readonly TfjsBackend[] = ['cpu', 'wasm', 'webgl', 'webgpu'];

/** The backends computing in float32 on the CPU: they meet the Node parity tolerances. */
export const CPU_BACKENDS: ReadonlySet<TfjsBackend> = new Set(['cpu', 'wasm']);

export interface BackendOffer {
  readonly backend: TfjsBackend;
  readonly offered: boolean;
  /** What the browser said: the renderer, the adapter, or why the backend is not there. */
  readonly detail: string;
}

let wasmPathsSet = false;

/** The wasm binaries come from the page's own server (Vite serves them from node_modules): no CDN. */
export function useServedWasm(): void {
  if (wasmPathsSet) return;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  wasmPathsSet = true;
}

async function webgpuAdapterDetail(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'navigator.gpu is undefined (WebGPU is switched off in this browser)';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'navigator.gpu.requestAdapter() answered null (no WebGPU adapter)';
  const info = adapter.info;
  return `adapter ${info.vendor || '?'} ${info.architecture || '?'}${info.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}

function webglDetail(tf: Tf): string {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  const debug = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl && debug ? String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL)) : 'unknown renderer';
  const float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? 'float32 textures' : 'float16 textures';
  return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}, ${float32}, ${renderer}`;
}

/**
 * Switches tfjs to `backend` and says whether that worked: tfjs answers false (and logs why) when
 * the browser lacks what the backend needs.
 */
export async function switchBackend(tf: Tf, backend: TfjsBackend): Promise<boolean> {
  if (backend === 'wasm') useServedWasm();
  if (!tf.findBackendFactory(backend)) return false;
  const ok = await tf.setBackend(backend);
  if (ok) await tf.ready();
  return ok && tf.getBackend() === backend;
}

/** Whether this browser offers `backend`, and what it said; leaves tfjs on that backend when it does. */
export async function offerOf(tf: Tf, backend: TfjsBackend): Promise<BackendOffer> {
  const registered = Boolean(tf.findBackendFactory(backend));
  const offered = registered && (await switchBackend(tf, backend));
  let detail: string;
  if (backend === 'webgpu') detail = registered ? await webgpuAdapterDetail() : `not registered: ${await webgpuAdapterDetail()}`;
  else if (backend === 'webgl') detail = offered ? webglDetail(tf) : 'no WebGL context';
  else if (backend === 'wasm') {
    detail = offered ? `simd ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}` : 'wasm did not start';
  } else detail = 'JavaScript';
  return { backend, offered, detail };
}

/** Tries each backend in turn and reports which ones this browser offers; leaves tfjs on cpu. */
export async function probeBackends(tf: Tf): Promise<BackendOffer[]> {
  const offers: BackendOffer[] = [];
  for (const backend of TFJS_BACKENDS) offers.push(await offerOf(tf, backend));
  await switchBackend(tf, 'cpu');
  return offers;
}
