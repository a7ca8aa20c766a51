import { OptionError, UnknownLayerError } from '@salience/core';
import { expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { TEST_SESSION_OPTIONS } from '../test/runtimes.js';
import { fromOnnx } from './onnx-model.js';
import type { OrtModule } from './ort-types.js';

const runtime = ort as unknown as OrtModule;
const options = { sessionOptions: TEST_SESSION_OPTIONS };

describe('randomizedCopy', () => {
  it('draws fresh weights for the named layers, seeded, and keeps the others', async () => {
    const fixture = await loadCaptumFixture('smallcnn');
    const model = await fromOnnx(runtime, fixture.modelBytes, options);
    const input = fixture.input;
    const run = async (m: typeof model, layer: string) => (await m.run({ input, outputs: ['logits', 'layerActivations'], layer })).layerActivations.data;

    const copy = await model.randomizedCopy(['fc'], { seed: 7 });
    expect(copy.layers()).toEqual(model.layers());
    expect([...copy.capabilities]).toEqual([...model.capabilities]);
    expect(await run(copy, 'c3')).toEqual(await run(model, 'c3'));
    expect(await run(copy, 'fc')).not.toEqual(await run(model, 'fc'));
    // PyTorch's Linear init: every weight within 1/sqrt(fan_in) = 1/4; d logit_c / d pooled is row c of the weight.
    const { layerGradients } = await copy.run({ input, outputs: ['layerGradients'], layer: '/ReduceMean_output_0', target: 3 });
    expect(Math.max(...Array.from(layerGradients.data, Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...Array.from(layerGradients.data, Math.abs))).toBeGreaterThan(0.1);

    const again = await model.randomizedCopy(['fc'], { seed: 7 });
    const other = await model.randomizedCopy(['fc'], { seed: 8 });
    expect(await run(again, 'fc')).toEqual(await run(copy, 'fc'));
    expect(await run(other, 'fc')).not.toEqual(await run(copy, 'fc'));

    // A module takes every weight inside it; the layers before it keep theirs.
    const deep = await model.randomizedCopy(['c3', 'fc'], { seed: 7 });
    expect(await run(deep, 'c2')).toEqual(await run(model, 'c2'));
    expect(await run(deep, 'c3')).not.toEqual(await run(model, 'c3'));
    expect(await run(deep, 'fc')).not.toEqual(await run(copy, 'fc'));
    for (const m of [copy, again, other, deep]) m.dispose();

    await expect(model.randomizedCopy(['c9'])).rejects.toThrow(UnknownLayerError);
    await expect(model.randomizedCopy(['/Relu_output_0'])).rejects.toThrow(/'\/Relu_output_0' has no weights to randomise; layers with weights: c1, c2, c3, fc/);
    await expect(model.randomizedCopy(['fc'], { seed: 0.5 })).rejects.toThrow(OptionError);
    model.dispose();
    await expect(model.randomizedCopy(['fc'])).rejects.toThrow(/disposed/);
  });

  it('resets a BatchNormalization to the identity (scale 1, shift 0, mean 0, variance 1)', async () => {
    const fixture = await loadCaptumFixture('colorcnn');
    const model = await fromOnnx(runtime, fixture.modelBytes, options);
    const copy = await model.randomizedCopy(['bn1']);
    const input = fixture.input;
    const conv = (await copy.run({ input, outputs: ['layerActivations'], layer: 'b1' })).layerActivations;
    const normalized = (await copy.run({ input, outputs: ['layerActivations'], layer: 'bn1' })).layerActivations;
    expectMapsClose(normalized, { data: conv.data.map((v) => v / Math.sqrt(1 + 1e-5)), shape: conv.shape }, 1e-6);
    copy.dispose();
    model.dispose();
  });
});
