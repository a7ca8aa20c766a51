import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './symmetric-eigen.js';

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A v = lambda v for every pair', () => {
    const a = Float64Array.from([4, 1, 2, 1, 3, 0.5, 2, 0.5, 5]);
    const { values, vectors } = symmetricEigen(a, 3);
    for (let e = 0; e < 3; e++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + e]!;
        expect(av).toBeCloseTo(values[e]! * vectors[i * 3 + e]!, 12);
      }
    }
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(12, 12);
  });
});
