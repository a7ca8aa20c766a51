import { describe, expect, it } from 'vitest';
import { cumulativeThreshold, normalize } from './normalize.js';
import { tensor } from './tensor.js';

describe('normalize', () => {
  const maps = tensor([0, 2, 4, -1, 1, 3], [2, 3]);

  it('min-max scales each map into [0, 1]', () => {
    expect(Array.from(normalize(maps, { method: 'min-max' }).data)).toEqual([0, 0.5, 1, 0, 0.5, 1]);
  });

  it('min-max over the whole batch when perExample is false', () => {
    const out = normalize(maps, { method: 'min-max', perExample: false });
    expect(Array.from(out.data).map((v) => +v.toFixed(4))).toEqual([0.2, 0.6, 1, 0, 0.4, 0.8]);
  });

  it('abs-max keeps the sign', () => {
    expect(Array.from(normalize(maps, { method: 'abs-max' }).data)).toEqual([0, 0.5, 1, -1 / 3, 1 / 3, 1].map(Math.fround));
  });

  it('leaves a constant map at zero instead of dividing by zero', () => {
    expect(Array.from(normalize(tensor([5, 5, 5], [1, 3]), { method: 'min-max' }).data)).toEqual([0, 0, 0]);
  });

  it('percentile clipping follows Captum: threshold where the cumulative |v| reaches (100-p)%', () => {
    // |v| sorted = 1..10, total 55; 98% of 55 = 53.9 is first reached at 10 (cumsum 55); 80% = 44 at 9 (cumsum 45).
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(cumulativeThreshold(values, 98)).toBe(10);
    expect(cumulativeThreshold(values, 80)).toBe(9);
    const out = normalize(tensor(values, [1, 10]), { method: 'percentile', outlierPercent: 20 });
    expect(out.data[8]).toBe(1);
    expect(out.data[9]).toBe(1);
    expect(out.data[0]).toBeCloseTo(1 / 9, 6);
  });
});
