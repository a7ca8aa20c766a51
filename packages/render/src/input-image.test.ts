import { OptionError, ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { inputToImage } from './input-image.js';

describe('inputToImage', () => {
  it('draws an RGB NCHW input in [0, 1] as opaque RGBA', () => {
    // One example, 3 channels, 1 x 2 pixels: red = [1, 0], green = [0.5, 0], blue = [0, 1].
    const input = tensor([1, 0, 0.5, 0, 0, 1], [1, 3, 1, 2]);
    const image = inputToImage(input, 'NCHW');
    expect(image.width).toBe(2);
    expect(image.height).toBe(1);
    expect(Array.from(image.data)).toEqual([255, 128, 0, 255, 0, 0, 255, 255]);
  });

  it('reads NHWC the same way and picks the example', () => {
    const input = tensor([0, 0, 0, 0, 0, 0, /* example 1 */ 1, 0.5, 0, 0, 0, 1], [2, 1, 2, 3]);
    expect(Array.from(inputToImage(input, 'NHWC', { example: 1 }).data)).toEqual([255, 128, 0, 255, 0, 0, 255, 255]);
  });

  it('draws one channel as gray, from NCHW or NHW', () => {
    const expected = [0, 0, 0, 255, 64, 64, 64, 255];
    expect(Array.from(inputToImage(tensor([0, 0.25], [1, 1, 1, 2]), 'NCHW').data)).toEqual(expected);
    expect(Array.from(inputToImage(tensor([0, 0.25], [1, 1, 2]), 'NHW').data)).toEqual(expected);
  });

  it('undoes mean/std normalisation per channel and clips', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const pixel = [0.2, 0.6, 1.0];
    const normalised = pixel.map((v, c) => (v - mean[c]!) / std[c]!);
    const image = inputToImage(tensor(normalised, [1, 1, 1, 3]), 'NHWC', { mean, std });
    expect(Array.from(image.data)).toEqual([51, 153, 255, 255]);
    const clipped = inputToImage(tensor([-0.5, 2], [1, 1, 2]), 'NHW');
    expect(Array.from(clipped.data)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });

  it('accepts raw bytes with range [0, 255] and an alpha channel', () => {
    const image = inputToImage(tensor([10, 20, 30, 40], [1, 1, 1, 4]), 'NHWC', { range: [0, 255] });
    expect(Array.from(image.data)).toEqual([10, 20, 30, 40]);
  });

  it('explains what is wrong', () => {
    expect(() => inputToImage(tensor([0, 0], [1, 2, 1, 1]), 'NCHW')).toThrow(ShapeError);
    expect(() => inputToImage(tensor([0, 0], [1, 2, 1, 1]), 'NCHW')).toThrow(/1, 3 or 4 channels/);
    expect(() => inputToImage(tensor([0, 0], [1, 1, 2]), 'NCHW')).toThrow(ShapeError);
    expect(() => inputToImage(tensor([0, 0], [1, 1, 2]), 'NHW', { example: 1 })).toThrow(OptionError);
    expect(() => inputToImage(tensor([0, 0, 0], [1, 3, 1, 1]), 'NCHW', { mean: [0, 0] })).toThrow(OptionError);
    expect(() => inputToImage(tensor([0], [1, 1, 1]), 'NHW', { std: Number.NaN })).toThrow(OptionError);
    expect(() => inputToImage(tensor([0], [1, 1, 1]), 'NHW', { range: [1, 1] })).toThrow(OptionError);
    expect(() => inputToImage(tensor([0], [1, 1, 1]), 'NT' as never)).toThrow(OptionError);
  });
});
