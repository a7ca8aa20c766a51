import { type Attribution, OptionError, ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { displayScales, toDisplayMap } from './display-map.js';

// Two examples, 2 channels, 1 x 3 pixels (NCHW).
const nchw = tensor([1, -2, 3, 2, -1, -5, /* example 2 */ 0, 4, -4, 0, 1, 1], [2, 2, 1, 3]);

function toNhwc(t: typeof nchw) {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[b * h * w * c + i * c + ch] = t.data[b * c * h * w + ch * h * w + i]!;
  return tensor(out, [n, h, w, c]);
}

describe('toDisplayMap', () => {
  it('sums channels (Captum default), then applies the sign, one [H, W] map per example', () => {
    const maps = toDisplayMap(nchw, { layout: 'NCHW', sign: 'all', normalization: 'none' });
    expect(maps).toHaveLength(2);
    expect(maps[0]!.shape).toEqual([1, 3]);
    expect(Array.from(maps[0]!.data)).toEqual([3, -3, -2]);
    expect(Array.from(maps[1]!.data)).toEqual([0, 5, -3]);
    expect(Array.from(toDisplayMap(nchw, { layout: 'NCHW', sign: 'absolute', normalization: 'none' })[0]!.data)).toEqual([3, 3, 2]);
    expect(Array.from(toDisplayMap(nchw, { layout: 'NCHW', sign: 'positive', normalization: 'none' })[0]!.data)).toEqual([3, 0, 0]);
    // Captum's 'negative' shows the size of the negative part.
    expect(Array.from(toDisplayMap(nchw, { layout: 'NCHW', sign: 'negative', normalization: 'none' })[0]!.data)).toEqual([0, 3, 2]);
  });

  it('reads NHWC the same as NCHW and uses core channel reductions', () => {
    const a = toDisplayMap(nchw, { layout: 'NCHW', channelReduction: 'max', normalization: 'none', sign: 'all' });
    const b = toDisplayMap(toNhwc(nchw), { layout: 'NHWC', channelReduction: 'max', normalization: 'none', sign: 'all' });
    expect(a.map((m) => Array.from(m.data))).toEqual(b.map((m) => Array.from(m.data)));
    expect(Array.from(a[0]!.data)).toEqual([2, -1, 3]);
  });

  it("normalises with Captum's percentile rule by default (2% outliers)", () => {
    const values = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    // Sorted |v| = 1, 2, 3, 4 (total 10): the cumulative sum reaches 9.8 at 4.
    expect(Array.from(toDisplayMap(values, { layout: 'NCHW' })[0]!.data)).toEqual([0.25, 0.5, 0.75, 1]);
    // At 50% outliers it reaches 5 at 3; larger values clip to 1.
    const clipped = toDisplayMap(values, { layout: 'NCHW', outlierPercent: 50 })[0]!.data;
    expect(Array.from(clipped)).toEqual([Math.fround(1 / 3), Math.fround(2 / 3), 1, 1]);
  });

  it('keeps signs in [-1, 1] for "all" and maps min-max into [0, 1]', () => {
    const signed = toDisplayMap(nchw, { layout: 'NCHW', sign: 'all', normalization: 'abs-max' });
    expect(Array.from(signed[0]!.data)).toEqual([1, -1, Math.fround(-2 / 3)]);
    const minMax = toDisplayMap(nchw, { layout: 'NCHW', sign: 'all', normalization: 'min-max' });
    expect(Array.from(minMax[0]!.data)).toEqual([1, 0, Math.fround(1 / 6)]);
  });

  it('can scale all examples together', () => {
    const maps = toDisplayMap(nchw, { layout: 'NCHW', normalization: 'abs-max', perExample: false });
    expect(Array.from(maps[0]!.data)).toEqual([0.6, 0.6, 0.4].map(Math.fround));
    expect(Array.from(maps[1]!.data)).toEqual([0, 1, 0.6].map(Math.fround));
  });

  it('takes the layout from an Attribution and accepts NHW maps as they are', () => {
    const attribution: Attribution = {
      method: 'grad-cam',
      values: tensor([0, 2, 4, 8], [1, 2, 2]),
      layout: 'NHW',
      examples: Int32Array.of(0),
      targets: Int32Array.of(1),
      meta: {},
    };
    const [map] = toDisplayMap(attribution, { normalization: 'abs-max' });
    expect(map!.shape).toEqual([2, 2]);
    expect(Array.from(map!.data)).toEqual([0, 0.25, 0.5, 1]);
  });

  it('does not change its input', () => {
    const before = Array.from(nchw.data);
    toDisplayMap(nchw, { layout: 'NCHW', sign: 'negative' });
    expect(Array.from(nchw.data)).toEqual(before);
  });

  it('explains bad layouts, shapes and options', () => {
    expect(() => toDisplayMap(nchw)).toThrow(OptionError);
    expect(() => toDisplayMap(tensor([1, 2], [1, 2]), { layout: 'NT' as never })).toThrow(/tokensToHtml/);
    expect(() => toDisplayMap(tensor([1, 2], [1, 2]), { layout: 'NCHW' })).toThrow(ShapeError);
    expect(() => toDisplayMap(tensor([1, 2], [1, 1, 2]), { layout: 'NHWC' })).toThrow(ShapeError);
    expect(() => toDisplayMap(nchw, { layout: 'NHW' })).toThrow(ShapeError);
    expect(() => toDisplayMap(nchw, { layout: 'NCHW', sign: 'both' as never })).toThrow(OptionError);
    expect(() => toDisplayMap(nchw, { layout: 'NCHW', outlierPercent: 100 })).toThrow(OptionError);
    expect(() => toDisplayMap(nchw, { layout: 'NCHW', normalization: 'z-score' as never })).toThrow(OptionError);
    expect(() => toDisplayMap(nchw, { layout: 'NCHW', channelReduction: 'median' as never })).toThrow(OptionError);
  });
});

describe('displayScales', () => {
  // Summed over channels: example 1 is [3, -3, -2], example 2 is [0, 5, -3].
  it('gives the raw value behind full colour, so that display x raw-high = raw value', () => {
    for (const normalization of ['percentile', 'abs-max'] as const) {
      const options = { layout: 'NCHW' as const, sign: 'all' as const, normalization, outlierPercent: 0 };
      const maps = toDisplayMap(nchw, options);
      const scales = displayScales(nchw, options);
      expect(scales.map((s) => s.high)).toEqual([3, 5]);
      expect(scales[0]).toMatchObject({ low: -3, signed: true, sign: 'all', clippedShare: 0 });
      const raw = [3, -3, -2, 0, 5, -3];
      maps.forEach((m, r) => {
        m.data.forEach((v, i) => {
          expect(v * scales[r]!.high).toBeCloseTo(raw[r * 3 + i]!, 5);
        });
      });
    }
  });

  it("reports the share of pixels capped by Captum's outlier clipping", () => {
    // |v| of example 1: [3, 3, 2]; the 60% cumulative mass is reached at 3 only after 2, so 2 caps 2 of 3 pixels.
    const [scale] = displayScales(nchw, { layout: 'NCHW', outlierPercent: 60 });
    expect(scale!.high).toBe(3);
    const strict = displayScales(nchw, { layout: 'NCHW', outlierPercent: 90 })[0]!;
    expect(strict.high).toBe(2);
    expect(strict.clippedShare).toBeCloseTo(2 / 3, 6);
  });

  it('uses one scale for the batch with perExample false, and min-max ends as they are', () => {
    const batch = displayScales(nchw, { layout: 'NCHW', sign: 'all', normalization: 'abs-max', perExample: false });
    expect(batch.map((s) => s.high)).toEqual([5, 5]);
    const minMax = displayScales(nchw, { layout: 'NCHW', sign: 'all', normalization: 'min-max' });
    expect(minMax[1]).toMatchObject({ low: -3, high: 5, signed: false });
    expect(displayScales(nchw, { layout: 'NCHW', normalization: 'none' })[0]).toMatchObject({ low: 0, high: 1 });
  });
});
