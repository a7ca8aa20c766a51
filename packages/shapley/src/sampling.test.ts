import { createRng } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { kernelShapSampler, limeSampler, randomPermutation } from './sampling.js';

describe('kernelShapSampler', () => {
  it('draws the full and the empty coalition first, then sizes by the Shapley kernel', () => {
    const m = 6;
    const draw = kernelShapSampler(createRng(1), m);
    const z = new Uint8Array(m);
    draw(z);
    expect(Array.from(z)).toEqual([1, 1, 1, 1, 1, 1]);
    draw(z);
    expect(Array.from(z)).toEqual([0, 0, 0, 0, 0, 0]);
    const counts = new Float64Array(m + 1);
    const n = 20000;
    for (let s = 0; s < n; s++) {
      draw(z);
      counts[z.reduce((a, b) => a + b, 0)]!++;
    }
    expect(counts[0]! + counts[m]!).toBe(0);
    const kernel = [1, 2, 3, 4, 5].map((k) => (m - 1) / (k * (m - k)));
    const total = kernel.reduce((a, b) => a + b, 0);
    for (const [i, p] of kernel.entries()) expect(Math.abs(counts[i + 1]! / n - p / total)).toBeLessThan(0.015);
  });
});

describe('limeSampler and randomPermutation', () => {
  it('keep each feature half the time, and permute every index once', () => {
    const draw = limeSampler(createRng(2));
    const z = new Uint8Array(10);
    let on = 0;
    for (let s = 0; s < 2000; s++) {
      draw(z);
      on += z.reduce((a, b) => a + b, 0);
    }
    expect(Math.abs(on / 20000 - 0.5)).toBeLessThan(0.02);
    const order = new Int32Array(7);
    randomPermutation(createRng(4), order);
    expect(Array.from(order).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
