import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { concatRows, gatherRows, sliceRows, tensor } from './tensor.js';

describe('tensor helpers', () => {
  const t = tensor([1, 2, 3, 4, 5, 6], [3, 2]);

  it('checks data against shape', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => tensor([1, 2], [2, 2])).toThrow(/needs 4/);
    expect(() => tensor([], [-1])).toThrow(/non-negative integers/);
  });

  it('slices, gathers and concatenates rows', () => {
    expect(Array.from(sliceRows(t, 1, 3).data)).toEqual([3, 4, 5, 6]);
    expect(gatherRows(t, [2, 0, 2])).toEqual(tensor([5, 6, 1, 2, 5, 6], [3, 2]));
    expect(concatRows([sliceRows(t, 0, 1), sliceRows(t, 2, 3)])).toEqual(tensor([1, 2, 5, 6], [2, 2]));
    expect(() => concatRows([t, tensor([1], [1, 1])])).toThrow(/Cannot concatenate/);
  });
});
