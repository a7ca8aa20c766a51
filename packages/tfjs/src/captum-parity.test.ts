import type { TensorData } from '@salience/core';
import type { CaptumFixture, CaptumModelName } from '@salience/testing';
import { expectMapsClose, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTfjs } from './index.js';

/** The parity criterion: max |actual - expected| <= 1e-5 x max |expected|, map by map. */
const PARITY = 1e-5;

/**
 * Grad-CAM from NHWC layer outputs, without the ReLU (Captum's default): the channel weights are
 * the spatial means of the gradients, the map is the weighted sum of the activations, [B, 1, h, w].
 */
function gradCamNoRelu(activations: TensorData, gradients: TensorData): TensorData {
  const [rows, height, width, channels] = activations.shape as [number, number, number, number];
  const pixels = height * width;
  const out = new Float32Array(rows * pixels);
  for (let r = 0; r < rows; r++) {
    const weights = new Float64Array(channels);
    for (let p = 0; p < pixels; p++) for (let c = 0; c < channels; c++) weights[c]! += gradients.data[(r * pixels + p) * channels + c]! / pixels;
    for (let p = 0; p < pixels; p++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += weights[c]! * activations.data[(r * pixels + p) * channels + c]!;
      out[r * pixels + p] = s;
    }
  }
  return { data: out, shape: [rows, 1, height, width] };
}

describe.each(['cpu', 'wasm'])('parity with the Captum fixtures on %s', (backend) => {
  const fixtures = new Map<CaptumModelName, CaptumFixture>();
  const models: tf.LayersModel[] = [];

  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    for (const name of ['smallcnn', 'colorcnn', 'tabular', 'tinytext'] as const) fixtures.set(name, await loadCaptumFixture(name));
  });

  afterAll(() => {
    for (const model of models.splice(0)) model.dispose();
  });

  const adapterFor = (name: CaptumModelName) => {
    const fixture = fixtures.get(name)!;
    const model = buildFixtureModel(tf, name, fixture.weights);
    models.push(model);
    return { fixture, adapter: fromTfjs(tf, model) };
  };

  it.each(['smallcnn', 'colorcnn'] as const)('%s: input gradients equal Captum’s, and Grad-CAM layer outputs have the right shapes and values', async (name) => {
    const { fixture, adapter } = adapterFor(name);
    expect(adapter.layout).toBe('NHWC');
    const input = nchwToNhwc(fixture.input);
    const before = tf.memory().numTensors;
    const result = await adapter.run({
      input,
      outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'],
      target: fixture.target,
      layer: fixture.gradcamLayer,
    });
    expect(tf.memory().numTensors).toBe(before);
    expectMapsClose(result.logits, fixture.logits, PARITY, `${name} logits`);
    expectMapsClose(result.inputGradients, nchwToNhwc(fixture.cases.gradient!), PARITY, `${name} input gradients`);
    const expectedCam = fixture.cases.gradcam_layer_norelu!;
    const [rows, , height, width] = expectedCam.shape;
    const layerInfo = adapter.layers().find((l) => l.name === fixture.gradcamLayer)!;
    expect(layerInfo.spatial).toBe(true);
    const channels = layerInfo.outputShape[3]!;
    expect(result.layerActivations.shape).toEqual([rows, height, width, channels]);
    expect(result.layerGradients.shape).toEqual([rows, height, width, channels]);
    expectMapsClose(gradCamNoRelu(result.layerActivations, result.layerGradients), expectedCam, PARITY, `${name} Grad-CAM from the layer outputs`);
  });

  it('tabular: input gradients equal Captum’s', async () => {
    const { fixture, adapter } = adapterFor('tabular');
    expect(adapter.layout).toBe('NC');
    const { inputGradients } = await adapter.run({ input: fixture.input, outputs: ['inputGradients'], target: fixture.target });
    expectMapsClose(inputGradients, fixture.cases.gradient!, PARITY, 'tabular input gradients');
  });

  it('tinytext: embedding gradients equal Captum’s', async () => {
    const { fixture, adapter } = adapterFor('tinytext');
    expect(adapter.layout).toBe('tokens');
    expect(adapter.embeddingLayer).toBe(fixture.embeddingLayer);
    const { embeddingGradients, logits } = await adapter.run({ input: fixture.input, outputs: ['embeddingGradients', 'logits'], target: fixture.target });
    expectMapsClose(logits, fixture.logits, PARITY, 'tinytext logits');
    expectMapsClose(embeddingGradients, fixture.cases.embedding_gradient!, PARITY, 'tinytext embedding gradients');
  });
});
