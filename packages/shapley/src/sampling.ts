import type { Rng } from '@salience/core';

/**
 * KernelSHAP's coalitions, drawn as Captum draws them: first all features, then none, then for
 * each sample a size k with p(k) ∝ (M − 1) / (k (M − k)), k = 1..M−1, and k features uniformly.
 * Weighting the samples this way and giving them all weight 1 is the Shapley kernel.
 */
export function kernelShapSampler(rng: Rng, features: number): (z: Uint8Array) => void {
  const m = features;
  const cumulative = new Float64Array(Math.max(0, m - 1));
  let total = 0;
  for (let k = 1; k < m; k++) cumulative[k - 1] = total += (m - 1) / (k * (m - k));
  const order = new Int32Array(m);
  let drawn = 0;
  return (z) => {
    const index = drawn++;
    if (index === 0 || m < 2) return void z.fill(1);
    if (index === 1) return void z.fill(0);
    const u = rng.uniform() * total;
    let k = 1;
    while (k < m - 1 && cumulative[k - 1]! <= u) k++;
    // A uniform k-subset: the first k of a partial Fisher-Yates shuffle.
    for (let i = 0; i < m; i++) order[i] = i;
    z.fill(0);
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(m - i);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
      z[order[i]!] = 1;
    }
  };
}

/** LIME's coalitions (Captum's default): every feature kept with probability 1/2. */
export function limeSampler(rng: Rng): (z: Uint8Array) => void {
  return (z) => {
    for (let k = 0; k < z.length; k++) z[k] = rng.uniform() < 0.5 ? 1 : 0;
  };
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates), written into `out`. */
export function randomPermutation(rng: Rng, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = i;
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
}
