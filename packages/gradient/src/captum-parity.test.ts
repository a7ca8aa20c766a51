import type { Model, TensorData } from '@salience/core';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradient, inputXGradient } from './gradient.js';

/** The foundation's parity bar: max abs error <= 1e-5 of each map's largest value. */
const TOLERANCE = 1e-5;
const MODELS = ['smallcnn', 'colorcnn', 'tabular'] as const;

describe.each(['cpu', 'wasm'])('Captum parity on tfjs %s', (backend) => {
  const loaded: Record<string, { fixture: CaptumFixture; model: Model; input: TensorData; nhwc: (t: TensorData) => TensorData }> = {};

  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    for (const name of MODELS) {
      const fixture = await loadCaptumFixture(name);
      const nhwc = (t: TensorData) => (t.shape.length === 4 ? nchwToNhwc(t) : t);
      const model = fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights));
      loaded[name] = { fixture, model, input: nhwc(fixture.input), nhwc };
    }
  });

  afterAll(() => {
    for (const { model } of Object.values(loaded)) model.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    it('signed gradient matches Saliency(abs=False)', async () => {
      const { fixture, model, input, nhwc } = loaded[name]!;
      const result = await gradient.attribute(model, input, { target: fixture.target, variant: 'signed' });
      expectMapsClose(result.values, nhwc(fixture.cases.gradient!), TOLERANCE, `${name} gradient (${backend})`);
    });

    it('gradient x input matches InputXGradient', async () => {
      const { fixture, model, input, nhwc } = loaded[name]!;
      const result = await inputXGradient.attribute(model, input, { target: fixture.target });
      expectMapsClose(result.values, nhwc(fixture.cases.input_x_gradient!), TOLERANCE, `${name} input x gradient (${backend})`);
    });
  });

  describe.each(['smallcnn', 'colorcnn'] as const)('%s image', (name) => {
    it('|gradient| and its channel max match Saliency(abs=True)', async () => {
      const { fixture, model, input, nhwc } = loaded[name]!;
      const abs = await gradient.attribute(model, input, { target: fixture.target });
      expectMapsClose(abs.values, nhwc(fixture.cases.saliency_abs!), TOLERANCE, `${name} |gradient| (${backend})`);
      const max = await gradient.attribute(model, input, { target: fixture.target, channelReduction: 'max', batchSize: 2 });
      expect(max.values.shape).toEqual(fixture.cases.saliency_abs_channel_max!.shape);
      expectMapsClose(max.values, fixture.cases.saliency_abs_channel_max!, TOLERANCE, `${name} channel max (${backend})`);
    });
  });

  it('leaks no tensors', async () => {
    const { fixture, model, input } = loaded.colorcnn!;
    await gradient.attribute(model, input, { target: fixture.target });
    const before = tf.memory().numTensors;
    await gradient.attribute(model, input, { target: { topK: 2 }, batchSize: 4 });
    await expect(gradient.attribute(model, input, { target: 99 })).rejects.toThrow(/classes/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
