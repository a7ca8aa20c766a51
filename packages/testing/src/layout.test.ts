import { ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { nchwToNhwc, nhwcToNchw } from './layout.js';

describe('layout helpers', () => {
  it('moves the channel axis last, value by value', () => {
    // [1, C=2, H=2, W=3]: channel 0 holds 0..5, channel 1 holds 10..15.
    const nchw = tensor([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15], [1, 2, 2, 3]);
    const nhwc = nchwToNhwc(nchw);
    expect(nhwc.shape).toEqual([1, 2, 3, 2]);
    expect(Array.from(nhwc.data)).toEqual([0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15]);
    expect(nhwcToNchw(nhwc)).toEqual(nchw);
  });

  it('round-trips batches of any spatial rank and keeps extra leading axes with batchDims', () => {
    const data = Float32Array.from({ length: 2 * 3 * 4 * 5 * 2 }, (_, i) => i);
    const t = tensor(data, [2, 3, 4, 5, 2]);
    expect(nhwcToNchw(nchwToNhwc(t))).toEqual(t);
    const noise = nchwToNhwc(t, 2);
    expect(noise.shape).toEqual([2, 3, 5, 2, 4]);
    // Element [n=1, b=2, c=3, h=4, w=1] lands at [1, 2, 4, 1, 3].
    const src = (((1 * 3 + 2) * 4 + 3) * 5 + 4) * 2 + 1;
    const dst = (((1 * 3 + 2) * 5 + 4) * 2 + 1) * 4 + 3;
    expect(noise.data[dst]).toBe(data[src]);
    expect(nhwcToNchw(noise, 2)).toEqual(t);
    const conv1d = nchwToNhwc(tensor([1, 2, 3, 4, 5, 6], [1, 2, 3]));
    expect(Array.from(conv1d.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('does not alias or change its input', () => {
    const t = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const out = nchwToNhwc(t);
    out.data[0] = 99;
    expect(t.data[0]).toBe(1);
  });

  it('refuses tensors without a channel and a spatial axis', () => {
    expect(() => nchwToNhwc(tensor([1, 2], [1, 2]))).toThrow(ShapeError);
    expect(() => nhwcToNchw(tensor([1, 2, 3, 4], [1, 2, 2]), 2)).toThrow(ShapeError);
  });
});
