import { GradientsUnavailableError, OptionError } from '@salience/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { softsignGradient, softsignInputGradient, softsignModel } from '../test/tiny-models.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

const runtime = ort as unknown as OrtModule;
const input = { data: Float32Array.from([0.3, -0.2, 0.9, 0.1, -0.7, 0.4, 0.2, -1.1]), shape: [2, 4] };

describe('an op without a gradient rule', () => {
  it('is named with its node when the model is opened, and only gradients that cross it are refused', async () => {
    const model = await fromOnnx(runtime, softsignModel(), { sessionOptions: TEST_SESSION_OPTIONS });
    expect(model.gradientError).toBeInstanceOf(GradientsUnavailableError);
    expect(model.gradientError).toMatchObject({ code: 'UNSUPPORTED_OP', op: 'Softsign', node: 'squash' });
    expect(model.gradientError?.message).toMatch(/customGradients/);
    expect(model.capabilities.has('inputGradients')).toBe(false);

    // Forward-only requests work, and so do gradients of layers after the unsupported node.
    const { logits } = await model.run({ input, outputs: ['logits'] });
    expect(logits.shape).toEqual([2, 3]);
    const after = await model.run({ input, outputs: ['layerActivations', 'layerGradients'], layer: 's', target: [0, 2] });
    expect(Array.from(after.layerGradients.data)).toEqual([1, 0.3, -1.3, 0.5, -0.7, 0.9].map(Math.fround));
    await expect(model.run({ input, outputs: ['inputGradients'], target: 0 })).rejects.toMatchObject({ code: 'UNSUPPORTED_OP', op: 'Softsign', node: 'squash' });
    // A layer before the unsupported node is refused when its graph is built, before anything runs.
    await expect(model.run({ input, outputs: ['layerGradients'], layer: 'h', target: 0 })).rejects.toThrow(GradientsUnavailableError);
    model.dispose();
  });

  it('gets its gradient from a graph the user supplies', async () => {
    const customGradients = [{ opType: 'Softsign', model: softsignGradient(), inputs: { x: { input: 0 }, dy: { outputGradient: 0 } }, outputs: { dx: 0 } }];
    const model = await fromOnnx(runtime, softsignModel(), { customGradients, sessionOptions: TEST_SESSION_OPTIONS });
    expect(model.gradientError).toBeUndefined();
    expect(model.capabilities.has('inputGradients')).toBe(true);
    const { inputGradients } = await model.run({ input, outputs: ['inputGradients'], target: [1, 2] });
    const expected = [...softsignInputGradient(input.data.subarray(0, 4), 1), ...softsignInputGradient(input.data.subarray(4), 2)];
    for (const [i, v] of expected.entries()) expect(inputGradients.data[i]).toBeCloseTo(v, 6);
    model.dispose();
  });

  it('a broken gradient graph is an OptionError listing its problems when the model is opened', async () => {
    const customGradients = [{ opType: 'Softsign', model: softsignGradient(), inputs: { x: { input: 0 } }, outputs: { nope: 0 } }];
    const opened = fromOnnx(runtime, softsignModel(), { customGradients, sessionOptions: TEST_SESSION_OPTIONS });
    await expect(opened).rejects.toThrow(OptionError);
    await expect(opened).rejects.toThrow(/customGradients.*dy/s);
  });
});
