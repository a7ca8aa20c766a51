import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { defaultWindow, windowGrid } from './window.js';

describe('windowGrid', () => {
  it('reads the Captum fixtures configurations in both image layouts', () => {
    const smallNchw = windowGrid([1, 28, 28], 'NCHW', [1, 4, 4], [1, 2, 2]);
    expect(smallNchw.positions).toEqual([1, 13, 13]);
    const smallNhwc = windowGrid([28, 28, 1], 'NHWC', 4, 2);
    expect(smallNhwc.window).toEqual([4, 4, 1]);
    expect(smallNhwc.stride).toEqual([2, 2, 1]);
    expect(smallNhwc.positions).toEqual([13, 13, 1]);
    // colorcnn: 26 / 3 is not whole, so a tenth window starts at 27 and is truncated to 5 pixels.
    const color = windowGrid([3, 32, 32], 'NCHW', [3, 6, 6], 3);
    expect(color.stride).toEqual([3, 3, 3]);
    expect(color.positions).toEqual([1, 10, 10]);
  });

  it('expands a number or [h, w] over the spatial dimensions with the window spanning all channels', () => {
    expect(windowGrid([3, 8, 10], 'NCHW', [2, 5]).window).toEqual([3, 2, 5]);
    expect(windowGrid([8, 10, 3], 'NHWC', [2, 5], [1, 2]).stride).toEqual([1, 2, 3]);
    // A channel window smaller than the channels: a number stride steps the channels by their window.
    const perChannel = windowGrid([3, 8, 8], 'NCHW', [1, 4, 4], 2);
    expect(perChannel.stride).toEqual([1, 2, 2]);
    expect(perChannel.positions).toEqual([3, 3, 3]);
    expect(windowGrid([7], 'NC', 3, 2).positions).toEqual([3]);
  });

  it('defaults to tiles one eighth of the shorter image side, and single features elsewhere', () => {
    expect(defaultWindow([3, 224, 300], 'NCHW')).toBe(28);
    expect(defaultWindow([5, 5, 3], 'NHWC')).toBe(1);
    const grid = windowGrid([3, 32, 32], 'NCHW');
    expect(grid.window).toEqual([3, 4, 4]);
    expect(grid.stride).toEqual([3, 4, 4]);
    expect(grid.positions).toEqual([1, 8, 8]);
    expect(windowGrid([6], 'NC').positions).toEqual([6]);
    expect(windowGrid([9], 'tokens', 2).positions).toEqual([5]);
  });

  it('clamps windows larger than the input, where any stride gives one position', () => {
    const grid = windowGrid([3, 8, 8], 'NCHW', [5, 20, 4], [7, 9, 3]);
    expect(grid.window).toEqual([3, 8, 4]);
    expect(grid.positions).toEqual([1, 1, 3]);
  });

  it('counts positions as ceil((dim - window) / stride) + 1', () => {
    for (let dim = 1; dim <= 12; dim++) {
      for (let w = 1; w <= dim; w++) {
        for (let s = 1; s <= w; s++) {
          const { positions } = windowGrid([dim], 'NC', w, s);
          expect(positions[0]).toBe(Math.ceil((dim - w) / s) + 1);
        }
      }
    }
  });

  it('rejects strides larger than the window, sizes that are not positive integers and shapes that do not fit', () => {
    expect(() => windowGrid([1, 28, 28], 'NCHW', 4, 5)).toThrow(OptionError);
    expect(() => windowGrid([1, 28, 28], 'NCHW', 4, 5)).toThrow(/at most the window/);
    expect(() => windowGrid([3, 8, 8], 'NCHW', [1, 4, 4], [2, 2, 2])).toThrow(OptionError);
    expect(() => windowGrid([1, 28, 28], 'NCHW', 0)).toThrow(OptionError);
    expect(() => windowGrid([1, 28, 28], 'NCHW', 2.5)).toThrow(/positive integers/);
    expect(() => windowGrid([1, 28, 28], 'NCHW', 2, -1)).toThrow(OptionError);
    expect(() => windowGrid([1, 28, 28], 'NCHW', Number.NaN)).toThrow(OptionError);
    expect(() => windowGrid([1, 28, 28], 'NCHW', [1, 2, 3, 4])).toThrow(/\[height, width\]/);
    expect(() => windowGrid([6], 'NC', [2, 2])).toThrow(/a number or 1 sizes/);
  });
});
