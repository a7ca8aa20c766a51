import { OptionError } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { checkQuadrature, firstRound, QUADRATURES, type Quadrature, quadratureRule, refinedSteps, refineRound, reusesPoints } from './quadrature.js';

const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

function expectAll(actual: Float64Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    expect(actual[i]).toBeCloseTo(e, 14);
  });
}

describe('quadratureRule', () => {
  it('places the Riemann nodes as Captum does', () => {
    expectAll(quadratureRule('riemann-left', 4).alphas, [0, 0.25, 0.5, 0.75]);
    expectAll(quadratureRule('riemann-right', 4).alphas, [0.25, 0.5, 0.75, 1]);
    expectAll(quadratureRule('riemann-middle', 4).alphas, [0.125, 0.375, 0.625, 0.875]);
    expectAll(quadratureRule('riemann-trapezoid', 5).alphas, [0, 0.25, 0.5, 0.75, 1]);
    for (const q of ['riemann-left', 'riemann-right', 'riemann-middle'] as const) expectAll(quadratureRule(q, 4).weights, [0.25, 0.25, 0.25, 0.25]);
  });

  it('gives a correct trapezoid rule, and Captum weights that sum to (n - 1)/n on request', () => {
    expectAll(quadratureRule('riemann-trapezoid', 5).weights, [0.125, 0.25, 0.25, 0.25, 0.125]);
    expectAll(quadratureRule('riemann-trapezoid', 5, true).weights, [0.1, 0.2, 0.2, 0.2, 0.1]);
    expect(sum(quadratureRule('riemann-trapezoid', 50, true).weights)).toBeCloseTo(49 / 50, 14);
  });

  it('maps Gauss-Legendre to [0, 1] with weights summing to 1', () => {
    const { alphas, weights } = quadratureRule('gauss-legendre', 2);
    expectAll(alphas, [0.5 - 0.5 / Math.sqrt(3), 0.5 + 0.5 / Math.sqrt(3)]);
    expectAll(weights, [0.5, 0.5]);
    expect(sum(quadratureRule('gauss-legendre', 50).weights)).toBeCloseTo(1, 14);
  });

  it('integrates x^2 on [0, 1] with the expected accuracy', () => {
    const integral = (q: Quadrature, n: number) => {
      const { alphas, weights } = quadratureRule(q, n);
      return alphas.reduce((s, a, i) => s + weights[i]! * a * a, 0);
    };
    expect(integral('gauss-legendre', 2)).toBeCloseTo(1 / 3, 15);
    expect(integral('riemann-trapezoid', 11)).toBeCloseTo(1 / 3 + 1 / 600, 14);
    expect(integral('riemann-middle', 10)).toBeCloseTo(1 / 3 - 1 / 1200, 14);
    expect(integral('riemann-left', 10)).toBeCloseTo(0.285, 14);
    expect(integral('riemann-right', 10)).toBeCloseTo(0.385, 14);
  });

  it('rejects unknown quadratures with the list of known ones', () => {
    expect(() => checkQuadrature('simpson')).toThrow(OptionError);
    expect(() => checkQuadrature('simpson')).toThrow(/gauss-legendre/);
    for (const q of QUADRATURES) expect(checkQuadrature(q)).toBe(q);
  });
});

describe('refineRound', () => {
  /** The nodes and weights of a rule built from a first round and one refinement. */
  function combined(q: Quadrature, n: number, captum = false) {
    const first = firstRound(q, n, captum);
    const next = refineRound(q, n, captum);
    const pairs: Array<[number, number]> = [];
    const kept = next.reused > 0 ? [first] : [];
    for (const round of [...kept, next]) {
      for (let i = 0; i < round.alphas.length; i++) pairs.push([round.alphas[i]!, round.coefficients[i]! * next.scale]);
    }
    pairs.sort((x, y) => x[0] - y[0]);
    return { steps: next.steps, reused: next.reused, alphas: pairs.map((p) => p[0]), weights: pairs.map((p) => p[1]) };
  }

  it('keeps the old nodes of nested rules and adds only the new ones', () => {
    for (const [q, n, captum] of [
      ['riemann-left', 6, false],
      ['riemann-right', 5, false],
      ['riemann-trapezoid', 7, false],
      ['riemann-trapezoid', 50, true],
    ] as const) {
      const c = combined(q, n, captum);
      const direct = quadratureRule(q, refinedSteps(q, n), captum);
      expect(c.reused).toBe(n);
      expect(c.steps).toBe(direct.alphas.length);
      expectAll(Float64Array.from(c.alphas), [...direct.alphas]);
      expectAll(Float64Array.from(c.weights), [...direct.weights]);
      // Only the new nodes are evaluated: the refinement costs the difference in points.
      expect(refineRound(q, n, captum).alphas.length).toBe(c.steps - n);
    }
  });

  it('starts afresh where the rules do not nest', () => {
    for (const q of ['riemann-middle', 'gauss-legendre'] as const) {
      expect(reusesPoints(q)).toBe(false);
      const next = refineRound(q, 8);
      expect(next.reused).toBe(0);
      expect(next.steps).toBe(16);
      expectAll(next.alphas, [...quadratureRule(q, 16).alphas]);
    }
    expect(refinedSteps('riemann-trapezoid', 5)).toBe(9);
  });
});
