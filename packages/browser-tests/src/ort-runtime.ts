import { fromOnnx, type OrtModule } from '@salience/onnx';
// The onnx adapter's own tensor counter: every tensor the adapter makes or gets back must be disposed.
import { countingRuntime } from '@salience/onnx/testing';
import { loadCaptumFixture } from '@salience/testing';
import * as ort from 'onnxruntime-web';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { expect } from 'vitest';
import type { ParityRuntime } from './parity-suite.js';
import { CPU_TOLERANCE, GPU_TOLERANCE, SMALLCNN_GAUSS_LEGENDRE } from './tolerance.js';

/** onnxruntime-web's execution providers that a browser may offer. */
export type OrtProvider = 'wasm' | 'webgpu';
export const ORT_PROVIDERS: readonly OrtProvider[] = ['wasm', 'webgpu'];

/**
 * onnxruntime-web's default build (wasm and WebGPU through JSEP), its binary served by the test
 * server; one thread, since the test page is not cross-origin isolated.
 */
export function configureOrt(): typeof ort {
  ort.env.wasm.wasmPaths = { wasm: jsepWasmUrl };
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return ort;
}

export function sessionOptions(provider: OrtProvider) {
  return { executionProviders: [provider], intraOpNumThreads: 1, logSeverityLevel: 3 as const };
}

/** Whether onnxruntime-web can create a session on `provider` here; what it said when it cannot. */
export async function ortOffer(provider: OrtProvider): Promise<{ offered: boolean; detail: string }> {
  configureOrt();
  const fixture = await loadCaptumFixture('tabular');
  try {
    const session = await ort.InferenceSession.create(fixture.modelBytes, sessionOptions(provider));
    await session.release();
  } catch (error) {
    return { offered: false, detail: (error as Error).message.split('\n')[0]! };
  }
  if (provider === 'wasm') return { offered: true, detail: `onnxruntime-web ${ort.env.versions.web}, 1 thread` };
  const adapter = await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter();
  return { offered: true, detail: `onnxruntime-web ${ort.env.versions.web}, adapter ${adapter?.info.vendor ?? '?'} ${adapter?.info.architecture ?? '?'}` };
}

/** An onnxruntime-web provider as a parity runtime: the fixtures' own model.onnx files (NCHW, as exported). */
export function ortRuntime(provider: OrtProvider): ParityRuntime {
  const counted = countingRuntime(configureOrt() as unknown as OrtModule);
  return {
    name: `onnxruntime-web ${provider}`,
    short: `ort-${provider}`,
    layout: 'NCHW',
    offer: () => ortOffer(provider),
    assertRefused: async () => {
      const fixture = await loadCaptumFixture('tabular');
      await expect(ort.InferenceSession.create(fixture.modelBytes, sessionOptions(provider))).rejects.toThrow();
    },
    activate: async () => {},
    load: (fixture) => fromOnnx(counted.ort, fixture.modelBytes, { sessionOptions: sessionOptions(provider) }),
    tolerance: (model, check) => {
      if (model === 'smallcnn' && check.startsWith('IG gauss-legendre')) return Math.max(SMALLCNN_GAUSS_LEGENDRE, provider === 'wasm' ? CPU_TOLERANCE : GPU_TOLERANCE);
      return provider === 'wasm' ? CPU_TOLERANCE : GPU_TOLERANCE;
    },
    liveTensors: counted.live,
  };
}
