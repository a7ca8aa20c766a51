import type { Attribution, CommonOptions, Method, Model, TensorData } from '@salience/core';
import { createRng, tensor } from '@salience/core';
import { gradient, inputXGradient } from '@salience/gradient';
import { describe, expect, it } from 'vitest';
import { linearModel } from '../../test/linear-model.js';
import { sensitivityMax } from './sensitivity-max.js';

const model = linearModel('NC', [5], 3, 7);
const X = tensor(
  Array.from({ length: 3 * 5 }, (_, i) => 1 + Math.sin(i)),
  [3, 5],
);
const TARGETS = Int32Array.from([2, 0, 1]);

/** The input itself as the map: its change is the perturbation. Counts calls and rows. */
function identityMethod(): Method & { calls: number; largest: number } {
  const method = {
    id: 'identity',
    requires: [],
    calls: 0,
    largest: 0,
    async attribute(_: Model, input: TensorData, options: CommonOptions = {}): Promise<Attribution> {
      method.calls++;
      method.largest = Math.max(method.largest, input.shape[0]!);
      const rows = input.shape[0]!;
      const targets = options.target instanceof Int32Array ? options.target : new Int32Array(rows);
      return {
        method: 'identity',
        values: { data: input.data.slice(), shape: [...input.shape] },
        layout: 'NC',
        examples: Int32Array.from({ length: rows }, (_, i) => i),
        targets,
        meta: {},
      };
    },
  };
  return method;
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('max-sensitivity (Captum)', () => {
  it('is 0 for a map that does not change near the input (the gradient of a linear model)', async () => {
    const result = await sensitivityMax(model, gradient, X, { methodOptions: { variant: 'signed' }, target: TARGETS });
    expect(Array.from(result.perExample)).toEqual([0, 0, 0]);
    expect(result).toMatchObject({ samples: 10, radius: 0.02, methodCalls: 2 });
  });

  it('is the largest relative Frobenius change of the map over the perturbations', async () => {
    // Input x gradient of a linear model: phi(x + d) - phi(x) = d * w.
    const deltas = [0.01, -0.02, 0.015, 0.005];
    let k = 0;
    const perturb = (x: Float32Array, _: unknown, out: Float32Array) => {
      for (let i = 0; i < x.length; i++) out[i] = x[i]! + deltas[k % 4]! * (i + 1);
      k++;
    };
    const result = await sensitivityMax(model, inputXGradient, X, { samples: 4, perturb, target: TARGETS });
    expect(result.radius).toBeNull();
    for (let e = 0; e < 3; e++) {
      const w = model.W.subarray(TARGETS[e]! * 5, TARGETS[e]! * 5 + 5);
      const clean = norm(Array.from(w, (wi, i) => wi * X.data[e * 5 + i]!));
      const changes = [0, 1, 2, 3].map((s) => norm(Array.from(w, (wi, i) => wi * deltas[(e * 4 + s) % 4]! * (i + 1))) / clean);
      expect(result.perExample[e]).toBeCloseTo(Math.max(...changes), 5);
    }
  });

  it('draws seeded noise uniformly from the L-inf ball of the radius, in calls of at most batchSize examples', async () => {
    const method = identityMethod();
    const clean = await method.attribute(model, X, { target: TARGETS });
    method.calls = 0;
    const result = await sensitivityMax(model, method, X, { attribution: clean, radius: 0.05, samples: 7, seed: 4, batchSize: 4 });
    expect(method.calls).toBe(Math.ceil(21 / 4));
    expect(method.largest).toBeLessThanOrEqual(4);
    const rng = createRng(4);
    for (let e = 0; e < 3; e++) {
      let max = 0;
      for (let s = 0; s < 7; s++) {
        const d = Array.from({ length: 5 }, () => (2 * rng.uniform() - 1) * 0.05);
        max = Math.max(max, norm(d) / norm(X.data.subarray(e * 5, e * 5 + 5)));
      }
      expect(result.perExample[e]).toBeCloseTo(max, 6);
      expect(result.perExample[e]).toBeLessThanOrEqual((0.05 * Math.sqrt(5)) / norm(X.data.subarray(e * 5, e * 5 + 5)));
    }
    const again = await sensitivityMax(model, method, X, { attribution: clean, radius: 0.05, samples: 7, seed: 4, batchSize: 21 });
    expect(Array.from(again.perExample)).toEqual(Array.from(result.perExample));
  });

  it('divides by 1 where the clean map is zero, and checks its options', async () => {
    const method = identityMethod();
    const zeros = tensor(new Float32Array(15), [3, 5]);
    const result = await sensitivityMax(model, method, zeros, { target: TARGETS, radius: 0.1, samples: 2 });
    for (const v of result.perExample) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(0.1 * Math.sqrt(5));
    }
    await expect(sensitivityMax(model, method, X, { samples: 0 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    await expect(sensitivityMax(model, method, X, { radius: 0 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    const wrong = { ...(await method.attribute(model, X, { target: TARGETS })), examples: Int32Array.from([0, 1]) };
    await expect(sensitivityMax(model, method, X, { attribution: wrong })).rejects.toThrow(expect.objectContaining({ name: 'ShapeError' }));
  });
});
