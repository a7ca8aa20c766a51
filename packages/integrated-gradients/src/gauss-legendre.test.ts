import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { gaussLegendre } from './gauss-legendre.js';

function expectClose(actual: Float64Array, expected: number[], tol = 1e-14): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(Math.abs(actual[i]! - e)).toBeLessThan(tol);
  });
}

describe('gaussLegendre', () => {
  it('gives the known 2-point rule', () => {
    const { nodes, weights } = gaussLegendre(2);
    expectClose(nodes, [-1 / Math.sqrt(3), 1 / Math.sqrt(3)]);
    expectClose(weights, [1, 1]);
  });

  it('gives the known 3-point rule', () => {
    const { nodes, weights } = gaussLegendre(3);
    expectClose(nodes, [-Math.sqrt(3 / 5), 0, Math.sqrt(3 / 5)]);
    expectClose(weights, [5 / 9, 8 / 9, 5 / 9]);
  });

  it('gives the known 5-point rule', () => {
    const inner = Math.sqrt(5 - 2 * Math.sqrt(10 / 7)) / 3;
    const outer = Math.sqrt(5 + 2 * Math.sqrt(10 / 7)) / 3;
    const wInner = (322 + 13 * Math.sqrt(70)) / 900;
    const wOuter = (322 - 13 * Math.sqrt(70)) / 900;
    const { nodes, weights } = gaussLegendre(5);
    expectClose(nodes, [-outer, -inner, 0, inner, outer]);
    expectClose(weights, [wOuter, wInner, 128 / 225, wInner, wOuter]);
  });

  it('matches 40-digit values for n = 50 (numpy.leggauss is within 3e-15 of them)', () => {
    // Roots of P_50 and their weights found with mpmath at 40 digits, rounded to doubles.
    const { nodes, weights } = gaussLegendre(50);
    expect(Math.abs(nodes[49]! - 0.998866404420071)).toBeLessThan(2e-15);
    expect(Math.abs(weights[49]! - 0.002908622553155141)).toBeLessThan(2e-15);
    expect(Math.abs(nodes[25]! - 0.031098338327188876)).toBeLessThan(2e-15);
    expect(Math.abs(weights[25]! - 0.06217661665534726)).toBeLessThan(2e-15);
  });

  it('integrates polynomials up to degree 2n - 1 exactly, for many n', () => {
    for (const n of [1, 4, 7, 16, 50, 64, 101]) {
      const { nodes, weights } = gaussLegendre(n);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 13);
      for (let i = 1; i < n; i++) expect(nodes[i]).toBeGreaterThan(nodes[i - 1]!);
      // The integral of x^k over [-1, 1] is 2/(k+1) for even k, 0 for odd k.
      for (const k of [2 * n - 2, 2 * n - 1]) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += weights[i]! * nodes[i]! ** k;
        expect(Math.abs(sum - (k % 2 === 0 ? 2 / (k + 1) : 0))).toBeLessThan(1e-13);
      }
    }
  });

  it('rejects a count that is not a positive integer', () => {
    for (const n of [0, -1, 2.5, Number.NaN]) expect(() => gaussLegendre(n)).toThrow(OptionError);
  });

  it('gives the largest rule the steps limit allows, and caches copies', () => {
    const { nodes, weights } = gaussLegendre(10_000);
    let sum = 0;
    for (const w of weights) sum += w;
    expect(Math.abs(sum - 2)).toBeLessThan(1e-10);
    let ascending = true;
    for (let i = 1; i < nodes.length; i++) ascending &&= nodes[i]! > nodes[i - 1]!;
    expect(ascending).toBe(true);
    nodes[0] = 42;
    const again = gaussLegendre(10_000);
    expect(again.nodes[0]).toBeCloseTo(-1, 6);
    expect(again.weights).toEqual(weights);
    // About 0.2 s on an idle core: 5,000 roots of an O(n) recurrence.
  }, 20_000);
});
