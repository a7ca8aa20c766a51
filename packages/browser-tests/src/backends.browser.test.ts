import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { describe, expect, it } from 'vitest';
import { probeBackends, switchBackend } from './backends.js';

const offers = await probeBackends(tf);
console.log(`tfjs backends in ${navigator.userAgent}:\n${offers.map((o) => `  ${o.backend.padEnd(7)} ${o.offered ? 'offered    ' : 'NOT offered'} ${o.detail}`).join('\n')}`);

describe('tfjs backends that Chromium offers', () => {
  it('offers cpu, wasm and webgl (WebGL runs on SwiftShader where there is no GPU)', () => {
    for (const backend of ['cpu', 'wasm', 'webgl']) expect(offers.find((o) => o.backend === backend)?.offered, backend).toBe(true);
  });

  it('offers webgpu exactly when the browser gives a WebGPU adapter', async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    const webgpu = offers.find((o) => o.backend === 'webgpu')!;
    expect(webgpu.offered, webgpu.detail).toBe(adapter !== null);
    if (!webgpu.offered) expect(await switchBackend(tf, 'webgpu')).toBe(false);
  });

  it('computes the same small convolution on every backend offered', async () => {
    const results: Record<string, Float32Array> = {};
    for (const { backend } of offers.filter((o) => o.offered)) {
      expect(await switchBackend(tf, backend)).toBe(true);
      const y = tf.tidy(() => {
        const x = tf.tensor4d(
          Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)),
          [2, 5, 5, 3],
        );
        const w = tf.tensor4d(
          Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i) / 3),
          [3, 3, 3, 4],
        );
        return tf.tanh(tf.conv2d(x, w, 1, 'same'));
      });
      results[backend] = (await y.data()) as Float32Array;
      y.dispose();
    }
    for (const [backend, values] of Object.entries(results)) {
      const worst = Math.max(...values.map((v, i) => Math.abs(v - results.cpu![i]!)));
      expect(worst, backend).toBeLessThan(1e-5);
    }
  });
});
