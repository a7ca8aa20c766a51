import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { tokenGrid, tokensToFeatureMap } from './token-grid.js';

describe('tokenGrid', () => {
  it('finds the square grid after a class token (ViT), none (Swin), or two (DeiT)', () => {
    expect(tokenGrid(197)).toEqual({ height: 14, width: 14, prefixTokens: 1 });
    expect(tokenGrid(49)).toEqual({ height: 7, width: 7, prefixTokens: 0 });
    expect(tokenGrid(198)).toEqual({ height: 14, width: 14, prefixTokens: 2 });
  });

  it('asks for the grid where no square fits, and checks a given one', () => {
    expect(() => tokenGrid(13)).toThrow(/tokenGrid/);
    expect(tokenGrid(13, { height: 3, width: 4, prefixTokens: 1 })).toEqual({ height: 3, width: 4, prefixTokens: 1 });
    expect(() => tokenGrid(13, { height: 3, width: 4 })).toThrow(OptionError);
    expect(() => tokenGrid(13, { height: 0, width: 4, prefixTokens: 13 })).toThrow(OptionError);
  });

  it('drops the prefix tokens and lays the rest out row by row, channels last', () => {
    // 2 rows, 1 prefix token + a 1x2 grid, 2 channels.
    const t = { data: Float32Array.from([9, 9, 1, 2, 3, 4, 8, 8, 5, 6, 7, 0]), shape: [2, 3, 2] };
    const map = tokensToFeatureMap(t, { height: 1, width: 2, prefixTokens: 1 });
    expect(map.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(map.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
  });
});
