import { tensor } from '@salience/core';
import { createImageModel, createTabularModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { randomMap, sobelEdges } from './controls.js';

/** A 6 x 5 image, two channels, whose channel mean steps from 0 to 1 between columns 1 and 2. */
function stepImage(layout: 'NHWC' | 'NCHW') {
  const values: number[] = [];
  const at = (x: number, c: number) => (x >= 2 ? 1 : 0) + (c === 0 ? 0.5 : -0.5);
  for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) values[layout === 'NHWC' ? (y * 5 + x) * 2 + c : c * 30 + y * 5 + x] = at(x, c);
  return tensor(values, layout === 'NHWC' ? [1, 6, 5, 2] : [1, 2, 6, 5]);
}

describe('the Sobel edge control', () => {
  it('gives the edge magnitude of the channel mean, whatever the model', async () => {
    for (const layout of ['NHWC', 'NCHW'] as const) {
      const model = createImageModel({ layout, channels: 2, height: 6, width: 5 });
      const other = createImageModel({ layout, channels: 2, height: 6, width: 5, seed: 9 });
      const a = await sobelEdges.attribute(model, stepImage(layout), { target: 1 });
      expect(a.layout).toBe('NHW');
      expect(a.values.shape).toEqual([1, 6, 5]);
      // Horizontal Sobel of a unit step: 1 + 2 + 1 = 4 on both columns next to the step, 0 elsewhere.
      const row = Array.from(a.values.data.subarray(0, 5));
      expect(row).toEqual([0, 4, 4, 0, 0]);
      const b = await sobelEdges.attribute(other, stepImage(layout), { target: 1 });
      expect(b.values.data).toEqual(a.values.data);
      expect(a.meta).toMatchObject({ control: 'input-only', modelCalls: 0 });
    }
  });

  it('gives one map per (example, target), resolving targets like any method', async () => {
    const model = createImageModel({ layout: 'NHWC', channels: 2, height: 6, width: 5 });
    const input = tensor([...stepImage('NHWC').data, ...new Float32Array(60)], [2, 6, 5, 2]);
    const a = await sobelEdges.attribute(model, input, { target: { classes: [0, 2] } });
    expect(Array.from(a.examples)).toEqual([0, 0, 1, 1]);
    expect(Array.from(a.targets)).toEqual([0, 2, 0, 2]);
    expect(a.values.data.subarray(0, 30)).toEqual(a.values.data.subarray(30, 60));
    expect(a.values.data.subarray(60).every((v) => v === 0)).toBe(true);
    const predicted = await sobelEdges.attribute(model, input);
    expect(predicted.meta.modelCalls).toBe(1);
    expect(sobelEdges.requires).toEqual([]);
    await expect(sobelEdges.attribute(createTabularModel({ features: 4 }), tensor([1, 2, 3, 4], [1, 4]))).rejects.toThrow(/needs an image model/);
  });
});

describe('the random map control', () => {
  it('draws seeded uniform noise, one map per (example, target)', async () => {
    const model = createImageModel({ layout: 'NCHW', channels: 2, height: 6, width: 5 });
    const input = tensor(new Float32Array(2 * 60), [2, 2, 6, 5]);
    const a = await randomMap.attribute(model, input, { target: [0, 1], seed: 4 });
    expect(a.values.shape).toEqual([2, 6, 5]);
    expect(a.values.data.every((v) => v >= 0 && v < 1)).toBe(true);
    expect((await randomMap.attribute(model, input, { target: [0, 1], seed: 4 })).values.data).toEqual(a.values.data);
    expect((await randomMap.attribute(model, input, { target: [0, 1], seed: 5 })).values.data).not.toEqual(a.values.data);
    const tabular = await randomMap.attribute(createTabularModel({ features: 4 }), tensor([1, 2, 3, 4], [1, 4]), { target: 0 });
    expect(tabular.layout).toBe('NC');
    expect(tabular.values.shape).toEqual([1, 4]);
  });
});
