import { CapabilityError } from '@salience/core';
import { fromOnnx } from '@salience/onnx';
import { createImageModel, spyModel } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadBackpropFixture } from '../test/fixtures.js';
import { deepLift } from './deep-lift.js';
import { deconvnet, guidedBackprop } from './modified-relu.js';

describe('modified backpropagation', () => {
  it('refuses a model that cannot apply backward rules with a CapabilityError, before calling it', async () => {
    const spy = spyModel(createImageModel({ layout: 'NCHW' }));
    const input = { data: new Float32Array(2 * 3 * 6 * 5), shape: [2, 3, 6, 5] };
    for (const method of [guidedBackprop, deconvnet, deepLift]) {
      await expect(method.attribute(spy, input, { target: 0 })).rejects.toThrowError(CapabilityError);
    }
    expect(spy.calls.length).toBe(0);
  });

  it('DeepLIFT is complete without ReLU -> MaxPool (colorcnn): each map sums to the target logit minus the baseline logit', async () => {
    const { modelBytes, arrays, target } = loadBackpropFixture('colorcnn');
    const model = await fromOnnx(ort, modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
    try {
      const result = await deepLift.attribute(model, arrays.input!, { target, baseline: 0.1 });
      const baseline = { data: new Float32Array(arrays.input!.data.length).fill(0.1), shape: arrays.input!.shape };
      const [{ logits }, { logits: reference }] = [await model.run({ input: arrays.input!, outputs: ['logits'] }), await model.run({ input: baseline, outputs: ['logits'] })];
      const size = arrays.input!.data.length / target.length;
      const classes = logits.shape[1]!;
      target.forEach((t, r) => {
        const sum = result.values.data.subarray(r * size, (r + 1) * size).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(logits.data[r * classes + t]! - reference.data[r * classes + t]!, 4);
      });
    } finally {
      model.dispose();
    }
  });
});
