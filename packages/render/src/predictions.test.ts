import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { softmax, topK } from './predictions.js';

describe('predictions', () => {
  it('computes a stable softmax', () => {
    const p = softmax([1000, 1000, 999]);
    const e = Math.exp(-1);
    expect(p[0]).toBeCloseTo(1 / (2 + e), 12);
    expect(p[2]).toBeCloseTo(e / (2 + e), 12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('ranks the top k, keeping ties in index order', () => {
    expect(topK([0.1, 0.5, 0.2, 0.5], 3)).toEqual([
      { index: 1, score: 0.5 },
      { index: 3, score: 0.5 },
      { index: 2, score: 0.2 },
    ]);
    expect(topK([1], 5)).toHaveLength(1);
    expect(() => topK([1], 0)).toThrow(OptionError);
  });
});
