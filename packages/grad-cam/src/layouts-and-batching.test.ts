import { AbortError, CapabilityError, createRng, type Model, type TensorData } from '@salience/core';
import { createForwardOnlyModel, createImageModel, nchwToNhwc } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { gradCam, gradCamPlusPlus } from './grad-cam.js';

const methods = [gradCam, gradCamPlusPlus];

function randomImages(rows: number, shape: number[], seed = 7): TensorData {
  const size = shape.reduce((a, b) => a * b, 1);
  return { data: createRng(seed).fillUniform(new Float32Array(rows * size), -1, 1), shape: [rows, ...shape] };
}

/** Grad-CAM written out naively from the model's own layer outputs, channels first. */
async function referenceGradCam(model: Model, input: TensorData, target: number[], layer: string): Promise<number[]> {
  const { layerActivations: a, layerGradients: g } = await model.run({ input, outputs: ['layerActivations', 'layerGradients'], target, layer });
  const [rows, channels, h, w] = a.shape as [number, number, number, number];
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < h * w; p++) {
      let sum = 0;
      for (let k = 0; k < channels; k++) {
        let mean = 0;
        for (let q = 0; q < h * w; q++) mean += g.data[(r * channels + k) * h * w + q]! / (h * w);
        sum += mean * a.data[(r * channels + k) * h * w + p]!;
      }
      out.push(Math.max(0, sum));
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe('on the analytic image fake', () => {
  it('matches a naive Grad-CAM of the same layer outputs', async () => {
    const model = createImageModel({ layout: 'NCHW', seed: 3 });
    const input = randomImages(2, [3, 6, 5]);
    const result = await gradCam.attribute(model, input, { target: [2, 0], layer: 'features' });
    expect(result.values.shape).toEqual([2, 6, 5]);
    expectClose(result.values.data, await referenceGradCam(model, input, [2, 0], 'features'));
    expect(result.values.data.some((v) => v > 0)).toBe(true);
  });

  it.each(methods)('$id: an NCHW model and its NHWC twin give the same maps', async (method) => {
    const nchw = createImageModel({ layout: 'NCHW', seed: 5 });
    const nhwc = createImageModel({ layout: 'NHWC', seed: 5 });
    const input = randomImages(3, [3, 6, 5]);
    for (const relu of [true, false]) {
      const options = { target: { classes: [0, 2] }, relu, resolution: 'layer' as const };
      const a = await method.attribute(nchw, input, options);
      const b = await method.attribute(nhwc, nchwToNhwc(input), options);
      expect(b.values.shape).toEqual(a.values.shape);
      expectClose(b.values.data, a.values.data, 1e-6);
      expect(a.values.data.some((v) => v !== 0)).toBe(true);
    }
  });

  it.each(methods)('$id: several targets in one call equal separate calls, all pairs in one model call', async (method) => {
    const model = createImageModel({ layout: 'NHWC', seed: 11 });
    const input = randomImages(3, [6, 5, 3], 2);
    const together = await method.attribute(model, input, { target: { classes: [0, 1, 2] }, relu: false });
    expect(together.values.shape).toEqual([9, 6, 5]);
    expect(Array.from(together.examples)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(together.targets)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(together.meta.modelCalls).toBe(1);
    expect(model.calls).toBe(1);
    expect(model.largestBatch).toBe(9);
    const mapSize = 30;
    for (const c of [0, 1, 2]) {
      const alone = await method.attribute(model, input, { target: c, relu: false });
      for (let r = 0; r < 3; r++) {
        expectClose(together.values.data.subarray((r * 3 + c) * mapSize, (r * 3 + c + 1) * mapSize), alone.values.data.subarray(r * mapSize, (r + 1) * mapSize), 1e-7);
      }
    }
  });

  it('topK resolves from one logits call, then batches the pairs', async () => {
    const model = createImageModel({ seed: 4 });
    const result = await gradCam.attribute(model, randomImages(2, [3, 6, 5]), { target: { topK: 2 } });
    expect(result.values.shape).toEqual([4, 6, 5]);
    expect(result.meta.modelCalls).toBe(2);
    expect(model.requests.map((r) => r.rows)).toEqual([2, 4]);
  });

  it.each(methods)('$id: batchSize 1 and a large batch give the same values', async (method) => {
    const model = createImageModel({ layout: 'NCHW', seed: 8 });
    const input = randomImages(5, [3, 6, 5], 9);
    const options = { target: { classes: [1, 2] }, upsample: 'nearest' as const, normalize: 'min-max' as const };
    const one = await method.attribute(model, input, { ...options, batchSize: 1 });
    expect(model.largestBatch).toBe(1);
    expect(one.meta.modelCalls).toBe(10);
    const all = await method.attribute(model, input, { ...options, batchSize: 64 });
    expect(all.meta.modelCalls).toBe(1);
    expect(Array.from(all.values.data)).toEqual(Array.from(one.values.data));
  });

  it('reports progress in (example, class) pairs after each batch', async () => {
    const progress: [number, number][] = [];
    await gradCam.attribute(createImageModel(), randomImages(5, [3, 6, 5]), { target: 1, batchSize: 2, onProgress: (d, t) => progress.push([d, t]) });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it('aborts while the model is running', async () => {
    const controller = new AbortController();
    const model = createImageModel({ onRun: () => controller.abort() });
    await expect(gradCam.attribute(model, randomImages(4, [3, 6, 5]), { target: 0, batchSize: 2, signal: controller.signal })).rejects.toThrow(AbortError);
    expect(model.calls).toBe(1);
    expect(model.liveAllocations).toBe(0);
  });

  it('needs layer activations and gradients: a forward-only model is refused before any call', async () => {
    const model = createForwardOnlyModel();
    await expect(gradCam.attribute(model, randomImages(1, [model.inputShape[1] as number]), { target: 0 })).rejects.toThrow(CapabilityError);
    expect(model.calls).toBe(0);
    const noLayers = createImageModel({ capabilities: ['logits', 'inputGradients'] });
    await expect(gradCamPlusPlus.attribute(noLayers, randomImages(1, [3, 6, 5]), { target: 0 })).rejects.toThrow(/layerActivations, layerGradients/);
  });
});
