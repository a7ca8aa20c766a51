import { ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { colormap } from './colormap.js';
import { heatmapImage } from './heatmap.js';
import { pixelAt } from './image.js';

describe('heatmapImage', () => {
  it('colours each value through the lookup table, opaque', () => {
    const image = heatmapImage(tensor([0, 0.5, 1, 2], [2, 2]), 'gray');
    expect(image.width).toBe(2);
    expect(image.height).toBe(2);
    expect(Array.from(image.data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
  });

  it('uses inferno by default and the diverging domain for diverging maps', () => {
    const image = heatmapImage(tensor([1], [1, 1]));
    expect(pixelAt(image, 0, 0)).toEqual([...colormap('inferno')(1), 255]);
    const signed = heatmapImage(tensor([-1, 0, 1], [1, 3]), 'blue-white-red');
    expect(pixelAt(signed, 0, 0)).toEqual([5, 48, 97, 255]);
    expect(pixelAt(signed, 2, 0)).toEqual([103, 0, 31, 255]);
  });

  it('resizes the map to the requested size', () => {
    const image = heatmapImage(tensor([0, 1], [1, 2]), 'gray', { width: 4, height: 2, resize: 'nearest' });
    expect(image.width).toBe(4);
    expect(image.height).toBe(2);
    expect(pixelAt(image, 1, 1)).toEqual([0, 0, 0, 255]);
    expect(pixelAt(image, 2, 0)).toEqual([255, 255, 255, 255]);
  });

  it('rejects batches of maps', () => {
    expect(() => heatmapImage(tensor([0, 1], [2, 1, 1]))).toThrow(ShapeError);
  });
});
