import { describe, expect, it } from 'vitest';
import type { DisplayScale } from './display-map.js';
import { formatTick, scaleLabel, unitsLabel } from './scale-label.js';

const base: DisplayScale = { low: 0, high: 0.0123, signed: false, sign: 'absolute', normalization: 'percentile', outlierPercent: 2, clippedShare: 0.004 };

describe('scale labels', () => {
  it('formats ticks short, with a real minus sign', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.012345)).toBe('0.0123');
    expect(formatTick(-0.5)).toBe('−0.5');
    expect(formatTick(-0.00001234)).toBe('−1.23e−5');
    expect(formatTick(123456)).toBe('1.23e5');
  });

  it('says in plain words what full colour stands for', () => {
    expect(scaleLabel(base)).toBe('full colour at 0.0123; the strongest 2% of the total (0.4% of pixels) is capped there');
    expect(scaleLabel({ ...base, clippedShare: 0 })).toBe('full colour at 0.0123');
    expect(scaleLabel({ ...base, signed: true, low: -0.0123, clippedShare: 0 })).toBe('full colour at ±0.0123, white at 0');
    expect(scaleLabel({ ...base, normalization: 'abs-max' })).toBe('full colour at 0.0123, the largest value');
    expect(scaleLabel({ ...base, normalization: 'min-max', low: -2 })).toBe('from −2 (lowest) to 0.0123 (highest)');
    expect(scaleLabel(base)).not.toMatch(/cumulative mass/);
  });

  it('names the units of the map', () => {
    expect(unitsLabel('all', 'sum')).toBe('attribution per pixel, summed over channels');
    expect(unitsLabel('absolute')).toBe('|attribution| per pixel');
    expect(unitsLabel('negative', 'l2')).toBe('size of negative attribution per pixel, L2 norm over channels');
  });
});
