import type { TensorData } from '@salience/core';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureAblation } from './feature-ablation.js';
import { type OcclusionOptions, occlusion } from './occlusion.js';

const TOLERANCE = 1e-4;

/**
 * Captum's sliding_window_shapes/strides of each fixture, (C, k, k) and (C, s, s) in NCHW: in the
 * full NHWC form for smallcnn, in the shorthand for colorcnn, whose batches of 7 rows split examples.
 */
const SETTINGS: Record<'smallcnn' | 'colorcnn', OcclusionOptions & { batchSize?: number }> = {
  smallcnn: { window: [4, 4, 1], stride: [2, 2, 1] },
  colorcnn: { window: 6, stride: 3, batchSize: 7 },
};

describe.each(['cpu', 'wasm'])('Captum parity on tfjs %s', (backend) => {
  const fixtures: Record<string, { fixture: CaptumFixture; model: ReturnType<typeof fromTfjs>; input: TensorData }> = {};

  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    for (const name of ['smallcnn', 'colorcnn'] as const) {
      const fixture = await loadCaptumFixture(name);
      const model = fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights));
      fixtures[name] = { fixture, model, input: nchwToNhwc(fixture.input) };
    }
  });

  afterAll(() => {
    for (const { model } of Object.values(fixtures)) model.dispose();
  });

  describe.each(['smallcnn', 'colorcnn'] as const)('%s', (name) => {
    it('matches Captum Occlusion', async () => {
      const { fixture, model, input } = fixtures[name]!;
      const result = await occlusion.attribute(model, input, { ...SETTINGS[name], target: fixture.target });
      const meta = fixture.cases.occlusion!.extra as { window: number; stride: number };
      expect(result.meta.window).toEqual(name === 'smallcnn' ? [meta.window, meta.window, 1] : [meta.window, meta.window, 3]);
      expectMapsClose(result.values, nchwToNhwc(fixture.cases.occlusion!), TOLERANCE, `${name} occlusion (${backend})`);
    });

    it('leaks no tensors, on success and on failure', async () => {
      const { model, input } = fixtures[name]!;
      await occlusion.attribute(model, input, { window: 8, target: { topK: 2 } }); // warm-up: what tfjs keeps
      const before = tf.memory().numTensors;
      await occlusion.attribute(model, input, { window: 8, target: { topK: 2 }, batchSize: 5, baseline: 'blur' });
      await featureAblation.attribute(model, input, {
        featureMask: { data: new Float32Array(input.shape[1]! * input.shape[2]!).map((_, i) => i % 5), shape: input.shape.slice(1, 3) },
      });
      const controller = new AbortController();
      const aborted = occlusion.attribute(model, input, {
        window: 4,
        batchSize: 3,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      await expect(aborted).rejects.toThrow();
      await expect(occlusion.attribute(model, input, { target: 99 })).rejects.toThrow();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
