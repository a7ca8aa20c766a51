import { readFileSync } from 'node:fs';
import { CapabilityError, type TensorData } from '@salience/core';
import { expectMapsClose, loadCaptumFixture, nchwToNhwc, parseFixtureArrays } from '@salience/testing';
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

/** Conv OIHW -> HWIO, linear [out, in] -> [in, out]. */
function load(layer: tf.layers.Layer, weights: Readonly<Record<string, TensorData>>, module: string, perm: number[]): void {
  const tensor = (key: string) => tf.tensor(weights[key]!.data, [...weights[key]!.shape]);
  tf.tidy(() => layer.setWeights([tensor(`${module}.weight`).transpose(perm), tensor(`${module}.bias`)]));
}

/**
 * resnetlite (a stem, a max pool, two residual blocks, the second with a strided 1x1 shortcut) as a
 * tfjs LayersModel, from the weights of its ONNX export (BatchNorm folded into the convolutions),
 * written by tools/make-resnetlite-tfjs-weights.py.
 */
function resnetlite(): tf.LayersModel {
  const at = (file: string) => new URL(`../fixtures/resnetlite/${file}`, import.meta.url);
  const { arrays } = parseFixtureArrays(readFileSync(at('tfjs-weights.json'), 'utf8'), readFileSync(at('tfjs-weights.bin')));
  const convs: tf.layers.Layer[] = [];
  const conv = (name: string, filters: number, kernelSize: number, strides: number, x: tf.SymbolicTensor) => {
    const layer = tf.layers.conv2d({ name, filters, kernelSize, strides, padding: strides === 1 && kernelSize === 3 ? 'same' : 'valid' });
    convs.push(layer);
    // PyTorch pads a strided 3x3 convolution by 1 on every side; tfjs 'same' would pad one side only.
    const padded = strides === 2 && kernelSize === 3 ? (tf.layers.zeroPadding2d({ name: `${name}_pad`, padding: 1 }).apply(x) as tf.SymbolicTensor) : x;
    return layer.apply(padded) as tf.SymbolicTensor;
  };
  const relu = (name: string, x: tf.SymbolicTensor) => tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [16, 16, 3], name: 'input' });
  let h = tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }).apply(relu('r0', conv('stem', 8, 3, 1, input))) as tf.SymbolicTensor;
  const a = conv('a2', 8, 3, 1, relu('ar1', conv('a1', 8, 3, 1, h)));
  h = relu('ar2', tf.layers.add({ name: 'add' }).apply([h, a]) as tf.SymbolicTensor);
  const b = conv('b2', 16, 3, 1, relu('br1', conv('b1', 16, 3, 2, h)));
  h = relu('br2', tf.layers.add({ name: 'add_1' }).apply([conv('short', 16, 1, 2, h), b]) as tf.SymbolicTensor);
  const fc = tf.layers.dense({ name: 'fc', units: 6 });
  const model = tf.model({ inputs: input, outputs: fc.apply(tf.layers.globalAveragePooling2d({ name: 'mean' }).apply(h)) as tf.SymbolicTensor });
  for (const layer of convs) load(layer, arrays, layer.name, [2, 3, 1, 0]);
  load(fc, arrays, 'fc', [1, 0]);
  return model;
}

// The tfjs rebuilds of the fixture models: the same weights as the ONNX export that Captum's maps
// were made from (smallcnn and colorcnn from the shared Captum fixtures' weights).
describe.each(['smallcnn', 'colorcnn', 'resnetlite'] as const)('Captum parity on %s as a tfjs LayersModel (cpu)', (name) => {
  let fixture: BackpropFixture;
  let layers: tf.LayersModel;
  let model: TfjsModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    fixture = loadBackpropFixture(name);
    layers = name === 'resnetlite' ? resnetlite() : buildFixtureModel(tf, name, (await loadCaptumFixture(name)).weights);
    model = fromTfjs(tf, layers);
  });
  afterAll(() => {
    model.dispose();
    layers.dispose();
  });
  const input = () => nchwToNhwc(fixture.arrays.input!);

  it('the rebuilt model gives the fixture logits', async () => {
    const { logits } = await model.run({ input: input(), outputs: ['logits'] });
    expectMapsClose(logits, fixture.arrays.logits!, 1e-5, `${name} logits`);
  });

  it('matches Captum GuidedBackprop and Deconvolution, and leaves no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const guided = await guidedBackprop.attribute(model, input(), { target: fixture.target });
    expectMapsClose(guided.values, nchwToNhwc(fixture.arrays.guided_backprop!), TOLERANCE, `${name} guided backprop`);
    const deconv = await deconvnet.attribute(model, input(), { target: fixture.target, batchSize: 2 });
    expectMapsClose(deconv.values, nchwToNhwc(fixture.arrays.deconvnet!), TOLERANCE, `${name} deconvnet`);
    expect(tf.memory().numTensors).toBe(before);
    // The rules are put back: a plain gradient afterwards is not the guided one.
    const { inputGradients } = await model.run({ input: input(), outputs: ['inputGradients'], target: fixture.target });
    expect(Array.from(inputGradients.data)).not.toEqual(Array.from(guided.values.data));
  });

  it('matches Captum GuidedGradCam (nearest upsampling)', async () => {
    const layer = fixture.arrays.guided_gradcam!.extra.layer as string;
    const result = await guidedGradCam.attribute(model, input(), { target: fixture.target, layer });
    expect(result.meta.layer).toBe(layer);
    expectMapsClose(result.values, nchwToNhwc(fixture.arrays.guided_gradcam!), TOLERANCE, `${name} guided grad-cam`);
  });

  it('matches Captum DeepLift (rescale) with a zero and a constant baseline, in calls of any size', async () => {
    const before = tf.memory().numTensors;
    const zero = await deepLift.attribute(model, input(), { target: fixture.target, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expectMapsClose(zero.values, nchwToNhwc(fixture.arrays.deeplift_zero!), TOLERANCE, `${name} DeepLift, zero baseline`);
    const baseline = nchwToNhwc(fixture.arrays.deeplift_baseline!);
    const constant = await deepLift.attribute(model, input(), { target: fixture.target, baseline });
    expectMapsClose(constant.values, nchwToNhwc(fixture.arrays.deeplift_const!), TOLERANCE, `${name} DeepLift, constant baseline`);
  });

  it('refuses LRP with a CapabilityError that says what runs', async () => {
    const error = await lrp.attribute(model, input(), { target: fixture.target }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toMatch(/tf2onnx/);
    expect((error as Error).message).toMatch(/guided, deconvnet, rescale/);
  });
});
