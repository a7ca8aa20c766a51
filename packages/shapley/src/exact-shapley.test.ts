import { createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { kernelShap } from './kernel-shap.js';
import { shapleySampling } from './shapley-sampling.js';

/** Every permutation of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

// Token groups on the token fake: 3 features over 5 tokens, every coalition and every order given.
describe('exact Shapley values over token groups', () => {
  const model = createTokenModel();
  const input = { data: Float32Array.from([3, 1, 4, 1, 5, 2, 6, 5, 3, 5]), shape: [2, 5] };
  const featureMask = { data: Float32Array.from([0, 0, 1, 1, 2]), shape: [5] };
  const baseline = 0;

  it('Shapley sampling over all orders is exact, efficient, and equal within each group', async () => {
    const orders = permutations(3);
    const result = await shapleySampling.attribute(model, input, {
      featureMask,
      baseline,
      target: 1,
      permutations: { data: Float32Array.from(orders.flat()), shape: [orders.length, 3] },
    });
    const { logits: full } = await model.run({ input, outputs: ['logits'] });
    const { logits: empty } = await model.run({ input: { data: new Float32Array(10), shape: [2, 5] }, outputs: ['logits'] });
    const classes = full.shape[1]!;
    for (let e = 0; e < 2; e++) {
      const v = result.values.data.subarray(e * 5, (e + 1) * 5);
      expect(v[0]).toBe(v[1]);
      expect(v[2]).toBe(v[3]);
      // Efficiency: the features' values add up to f(x) - f(baseline).
      const total = v[0]! + v[2]! + v[4]!;
      expect(total).toBeCloseTo(full.data[e * classes + 1]! - empty.data[e * classes + 1]!, 5);
    }

    // KernelSHAP on all 8 coalitions (the full and empty ones weigh 1e6) gives the same values: with
    // 3 features the Shapley kernel weighs every coalition of size 1 and 2 alike (1/3), as KernelSHAP does.
    const coalitions = Float32Array.from([1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1]);
    const kernel = await kernelShap.attribute(model, input, { featureMask, baseline, target: 1, coalitions: { data: coalitions, shape: [8, 3] } });
    // Exact up to the finite weight standing in for the infinite one.
    const scale = Math.max(...result.values.data.map(Math.abs));
    for (let i = 0; i < 10; i++) expect(Math.abs(kernel.values.data[i]! - result.values.data[i]!)).toBeLessThan(1e-4 * scale);
  });
});
