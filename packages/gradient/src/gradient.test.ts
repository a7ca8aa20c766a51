import { AbortError, CapabilityError, OptionError, ShapeError, sliceRows, tensor } from '@salience/core';
import { createForwardOnlyModel, createImageModel, createTabularModel, createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { gradient, inputXGradient } from './gradient.js';

const tabular = () => createTabularModel({ features: 6, classes: 3, seed: 3 });
const input = tensor(
  Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i * 1.7)),
  [4, 6],
);

async function rawGradients(model: ReturnType<typeof tabular>, targets: number[]) {
  return (await model.run({ input, outputs: ['inputGradients'], target: targets })).inputGradients.data;
}

describe('gradient', () => {
  it('gives |gradient|, the signed gradient and gradient x input of the model', async () => {
    const model = tabular();
    const targets = [0, 2, 1, 2];
    const raw = await rawGradients(model, targets);
    const abs = await gradient.attribute(model, input, { target: targets });
    const signed = await gradient.attribute(model, input, { target: targets, variant: 'signed' });
    const ixg = await inputXGradient.attribute(model, input, { target: targets });
    expect(Array.from(signed.values.data)).toEqual(Array.from(raw));
    expect(Array.from(abs.values.data)).toEqual(Array.from(raw, Math.abs));
    expect(Array.from(ixg.values.data)).toEqual(Array.from(raw, (g, i) => Math.fround(g * input.data[i]!)));
    expect(abs.method).toBe('gradient');
    expect(ixg.method).toBe('input-x-gradient');
    expect(Array.from(abs.targets)).toEqual(targets);
    expect(abs.meta).toMatchObject({ variant: 'absolute', objective: 'logit', modelCalls: 1 });
  });

  it('defaults the target to the predicted class', async () => {
    const model = tabular();
    const { logits } = await model.run({ input, outputs: ['logits'] });
    const result = await gradient.attribute(model, input, { variant: 'signed' });
    const predicted = Array.from({ length: 4 }, (_, r) => {
      const row = Array.from(logits.data.subarray(r * 3, r * 3 + 3));
      return row.indexOf(Math.max(...row));
    });
    expect(Array.from(result.targets)).toEqual(predicted);
  });

  it('gives one map per (example, class) for several targets, equal to separate calls, batched', async () => {
    const model = tabular();
    const multi = await gradient.attribute(model, input, { target: { classes: [2, 0] }, variant: 'signed', batchSize: 8 });
    expect(multi.values.shape).toEqual([8, 6]);
    expect(Array.from(multi.examples)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(model.calls).toBe(1);
    for (const [k, cls] of [2, 0].entries()) {
      const single = await gradient.attribute(model, input, { target: cls, variant: 'signed' });
      for (let r = 0; r < 4; r++) {
        expect(Array.from(sliceRows(multi.values, r * 2 + k, r * 2 + k + 1).data)).toEqual(Array.from(sliceRows(single.values, r, r + 1).data));
      }
    }
  });

  it('gives the same values whatever the batch size, in ceil(rows / batchSize) calls', async () => {
    const model = tabular();
    const whole = await gradient.attribute(model, input, { target: 1, batchSize: 64 });
    const before = model.calls;
    const progress: number[] = [];
    const split = await gradient.attribute(model, input, { target: 1, batchSize: 3, onProgress: (done) => progress.push(done) });
    expect(model.calls - before).toBe(2);
    expect(progress).toEqual([3, 4]);
    expect(Array.from(split.values.data)).toEqual(Array.from(whole.values.data));
  });

  it('differentiates the requested objective', async () => {
    const model = tabular();
    const raw = (await model.run({ input, outputs: ['inputGradients'], target: 1, objective: 'log-probability' })).inputGradients;
    const result = await gradient.attribute(model, input, { target: 1, variant: 'signed', objective: 'log-probability' });
    expect(Array.from(result.values.data)).toEqual(Array.from(raw.data));
    expect(result.meta.objective).toBe('log-probability');
  });

  it('reduces channels on request, respecting the layout', async () => {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const model = createImageModel({ layout, channels: 3, height: 5, width: 4, seed: 2 });
      const shape = layout === 'NCHW' ? [2, 3, 5, 4] : [2, 5, 4, 3];
      const image = tensor(
        Array.from({ length: 120 }, (_, i) => Math.cos(i)),
        shape,
      );
      const full = await gradient.attribute(model, image, { target: 0 });
      const reduced = await gradient.attribute(model, image, { target: 0, channelReduction: 'max' });
      expect(reduced.values.shape).toEqual([2, 5, 4]);
      expect(reduced.layout).toBe('NHW');
      const at = (b: number, c: number, h: number, w: number) => full.values.data[layout === 'NCHW' ? ((b * 3 + c) * 5 + h) * 4 + w : ((b * 5 + h) * 4 + w) * 3 + c];
      expect(reduced.values.data[(1 * 5 + 2) * 4 + 3]).toBe(Math.max(at(1, 0, 2, 3)!, at(1, 1, 2, 3)!, at(1, 2, 2, 3)!));
    }
  });

  it('fails before any work, with typed errors that say what to do', async () => {
    const forwardOnly = createForwardOnlyModel();
    await expect(gradient.attribute(forwardOnly, input, { target: 0 })).rejects.toBeInstanceOf(CapabilityError);
    await expect(gradient.attribute(forwardOnly, input, { target: 0 })).rejects.toThrow(/occlusion/);
    expect(forwardOnly.calls).toBe(0);
    const model = tabular();
    await expect(gradient.attribute(model, tensor([1, 2, 3], [1, 3]), { target: 0 })).rejects.toBeInstanceOf(ShapeError);
    await expect(gradient.attribute(model, input, { target: 0, variant: 'squared' as never })).rejects.toBeInstanceOf(OptionError);
    await expect(gradient.attribute(model, input, { target: 0, batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(gradient.attribute(model, input, { target: 7 })).rejects.toThrow(/3 classes/);
    const tokens = createTokenModel();
    const ids = tensor(new Float32Array(5).fill(1), [1, 5]);
    await expect(gradient.attribute(tokens, ids, { target: 0 })).rejects.toThrow(/token-saliency/);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const model = tabular();
    const run = gradient.attribute(model, input, {
      target: 0,
      batchSize: 1,
      signal: controller.signal,
      onProgress: (done) => done === 2 && controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(model.calls).toBe(2);
  });
});
