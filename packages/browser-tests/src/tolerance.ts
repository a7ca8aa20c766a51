import type { TfjsBackend } from './backends.js';

/**
 * Parity criterion, as everywhere in salience: max |actual - expected| <= tolerance x max |expected|,
 * map by map. The CPU backends keep the Node tolerances of the method packages.
 */
export const CPU_TOLERANCE = 1e-4;

/**
 * WebGL and WebGPU compute in float32 too, but sum in other orders and use their own exp, tanh and
 * division: 1e-3 of each map's largest value. Measured on Chromium 156's SwiftShader (no GPU): see
 * the precision table that the parity suite prints, and packages/browser-tests/README.md.
 */
export const GPU_TOLERANCE = 1e-3;

/**
 * Measured exception, the same as in Node: on wasm, smallcnn's Gauss-Legendre integrated gradients
 * differ from Captum's by 4.1e-4 at one pixel, where XNNPACK's convolution breaks a max-pool tie the
 * other way round from PyTorch (see packages/integrated-gradients/src/captum-parity.test.ts).
 */
export const WASM_SMALLCNN_GAUSS_LEGENDRE = 1e-3;

/**
 * The same pixel through model.onnx on onnxruntime (any provider): PyTorch's float32 convolution
 * rounds a max-pool tie at alpha = 0.003 the other way round from its own float64 one, which both
 * runtimes follow (see packages/integrated-gradients/src/captum-parity-onnx.test.ts).
 */
export const SMALLCNN_GAUSS_LEGENDRE = 1e-3;

export function toleranceFor(backend: TfjsBackend): number {
  return backend === 'cpu' || backend === 'wasm' ? CPU_TOLERANCE : GPU_TOLERANCE;
}
