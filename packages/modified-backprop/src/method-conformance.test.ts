import { fromOnnx } from '@salience/onnx';
import {
  checkMethodAbort,
  checkMethodBatching,
  checkMethodCapabilities,
  checkMethodDescription,
  checkMethodDeterminism,
  checkMethodInputErrors,
  checkMethodMultiTargets,
  checkMethodNoMutation,
  checkMethodOptionErrors,
  checkMethodOutput,
  checkMethodProgress,
  checkMethodSeeds,
  checkMethodTargetErrors,
  checkMethodTargets,
  describeMethodConformance,
  type MethodConformanceSubject,
  spyModel,
} from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackpropFixture } from '../test/fixtures.js';
import { deepLift } from './deep-lift.js';
import { guidedGradCam } from './guided-grad-cam.js';
import { lrp } from './lrp.js';
import { deconvnet, guidedBackprop } from './modified-relu.js';

const colorcnn = loadBackpropFixture('colorcnn');
const input = { data: colorcnn.arrays.input!.data.slice(0, 2 * 3 * 32 * 32), shape: [2, 3, 32, 32] };
const model = () => fromOnnx(ort, colorcnn.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });

describeMethodConformance('guided backprop on colorcnn (onnxruntime-node)', async () => ({
  method: guidedBackprop,
  model: await model(),
  input,
  badOptions: [{ channelReduction: 'median' }],
}));
describeMethodConformance('deconvnet on colorcnn (onnxruntime-node)', async () => ({
  method: deconvnet,
  model: await model(),
  input,
  badOptions: [{ channelReduction: 'median' }],
}));
describeMethodConformance('guided Grad-CAM on colorcnn (onnxruntime-node)', async () => ({
  method: guidedGradCam,
  model: await model(),
  input,
  options: { layer: 'b2' },
  badOptions: [{ upsample: 'cubic' }],
}));
describeMethodConformance('LRP (epsilon) on colorcnn (onnxruntime-node)', async () => ({
  method: lrp,
  model: await model(),
  input,
  badOptions: [
    { epsilon: -1 },
    { epsilon: 'small' },
    { channelReduction: 'median' },
    { composite: 'gamma-box' },
    { composite: 'epsilon-gamma-box' },
    { composite: { dense: 'beta' } },
    { composite: 'epsilon-plus', gamma: 0.5 },
    { gamma: 0.5 },
  ],
}));
describeMethodConformance("LRP (Zennit's EpsilonPlusFlat) on colorcnn (onnxruntime-node)", async () => ({
  method: lrp,
  model: await model(),
  input,
  options: { composite: 'epsilon-plus-flat' as const },
}));
describeMethodConformance("LRP (Zennit's EpsilonGammaBox) on colorcnn (onnxruntime-node)", async () => ({
  method: lrp,
  model: await model(),
  input,
  options: { composite: 'epsilon-gamma-box' as const, low: [-2, -2, -2], high: [2, 2, 2] },
  badOptions: [{ composite: 'epsilon-gamma-box', low: [0, 0], high: 1 }],
}));
/**
 * DeepLIFT runs each map with its baseline in one call, so batchSize 1 still sends 2 rows: every
 * check of the suite but the batch bound, which is checked below for batchSize >= 2.
 */
describe('DeepLIFT on colorcnn (onnxruntime-node) conforms to the Method contract, less the bound at batchSize 1', () => {
  let subject: MethodConformanceSubject<object>;
  beforeAll(async () => {
    subject = {
      method: deepLift as never,
      model: await model(),
      input,
      badOptions: [{ baseline: Number.NaN }, { baseline: 'zero' }, { baseline: { data: new Float32Array(5), shape: [5] } }],
    };
  });
  afterAll(() => subject.model.dispose());
  const checks = {
    checkMethodDescription,
    checkMethodOutput,
    checkMethodTargets,
    checkMethodMultiTargets,
    checkMethodBatching,
    checkMethodDeterminism,
    checkMethodSeeds,
    checkMethodOptionErrors,
    checkMethodInputErrors,
    checkMethodTargetErrors,
    checkMethodCapabilities,
    checkMethodAbort,
    checkMethodProgress,
    checkMethodNoMutation,
  };
  for (const [name, check] of Object.entries(checks)) it(name, () => check(subject as never));

  it('never sends more rows than batchSize when batchSize is 2 or more (maps and their baselines)', async () => {
    for (const batchSize of [2, 3, 4]) {
      const spy = spyModel(subject.model);
      await deepLift.attribute(spy, input, { batchSize, target: { classes: [0, 1] } });
      expect(Math.max(...spy.calls.map((c) => c.rows))).toBeLessThanOrEqual(batchSize);
    }
  });
});
