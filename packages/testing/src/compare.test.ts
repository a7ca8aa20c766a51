import { ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { compareMaps, expectMapsClose } from './compare.js';

describe('compareMaps', () => {
  it('measures each map against its own largest expected value', () => {
    const expected = tensor([1, -4, 2, 0.1, 0.2, -0.05], [2, 3]);
    const actual = tensor([1, -4.02, 2, 0.1, 0.21, -0.05], [2, 3]);
    const c = compareMaps(actual, expected);
    expect(c.maps[0]).toMatchObject({ map: 0, maxAbsExpected: 4, at: [1], expected: -4 });
    expect(c.maps[0]!.maxAbsError).toBeCloseTo(0.02, 6);
    expect(c.maps[0]!.relativeError).toBeCloseTo(0.005, 6);
    // The second map is small: the same absolute error is a larger share of it.
    expect(c.maps[1]!.relativeError).toBeCloseTo(0.05, 5);
    expect(c.worst.map).toBe(1);
    expect(c.relativeError).toBeCloseTo(0.05, 5);
    expect(c.maxAbsError).toBeCloseTo(0.02, 6);
  });

  it('reports positions in the map and treats NaN and zero maps strictly', () => {
    const c = compareMaps(tensor([0, 0, 0, 0, 1, 2, 3, Number.NaN], [2, 2, 2]), tensor([0, 0, 0, 0, 1, 2, 3, 4], [2, 2, 2]));
    expect(c.maps[0]!.relativeError).toBe(0);
    expect(c.maps[1]).toMatchObject({ maxAbsError: Infinity, relativeError: Infinity, at: [1, 1] });
    expect(compareMaps(tensor([0, 1e-9], [1, 2]), tensor([0, 0], [1, 2])).relativeError).toBe(Infinity);
  });

  it('refuses tensors of different shapes', () => {
    expect(() => compareMaps(tensor([1, 2], [2]), tensor([1, 2], [1, 2]))).toThrow(ShapeError);
  });
});

describe('expectMapsClose', () => {
  it('passes within the tolerance and returns the comparison', () => {
    const c = expectMapsClose(tensor([1, 2.001], [1, 2]), tensor([1, 2], [1, 2]), 1e-3);
    expect(c.relativeError).toBeCloseTo(5e-4, 6);
  });

  it('names every failing map, the position, both values and the tolerance', () => {
    const expected = tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    const actual = tensor([1, 2.5, 3, 4, 5, 7], [3, 2]);
    expect(() => expectMapsClose(actual, expected, 0.01, 'smallcnn gradient')).toThrow(
      /^smallcnn gradient differ beyond 0.01 x max\|expected\| in 2 of 3 maps \(shape \[3, 2\]\):\n {2}map 0 of 3: max \|actual - expected\| = 0.500 at \[1\] \(actual 2.5, expected 2\), 0.250 x max\|expected\| \(2.00\); allowed 0.01\n {2}map 2 of 3: .* at \[1\] \(actual 7, expected 6\)/,
    );
  });

  it('rejects a negative tolerance', () => {
    expect(() => expectMapsClose(tensor([1], [1]), tensor([1], [1]), -1)).toThrow(RangeError);
  });
});
