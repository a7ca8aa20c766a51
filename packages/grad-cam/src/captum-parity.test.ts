import { AbortError, type Attribution, type CommonOptions, type TensorData, UnknownLayerError } from '@salience/core';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GradCamOptions, gradCam, gradCamPlusPlus } from './grad-cam.js';

const TOLERANCE = 1e-4;

/** Captum's [B, 1, h, w] holds the same numbers as our [B, h, w]. */
function dropChannel(expected: TensorData): TensorData {
  const [b, one, h, w] = expected.shape as [number, number, number, number];
  expect(one).toBe(1);
  return { data: expected.data, shape: [b, h, w] };
}

const cases: [string, GradCamOptions][] = [
  ['gradcam_layer', { resolution: 'layer' }],
  ['gradcam_layer_norelu', { resolution: 'layer', relu: false }],
  ['gradcam_bilinear', { resolution: 'input', upsample: 'bilinear' }],
  ['gradcam_bilinear_minmax', { resolution: 'input', upsample: 'bilinear', normalize: 'min-max' }],
];

describe.each(['cpu', 'wasm'])('Captum parity on tfjs %s', (backend) => {
  const fixtures: Record<string, { fixture: CaptumFixture; model: ReturnType<typeof fromTfjs>; input: TensorData }> = {};

  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    expect(tf.getBackend()).toBe(backend);
    for (const name of ['smallcnn', 'colorcnn'] as const) {
      const fixture = await loadCaptumFixture(name);
      const model = fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights));
      fixtures[name] = { fixture, model, input: nchwToNhwc(fixture.input) };
    }
  });

  afterAll(() => {
    for (const { model } of Object.values(fixtures)) model.dispose();
  });

  describe.each(['smallcnn', 'colorcnn'])('%s', (name) => {
    it.each(cases)('%s', async (expectedName, options) => {
      const { fixture, model, input } = fixtures[name]!;
      const result = await gradCam.attribute(model, input, { ...options, target: fixture.target, layer: fixture.gradcamLayer });
      expect(result.meta.layer).toBe(fixture.gradcamLayer);
      expectMapsClose(result.values, dropChannel(fixture.cases[expectedName]!), TOLERANCE, `${name} ${expectedName} (${backend})`);
    });

    it('finds the Grad-CAM layer of the fixture by itself', async () => {
      const { fixture, model, input } = fixtures[name]!;
      const result = await gradCam.attribute(model, input, { target: fixture.target, resolution: 'layer' });
      expect(result.meta).toMatchObject({ layer: fixture.gradcamLayer, layerChosen: 'auto' });
      expectMapsClose(result.values, dropChannel(fixture.cases.gradcam_layer!), TOLERANCE);
    });

    it('leaks no tensors, on success and on failure', async () => {
      const { model, input } = fixtures[name]!;
      const run = (method: typeof gradCam, options: GradCamOptions & CommonOptions = {}): Promise<Attribution> =>
        method.attribute(model, input, { target: { topK: 2 }, batchSize: 3, ...options });
      await run(gradCam); // warm-up: kernels and weights that tfjs keeps
      const before = tf.memory().numTensors;
      await run(gradCam);
      await run(gradCamPlusPlus, { resolution: 'layer' });
      // Aborted after the first of three batches.
      const controller = new AbortController();
      await expect(run(gradCam, { signal: controller.signal, onProgress: () => controller.abort() })).rejects.toThrow(AbortError);
      await expect(run(gradCam, { layer: 'nope' })).rejects.toThrow(UnknownLayerError);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
