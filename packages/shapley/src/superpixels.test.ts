import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { slicMask } from './superpixels.js';

/** A 3-channel 24x24 image, left half dark red, right half bright blue, in either layout. */
function halves(layout: 'NCHW' | 'NHWC') {
  const h = 24;
  const w = 24;
  const data = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const rgb = x < 12 ? [0.6, 0.1, 0.1] : [0.1, 0.2, 0.9];
      for (let c = 0; c < 3; c++) data[layout === 'NCHW' ? c * h * w + y * w + x : (y * w + x) * 3 + c] = rgb[c]!;
    }
  }
  return { data, shape: layout === 'NCHW' ? [3, h, w] : [h, w, 3] };
}

describe('slicMask', () => {
  it('gives about the asked number of segments, none across a colour edge, the same in both layouts', () => {
    const nchw = slicMask(halves('NCHW'), 'NCHW', { segments: 9 });
    const nhwc = slicMask(halves('NHWC'), 'NHWC', { segments: 9 });
    expect(Array.from(nhwc.data)).toEqual(Array.from(nchw.data));
    expect(nchw.shape).toEqual([24, 24]);
    const ids = new Set(nchw.data);
    expect(ids.size).toBeGreaterThanOrEqual(6);
    expect(ids.size).toBeLessThanOrEqual(12);
    for (const id of ids) {
      const sides = new Set<boolean>();
      nchw.data.forEach((v, p) => {
        if (v === id) sides.add(p % 24 < 12);
      });
      expect(sides.size).toBe(1);
    }
    // Consecutive ids from 0.
    expect(Math.max(...ids)).toBe(ids.size - 1);
  });

  it('is a grid of square cells on a flat image, and rejects bad options', () => {
    const flat = { data: new Float32Array(16 * 16).fill(0.5), shape: [1, 16, 16] };
    const mask = slicMask(flat, 'NCHW', { segments: 4 });
    expect(new Set(mask.data).size).toBe(4);
    expect([mask.data[0], mask.data[15], mask.data[16 * 15], mask.data[255]].every((v, i, all) => all.indexOf(v) === i)).toBe(true);
    expect(() => slicMask(flat, 'NCHW', { segments: 0 })).toThrow(OptionError);
    expect(() => slicMask(flat, 'NC')).toThrow(OptionError);
  });
});
