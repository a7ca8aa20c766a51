import { tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { localization } from './localization.js';
import { toMaps2d } from './maps.js';

const maps = (values: number[], count: number, h: number, w: number) => toMaps2d({ values: tensor(values, [count, h, w]), layout: 'NHW' });

// A 3 x 4 mask with the box at rows 0-1, columns 0-1.
const BOX = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0];

describe('localisation', () => {
  it('hits when the maximum is in the mask, and measures the positive relevance inside', () => {
    const m = maps([0, 5, 1, 1, 2, 1, 0, -3, 0, 0, 0, 1, /* second: max outside */ 0, 1, 0, 9, 2, 0, 0, 0, 0, 0, 0, 0], 2, 3, 4);
    const result = localization(m, tensor([...BOX, ...BOX], [2, 3, 4]));
    expect(Array.from(result.hits)).toEqual([1, 0]);
    expect(result.hitRate).toBe(0.5);
    // First: positive total 11, inside 0 + 5 + 2 + 1 = 8. Second: 12 in total, 3 inside.
    expect(result.relevanceMassPerExample[0]).toBeCloseTo(8 / 11, 6);
    expect(result.relevanceMassPerExample[1]).toBeCloseTo(3 / 12, 6);
    expect(result.chance).toBeCloseTo(4 / 12, 6);
  });

  it('misses with a constant map or a tied maximum outside, and hits within the tolerance', () => {
    const constant = localization(maps(new Array(12).fill(1), 1, 3, 4), tensor(BOX, [1, 3, 4]));
    expect(constant.hitRate).toBe(0);
    const tied = localization(maps([3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0], 1, 3, 4), tensor(BOX, [1, 3, 4]));
    expect(tied.hitRate).toBe(0);
    const near = maps([0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1, 3, 4);
    expect(localization(near, tensor(BOX, [1, 3, 4])).hitRate).toBe(0);
    expect(localization(near, tensor(BOX, [1, 3, 4]), { tolerance: 1 }).hitRate).toBe(1);
    const diagonal = maps([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0], 1, 3, 4);
    expect(localization(diagonal, tensor(BOX, [1, 3, 4]), { tolerance: 1 }).hitRate).toBe(0);
    expect(localization(diagonal, tensor(BOX, [1, 3, 4]), { tolerance: 1.5 }).hitRate).toBe(1);
  });

  it('checks the masks and the tolerance', () => {
    const m = maps(new Array(12).fill(0), 1, 3, 4);
    expect(() => localization(m, tensor(BOX, [1, 4, 3]))).toThrow(/expected \[1, 3, 4\]/);
    expect(() => localization(m, tensor(BOX, [1, 3, 4]), { tolerance: -1 })).toThrow(expect.objectContaining({ name: 'OptionError' }));
  });
});
