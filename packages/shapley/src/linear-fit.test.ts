import { createRng } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { choleskySolve, WeightedMoments, weightedLasso, weightedLeastSquares } from './linear-fit.js';

/** Random 0/1 samples, weights and a linear target y = b + z·beta (+ noise). */
function data(features: number, samples: number, beta: number[], intercept: number, noise = 0) {
  const rng = createRng(3);
  const rows: { z: Uint8Array; w: number; y: number }[] = [];
  for (let s = 0; s < samples; s++) {
    const z = Uint8Array.from({ length: features }, () => (rng.uniform() < 0.5 ? 1 : 0));
    const y = intercept + beta.reduce((sum, b, k) => sum + b * z[k]!, 0) + noise * rng.normal();
    rows.push({ z, w: 0.2 + rng.uniform(), y });
  }
  return rows;
}

describe('weightedLeastSquares', () => {
  it('recovers exact linear data whatever the weights', () => {
    const beta = [0.5, -1.25, 2, 0];
    const m = new WeightedMoments(4, 1);
    for (const { z, w, y } of data(4, 40, beta, 0.75)) m.add(z, w, [y]);
    const fit = weightedLeastSquares(m, 0);
    for (const [k, b] of beta.entries()) expect(fit[k]).toBeCloseTo(b, 10);
  });

  it('matches the normal equations of weighted, centred data on noisy samples', () => {
    const rows = data(3, 60, [1, -2, 0.5], -0.3, 0.4);
    const m = new WeightedMoments(3, 1);
    for (const { z, w, y } of rows) m.add(z, w, [y]);
    const fit = weightedLeastSquares(m, 0);
    // The residual r = y - b - z·beta is orthogonal (weighted) to 1 and to every feature.
    const W = rows.reduce((s, r) => s + r.w, 0);
    const zbar = [0, 1, 2].map((k) => rows.reduce((s, r) => s + r.w * r.z[k]!, 0) / W);
    const ybar = rows.reduce((s, r) => s + r.w * r.y, 0) / W;
    const b = ybar - zbar.reduce((s, v, k) => s + v * fit[k]!, 0);
    for (let k = 0; k < 3; k++) {
      const g = rows.reduce((s, r) => s + r.w * r.z[k]! * (r.y - b - [0, 1, 2].reduce((t, j) => t + r.z[j]! * fit[j]!, 0)), 0);
      expect(Math.abs(g)).toBeLessThan(1e-10);
    }
  });

  it('gives the minimum-norm answer when a feature never varies', () => {
    const m = new WeightedMoments(2, 1);
    for (const { z, w, y } of data(2, 30, [1.5, 0], 0.2)) m.add([z[0]!, 1], w, [y]);
    const fit = weightedLeastSquares(m, 0);
    expect(fit[0]).toBeCloseTo(1.5, 10);
    expect(fit[1]).toBe(0);
  });
});

describe('choleskySolve', () => {
  it('solves a positive definite system and refuses a singular one', () => {
    const g = Float64Array.from([4, 2, 0.5, 2, 3, 0.25, 0.5, 0.25, 2]);
    const x = choleskySolve(g, Float64Array.from([1, 2, 3]), 3)!;
    for (let i = 0; i < 3; i++) expect(g[i * 3]! * x[0]! + g[i * 3 + 1]! * x[1]! + g[i * 3 + 2]! * x[2]!).toBeCloseTo([1, 2, 3][i]!, 12);
    expect(choleskySolve(Float64Array.from([1, 1, 1, 1]), Float64Array.from([1, 1]), 2)).toBeNull();
  });
});

describe('weightedLasso', () => {
  it('is least squares at alpha 0 and shrinks to zero for a large alpha', () => {
    const rows = data(4, 50, [0.8, -0.6, 0.1, 0], 0.1, 0.05);
    const m = new WeightedMoments(4, 1);
    for (const { z, w, y } of rows) m.add(z, w, [y]);
    const ls = weightedLeastSquares(m, 0);
    const at0 = weightedLasso(m, 0, { alpha: 0 });
    for (let k = 0; k < 4; k++) expect(at0[k]).toBeCloseTo(ls[k]!, 9);
    expect(Array.from(weightedLasso(m, 0, { alpha: 10 }))).toEqual([0, 0, 0, 0]);
  });

  it('satisfies the Lasso optimality conditions', () => {
    const rows = data(5, 80, [0.8, -0.6, 0.05, 0, 0.3], 0.1, 0.1);
    const m = new WeightedMoments(5, 1);
    for (const { z, w, y } of rows) m.add(z, w, [y]);
    const alpha = 0.02;
    const beta = weightedLasso(m, 0, { alpha });
    const { gram, cross } = m.centred(0);
    expect(beta.some((b) => b === 0)).toBe(true);
    for (let j = 0; j < 5; j++) {
      // Gradient of the smooth part, per unit weight: (c_j - Σ G_jk β_k) / W.
      let g = cross[j]!;
      for (let k = 0; k < 5; k++) g -= gram[j * 5 + k]! * beta[k]!;
      g /= m.weight;
      if (beta[j] !== 0) expect(g).toBeCloseTo(alpha * Math.sign(beta[j]!), 9);
      else expect(Math.abs(g)).toBeLessThanOrEqual(alpha + 1e-12);
    }
  });
});
