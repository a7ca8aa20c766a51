import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { checkUpsample, mapResizer, type Upsample } from './resize.js';

function resize(values: number[], h: number, w: number, outH: number, outW: number, mode: Upsample): number[] {
  const out = new Float32Array(outH * outW);
  mapResizer(h, w, outH, outW, mode)(Float32Array.from(values), out);
  return Array.from(out);
}

function expectClose(actual: number[], expected: number[], tolerance = 1e-6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]!), `value ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
  });
}

describe('bilinear (align_corners=False)', () => {
  it('2x2 -> 4x4: source = (dst + 0.5)/2 - 0.5 clamped at 0, weights (1,0) (.75,.25) (.25,.75) (1 at the edge)', () => {
    // [[0,1],[2,3]] is x + 2y, so each output is col + 2 row with col, row in [0, .25, .75, 1].
    expectClose(resize([0, 1, 2, 3], 2, 2, 4, 4, 'bilinear'), [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });

  it('3x3 -> 5x5: weights per axis {0:1} {0:.6,1:.4} {1:1} {1:.4,2:.6} {2:1}', () => {
    // Corners 1 and 2: the map is outer(r0, r0) + 2 outer(r2, r2) with r0 = [1,.6,0,0,0], r2 = [0,0,0,.6,1].
    expectClose(resize([1, 0, 0, 0, 0, 0, 0, 0, 2], 3, 3, 5, 5, 'bilinear'), [1, 0.6, 0, 0, 0, 0.6, 0.36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.72, 1.2, 0, 0, 0, 1.2, 2]);
  });

  it('matches PyTorch 2.13 F.interpolate on non-square and shrinking sizes', () => {
    const arange = (n: number) => Array.from({ length: n }, (_, i) => i);
    // Printed by torch: F.interpolate(arange(9).view(1,1,3,3), size=(5,7), mode='bilinear').
    expectClose(
      resize(arange(9), 3, 3, 5, 7, 'bilinear'),
      [
        0, 0.14285715, 0.5714286, 1, 1.4285715, 1.8571429, 2, 1.2, 1.3428572, 1.7714287, 2.2, 2.6285715, 3.057143, 3.2, 3, 3.142857, 3.5714285, 4, 4.4285717, 4.857143, 5, 4.8,
        4.942858, 5.371429, 5.8, 6.228572, 6.657143, 6.8, 6, 6.1428576, 6.571429, 7, 7.4285717, 7.857143, 8,
      ],
      1e-5,
    );
    // F.interpolate(arange(35).view(1,1,5,7), size=(3,4), mode='bilinear').
    expectClose(
      resize(arange(35), 5, 7, 3, 4, 'bilinear'),
      [2.7083333, 4.458333, 6.2083335, 7.958333, 14.375, 16.125, 17.875, 19.625, 26.041666, 27.791664, 29.541666, 31.291666],
      1e-5,
    );
  });

  it('copies a map of the same size', () => {
    expectClose(resize([3, -1, 2, 5, 7, 11], 2, 3, 2, 3, 'bilinear'), [3, -1, 2, 5, 7, 11], 0);
  });
});

describe('nearest (PyTorch legacy: floor(dst * in/out))', () => {
  it('2x2 -> 4x4 repeats each value in a 2x2 block', () => {
    expect(resize([0, 1, 2, 3], 2, 2, 4, 4, 'nearest')).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]);
  });

  it('3x3 -> 5x5 picks floor([0, .6, 1.2, 1.8, 2.4]) = [0, 0, 1, 1, 2] on each axis', () => {
    expect(resize([0, 1, 2, 3, 4, 5, 6, 7, 8], 3, 3, 5, 5, 'nearest')).toEqual([0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8]);
  });

  it('matches PyTorch when shrinking (5x7 -> 3x4) and on uneven factors (1x7 -> 1x24)', () => {
    const arange = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(resize(arange(35), 5, 7, 3, 4, 'nearest')).toEqual([0, 1, 3, 5, 7, 8, 10, 12, 21, 22, 24, 26]);
    expect(resize(arange(7), 1, 7, 1, 24, 'nearest')).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 6, 6]);
  });

  it('differs from bilinear on the same map', () => {
    expect(resize([0, 1, 2, 3], 2, 2, 4, 4, 'nearest')).not.toEqual(resize([0, 1, 2, 3], 2, 2, 4, 4, 'bilinear'));
  });
});

describe('checkUpsample', () => {
  it('accepts the two modes and rejects others with an OptionError', () => {
    expect(checkUpsample('nearest')).toBe('nearest');
    expect(checkUpsample('bilinear')).toBe('bilinear');
    expect(() => checkUpsample('bicubic')).toThrow(OptionError);
    expect(() => checkUpsample('bicubic')).toThrow(/bilinear, nearest/);
  });
});
