import { createImage } from '@salience/render';
import { describe, expect, it } from 'vitest';
import { imageToInput } from './image-input.js';

describe('imageToInput', () => {
  it('scales RGB bytes to [0, 1] in NHWC order', () => {
    const image = createImage(2, 1);
    image.data.set([255, 0, 51, 255, 0, 102, 255, 255]);
    const input = imageToInput(image, { height: 1, width: 2, channels: 3 });
    expect(input.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(input.data)).toEqual([1, 0, 0.2, 0, 0.4, 1].map((v) => Math.fround(v)));
  });

  it('lays the channels first for NCHW models', () => {
    const image = createImage(2, 1);
    image.data.set([255, 0, 51, 255, 0, 102, 255, 255]);
    const input = imageToInput(image, { height: 1, width: 2, channels: 3, layout: 'NCHW' });
    expect(input.shape).toEqual([1, 3, 1, 2]);
    expect(Array.from(input.data)).toEqual([1, 0, 0, 0.4, 0.2, 1].map((v) => Math.fround(v)));
  });

  it('mixes gray with the ITU-R 601 weights, as the CLI does', () => {
    const image = createImage(1, 1);
    image.data.set([100, 150, 200, 255]);
    const input = imageToInput(image, { height: 1, width: 1, channels: 1 });
    expect(input.data[0]).toBeCloseTo((0.299 * 100 + 0.587 * 150 + 0.114 * 200) / 255, 6);
  });

  it('resizes to the size the model takes', () => {
    const image = createImage(8, 6, [255, 255, 255, 255]);
    const input = imageToInput(image, { height: 3, width: 4, channels: 1 });
    expect(input.shape).toEqual([1, 3, 4, 1]);
    expect(Array.from(input.data).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });

  it('refuses models that do not take 1 or 3 channels', () => {
    expect(() => imageToInput(createImage(2, 2), { height: 2, width: 2, channels: 4 as 3 })).toThrow(/1 or 3 channels/);
  });
});
