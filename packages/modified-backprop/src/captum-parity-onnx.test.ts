import { fromOnnx, type OnnxModel } from '@salience/onnx';
import { expectMapsClose } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKPROP_MODELS, type BackpropFixture, type BackpropModel, loadBackpropFixture } from '../test/fixtures.js';
import { deepLift } from './deep-lift.js';
import { guidedGradCam } from './guided-grad-cam.js';
import { lrp } from './lrp.js';
import { deconvnet, guidedBackprop } from './modified-relu.js';

const TOLERANCE = 1e-4;

describe.each(BACKPROP_MODELS)('Captum parity on %s through onnxruntime-node', (name: BackpropModel) => {
  let fixture: BackpropFixture;
  let model: OnnxModel;
  beforeAll(async () => {
    fixture = loadBackpropFixture(name);
    model = await fromOnnx(ort, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
  });
  afterAll(() => model.dispose());

  it('the exported model gives the fixture logits', async () => {
    const { logits } = await model.run({ input: fixture.arrays.input!, outputs: ['logits'] });
    expectMapsClose(logits, fixture.arrays.logits!, 1e-5, `${name} logits`);
  });

  it('matches Captum GuidedBackprop', async () => {
    const result = await guidedBackprop.attribute(model, fixture.arrays.input!, { target: fixture.target });
    expectMapsClose(result.values, fixture.arrays.guided_backprop!, TOLERANCE, `${name} guided backprop`);
  });

  it('matches Captum Deconvolution', async () => {
    const result = await deconvnet.attribute(model, fixture.arrays.input!, { target: fixture.target });
    expectMapsClose(result.values, fixture.arrays.deconvnet!, TOLERANCE, `${name} deconvnet`);
  });

  it('matches Captum DeepLift (rescale) with a zero and a constant baseline, in calls of any size', async () => {
    const zero = await deepLift.attribute(model, fixture.arrays.input!, { target: fixture.target, batchSize: 2 });
    expectMapsClose(zero.values, fixture.arrays.deeplift_zero!, TOLERANCE, `${name} DeepLift, zero baseline`);
    const constant = await deepLift.attribute(model, fixture.arrays.input!, { target: fixture.target, baseline: fixture.arrays.deeplift_baseline });
    expectMapsClose(constant.values, fixture.arrays.deeplift_const!, TOLERANCE, `${name} DeepLift, constant baseline`);
    expect(zero.meta.modelCalls).toBeGreaterThanOrEqual(fixture.target.length);
  });

  it('matches Captum GuidedGradCam (nearest upsampling)', async () => {
    const layer = fixture.arrays.guided_gradcam!.extra.layer as string;
    const result = await guidedGradCam.attribute(model, fixture.arrays.input!, { target: fixture.target, layer });
    expect(result.meta.layer).toBe(layer);
    expectMapsClose(result.values, fixture.arrays.guided_gradcam!, TOLERANCE, `${name} guided grad-cam`);
  });

  it('matches Captum LRP (epsilon rule; BatchNorm folded as in the export)', async () => {
    const stable = await lrp.attribute(model, fixture.arrays.input!, { target: fixture.target, epsilon: 0.01 });
    expectMapsClose(stable.values, fixture.arrays['lrp_epsilon_0.01']!, TOLERANCE, `${name} LRP epsilon 0.01`);
    // Captum's default epsilon, 1e-9, divides by outputs near zero: resnetlite's first map peaks at
    // 97 where float32 rounding of z decides, and agrees only to 8e-4 of its max there.
    const standard = await lrp.attribute(model, fixture.arrays.input!, { target: fixture.target });
    expectMapsClose(standard.values, fixture.arrays.lrp_epsilon!, name === 'resnetlite' ? 1e-3 : TOLERANCE, `${name} LRP epsilon 1e-9`);
  });

  it('matches Zennit EpsilonPlusFlat (flat first layer, z+ convolutions, epsilon dense layers)', async () => {
    const result = await lrp.attribute(model, fixture.arrays.input!, { target: fixture.target, composite: 'epsilon-plus-flat' });
    expectMapsClose(result.values, fixture.arrays.zennit_epsilon_plus_flat!, TOLERANCE, `${name} Zennit EpsilonPlusFlat`);
  });
});
