import { CapabilityError } from '@salience/core';
import { expectMapsClose, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs, type TfjsModel } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackpropFixture, loadBackpropFixture } from '../test/fixtures.js';
import { deepLift } from './deep-lift.js';
import { guidedGradCam } from './guided-grad-cam.js';
import { lrp } from './lrp.js';
import { deconvnet, guidedBackprop } from './modified-relu.js';

const TOLERANCE = 1e-4;

// The tfjs rebuilds of the shared Captum fixture models (resnetlite has none): the same weights as
// the ONNX export that Captum's maps were made from.
describe.each(['smallcnn', 'colorcnn'] as const)('Captum parity on %s as a tfjs LayersModel (cpu)', (name) => {
  let fixture: BackpropFixture;
  let layers: tf.LayersModel;
  let model: TfjsModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    fixture = loadBackpropFixture(name);
    layers = buildFixtureModel(tf, name, (await loadCaptumFixture(name)).weights);
    model = fromTfjs(tf, layers);
  });
  afterAll(() => {
    model.dispose();
    layers.dispose();
  });
  const input = () => nchwToNhwc(fixture.arrays.input);

  it('the rebuilt model gives the fixture logits', async () => {
    const { logits } = await model.run({ input: input(), outputs: ['logits'] });
    expectMapsClose(logits, fixture.arrays.logits, 1e-5, `${name} logits`);
  });

  it('matches Captum GuidedBackprop and Deconvolution, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const guided = await guidedBackprop.attribute(model, input(), { target: fixture.target });
    expectMapsClose(guided.values, nchwToNhwc(fixture.arrays.guided_backprop), TOLERANCE, `${name} guided backprop`);
    const deconv = await deconvnet.attribute(model, input(), { target: fixture.target, batchSize: 2 });
    expectMapsClose(deconv.values, nchwToNhwc(fixture.arrays.deconvnet), TOLERANCE, `${name} deconvnet`);
    expect(tf.memory().numTensors).toBe(before);
    // The rules are put back: a plain gradient afterwards is not the guided one.
    const { inputGradients } = await model.run({ input: input(), outputs: ['inputGradients'], target: fixture.target });
    expect(Array.from(inputGradients.data)).not.toEqual(Array.from(guided.values.data));
  });

  it('matches Captum GuidedGradCam (nearest upsampling)', async () => {
    const layer = fixture.arrays.guided_gradcam.extra.layer as string;
    const result = await guidedGradCam.attribute(model, input(), { target: fixture.target, layer });
    expect(result.meta.layer).toBe(layer);
    expectMapsClose(result.values, nchwToNhwc(fixture.arrays.guided_gradcam), TOLERANCE, `${name} guided grad-cam`);
  });

  it('matches Captum DeepLift (rescale) with a zero and a constant baseline, in calls of any size', async () => {
    const before = tf.memory().numTensors;
    const zero = await deepLift.attribute(model, input(), { target: fixture.target, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expectMapsClose(zero.values, nchwToNhwc(fixture.arrays.deeplift_zero), TOLERANCE, `${name} DeepLift, zero baseline`);
    const baseline = nchwToNhwc(fixture.arrays.deeplift_baseline);
    const constant = await deepLift.attribute(model, input(), { target: fixture.target, baseline });
    expectMapsClose(constant.values, nchwToNhwc(fixture.arrays.deeplift_const), TOLERANCE, `${name} DeepLift, constant baseline`);
  });

  it('refuses LRP with a CapabilityError that says what runs', async () => {
    const error = await lrp.attribute(model, input(), { target: fixture.target }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toMatch(/tf2onnx/);
    expect((error as Error).message).toMatch(/guided, deconvnet, rescale/);
  });
});
