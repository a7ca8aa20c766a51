import { tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { checkMapsFit, inputGrid, toMaps2d } from './maps.js';

describe('maps reduced to one value per position', () => {
  it('sums channels of NHWC and NCHW maps, signed and absolute', () => {
    // Two pixels (1 x 2), two channels.
    const nhwc = toMaps2d({ values: tensor([1, -3, 2, 5], [1, 1, 2, 2]), layout: 'NHWC' });
    expect([nhwc.count, nhwc.height, nhwc.width]).toEqual([1, 1, 2]);
    expect(Array.from(nhwc.signed)).toEqual([-2, 7]);
    expect(Array.from(nhwc.absolute)).toEqual([4, 7]);
    const nchw = toMaps2d({ values: tensor([1, 2, -3, 5], [1, 2, 1, 2]), layout: 'NCHW' });
    expect(Array.from(nchw.signed)).toEqual([-2, 7]);
    expect(Array.from(nchw.absolute)).toEqual([4, 7]);
  });

  it('keeps NHW maps, and makes one-row maps of vectors and tokens', () => {
    const nhw = toMaps2d({ values: tensor([1, -2, 3, 4, 5, 6], [1, 2, 3]), layout: 'NHW' });
    expect([nhw.height, nhw.width]).toEqual([2, 3]);
    expect(Array.from(nhw.absolute)).toEqual([1, 2, 3, 4, 5, 6]);
    const nc = toMaps2d({ values: tensor([1, -2, 3, 4], [2, 2]), layout: 'NC' });
    expect([nc.count, nc.height, nc.width]).toEqual([2, 1, 2]);
    const ntd = toMaps2d({ values: tensor([1, -2, 3, 4], [1, 2, 2]), layout: 'NTD' });
    expect(Array.from(ntd.signed)).toEqual([-1, 7]);
  });

  it('finds pixels and channels of inputs, and refuses token ids', () => {
    const grid = inputGrid(tensor(new Float32Array(2 * 3 * 4 * 2), [2, 3, 4, 2]), 'NHWC', 'x');
    expect([grid.height, grid.width, grid.channels, grid.offset(5, 1)]).toEqual([3, 4, 2, 11]);
    const chw = inputGrid(tensor(new Float32Array(2 * 2 * 3 * 4), [2, 2, 3, 4]), 'NCHW', 'x');
    expect([chw.height, chw.width, chw.channels, chw.offset(5, 1)]).toEqual([3, 4, 2, 17]);
    expect(inputGrid(tensor([1, 2, 3], [1, 3]), 'NC', 'x').width).toBe(3);
    expect(() => inputGrid(tensor([1, 2], [1, 2]), 'tokens', 'The check')).toThrow(/The check replaces input values, which token ids cannot be/);
  });

  it('says when maps do not cover the input', () => {
    const grid = inputGrid(tensor(new Float32Array(4 * 4), [1, 4, 4, 1]), 'NHWC', 'x');
    const small = toMaps2d({ values: tensor(new Float32Array(4), [1, 2, 2]), layout: 'NHW' });
    expect(() => checkMapsFit(small, grid, 1, 'grad-cam')).toThrow(/maps of 2 x 2 for inputs of 4 x 4.*resolution 'input'/);
    expect(() => checkMapsFit(small, grid, 2, 'grad-cam')).toThrow(/1 maps for 2 examples/);
  });
});
