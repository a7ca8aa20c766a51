import { createRng } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { SSIM_K1, SSIM_K2, ssim } from './ssim.js';

const C1 = (SSIM_K1 * 1) ** 2;
const C2 = (SSIM_K2 * 1) ** 2;

function noise(n: number, seed: number): Float64Array {
  return Float64Array.from(createRng(seed).fillUniform(new Float32Array(n)));
}

describe('SSIM (Wang et al. 2004)', () => {
  it('is 1 for identical maps and symmetric', () => {
    const a = noise(24 * 24, 1);
    const b = noise(24 * 24, 2);
    expect(ssim(a, a, 24, 24)).toBeCloseTo(1, 12);
    expect(ssim(a, b, 24, 24)).toBeCloseTo(ssim(b, a, 24, 24), 12);
    expect(ssim(a, b, 24, 24)).toBeLessThan(0.2);
  });

  it('reduces to the luminance term for constant maps', () => {
    const a = new Float64Array(16 * 16).fill(0.2);
    const b = new Float64Array(16 * 16).fill(0.6);
    expect(ssim(a, b, 16, 16)).toBeCloseTo((2 * 0.2 * 0.6 + C1) / (0.2 ** 2 + 0.6 ** 2 + C1), 12);
  });

  it('computes one window of Gaussian-weighted statistics on an 11 x 11 map', () => {
    const a = noise(121, 3);
    const b = Float64Array.from(a, (v, i) => 0.5 * v + 0.3 * Math.sin(i));
    // The 11-tap Gaussian of sigma 1.5, as an outer product, normalised.
    const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
    const total = g.reduce((s, v) => s + v, 0) ** 2;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < 121; i++) {
      const w = (g[Math.floor(i / 11)]! * g[i % 11]!) / total;
      mx += w * a[i]!;
      my += w * b[i]!;
    }
    let vx = 0;
    let vy = 0;
    let cov = 0;
    for (let i = 0; i < 121; i++) {
      const w = (g[Math.floor(i / 11)]! * g[i % 11]!) / total;
      vx += w * (a[i]! - mx) ** 2;
      vy += w * (b[i]! - my) ** 2;
      cov += w * (a[i]! - mx) * (b[i]! - my);
    }
    const expected = ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    expect(ssim(a, b, 11, 11)).toBeCloseTo(expected, 10);
  });

  it('shrinks the window to fit small maps and checks sizes', () => {
    const a = noise(5 * 7, 4);
    expect(ssim(a, a, 5, 7)).toBeCloseTo(1, 12);
    expect(Number.isFinite(ssim(a, noise(35, 5), 5, 7))).toBe(true);
    expect(() => ssim(a, a, 6, 7)).toThrow(RangeError);
  });
});
