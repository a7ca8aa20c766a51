import { describe, expect, it } from 'vitest';
import { pearson, ranks, spearman } from './spearman.js';
import { topKIndices, topKIntersection } from './top-k.js';

// Reference values from scipy.stats (rankdata, spearmanr), scipy 1.17.
const A = [0.3, 1.2, -0.5, 1.2, 2.0, 0.0, 0.7, -1.1];
const B = [1.0, 0.4, 0.4, 2.5, 3.0, -0.2, 0.4, -2.0];

describe('rank correlation', () => {
  it('ranks with ties sharing their mean rank, as scipy.stats.rankdata', () => {
    expect(Array.from(ranks(A))).toEqual([4, 6.5, 2, 6.5, 8, 3, 5, 1]);
    expect(Array.from(ranks(B))).toEqual([6, 4, 4, 7, 8, 2, 4, 1]);
  });

  it('matches scipy.stats.spearmanr, ties included', () => {
    expect(spearman(A, B)).toBeCloseTo(0.7976811272199509, 12);
    expect(spearman(A.map(Math.abs), B.map(Math.abs))).toBeCloseTo(0.7117770058270331, 12);
  });

  it('is 1 for any increasing transform, -1 for a decreasing one', () => {
    expect(
      spearman(
        A,
        A.map((v) => Math.exp(3 * v)),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      spearman(
        A,
        A.map((v) => -(v ** 3)),
      ),
    ).toBeCloseTo(-1, 12);
  });

  it('gives 0 against a constant series and 1 for two equal constants', () => {
    expect(spearman(A, new Array(8).fill(2))).toBe(0);
    expect(pearson([3, 3, 3], [3, 3, 3])).toBe(1);
    expect(pearson([3, 3, 3], [1, 1, 1])).toBe(0);
    expect(() => spearman([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});

describe('top-k intersection', () => {
  it('shares the positions of the k largest values, ties broken by position', () => {
    expect(Array.from(topKIndices([5, 1, 5, 9, 0], 3))).toEqual([3, 0, 2]);
    expect(topKIntersection([5, 1, 5, 9, 0], [9, 8, 0, 7, 0], 2)).toBe(0.5);
    expect(topKIntersection([1, 2, 3, 4], [4, 3, 2, 1], 2)).toBe(0);
    expect(topKIntersection([1, 2, 3, 4], [1, 2, 3, 4], 4)).toBe(1);
  });
});
