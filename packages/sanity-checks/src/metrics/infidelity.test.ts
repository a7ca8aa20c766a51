import type { Attribution } from '@salience/core';
import { createRng, tensor } from '@salience/core';
import { gradient, inputXGradient } from '@salience/gradient';
import { describe, expect, it } from 'vitest';
import { linearModel } from '../../test/linear-model.js';
import { infidelity } from './infidelity.js';

const model = linearModel('NC', [6], 3);
const X = tensor(
  Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i + 1)),
  [4, 6],
);
const TARGETS = Int32Array.from([0, 2, 1, 2]);

function weightsOf(target: number): Float64Array {
  return model.W.subarray(target * 6, (target + 1) * 6);
}

/** An attribution of the given values, one map per example. */
function attribution(values: ArrayLike<number>, shape = [4, 6], layout: Attribution['layout'] = 'NC'): Attribution {
  return { method: 'given', values: tensor(values, shape), layout, examples: Int32Array.from([0, 1, 2, 3]), targets: TARGETS, meta: {} };
}

describe('infidelity (Captum)', () => {
  it('is 0 for the gradient of a linear model, whatever the noise', async () => {
    const g = await gradient.attribute(model, X, { variant: 'signed', target: TARGETS });
    for (const noiseStd of [0.003, 0.5]) {
      const result = await infidelity(model, X, g, { noiseStd, seed: 3 });
      for (const v of result.perExample) expect(v).toBeLessThan(1e-10);
      expect(result).toMatchObject({ samples: 10, normalize: false, perturbation: 'gaussian', noiseStd, objective: 'logit' });
    }
  });

  it('measures E[(I . phi - (f(x) - f(x - I)))^2], and the scale-free version with normalize', async () => {
    // phi = 2 w: the error is I . w, exactly; normalising finds beta = 1/2 and no error.
    const doubled = attribution(Array.from(TARGETS).flatMap((t) => Array.from(weightsOf(t), (w) => 2 * w)));
    const fixed = [0.1, -0.2, 0.05, 0, 0.3, -0.1];
    let call = 0;
    const perturbation = (_: Float32Array, __: unknown, out: Float32Array) => {
      for (let i = 0; i < 6; i++) out[i] = fixed[(i + call) % 6]! * (1 + (call % 3));
      call++;
    };
    const raw = await infidelity(model, X, doubled, { samples: 3, perturbation });
    expect(raw.perturbation).toBe('custom');
    for (let e = 0; e < 4; e++) {
      let expected = 0;
      for (let s = 0; s < 3; s++) {
        const k = e * 3 + s;
        let dot = 0;
        for (let i = 0; i < 6; i++) dot += fixed[(i + k) % 6]! * (1 + (k % 3)) * weightsOf(TARGETS[e]!)[i]!;
        expected += (dot * dot) / 3;
      }
      expect(raw.perExample[e]).toBeCloseTo(expected, 6);
    }
    call = 0;
    const normalized = await infidelity(model, X, doubled, { samples: 3, perturbation, normalize: true });
    for (const v of normalized.perExample) expect(v).toBeLessThan(1e-10);
  });

  it("follows Captum's formula on seeded Gaussian noise for any map", async () => {
    const map = createRng(5).fillUniform(new Float32Array(24), -1, 1);
    const result = await infidelity(model, X, attribution(map), { samples: 4, noiseStd: 0.2, seed: 8, normalize: true, objective: 'probability' });
    const softmaxAt = (logits: Float64Array, t: number) => {
      const max = Math.max(...logits);
      const exps = Array.from(logits, (v) => Math.exp(v - max));
      return exps[t]! / exps.reduce((a, b) => a + b, 0);
    };
    const rng = createRng(8);
    for (let e = 0; e < 4; e++) {
      const x = X.data.subarray(e * 6, (e + 1) * 6);
      const fx = softmaxAt(model.logitsOf(x), TARGETS[e]!);
      let aa = 0;
      let ab = 0;
      let bb = 0;
      for (let s = 0; s < 4; s++) {
        const noise = rng.fillNormal(new Float32Array(6), 0, 0.2);
        const perturbed = Float32Array.from(x, (v, i) => v - noise[i]!);
        const a = noise.reduce((sum, v, i) => sum + v * map[e * 6 + i]!, 0);
        const b = fx - softmaxAt(model.logitsOf(perturbed), TARGETS[e]!);
        aa += a * a;
        ab += a * b;
        bb += b * b;
      }
      const beta = ab / aa;
      expect(result.perExample[e]).toBeCloseTo((beta * beta * aa - 2 * beta * ab + bb) / 4, 6);
    }
    expect(result.objective).toBe('probability');
  });

  it('gives the same numbers in batches of any size, within batchSize rows per call', async () => {
    const map = attribution(createRng(6).fillUniform(new Float32Array(24)));
    const before = model.calls;
    model.largestBatch = 0;
    const small = await infidelity(model, X, map, { batchSize: 3, seed: 2 });
    expect(model.largestBatch).toBeLessThanOrEqual(3);
    expect(model.calls - before).toBe(small.modelCalls);
    expect(small.modelCalls).toBe(2 + Math.ceil(40 / 3));
    const large = await infidelity(model, X, map, { batchSize: 64, seed: 2 });
    expect(Array.from(large.perExample)).toEqual(Array.from(small.perExample));
  });

  it('counts a one-value-per-pixel map for every channel of the pixel', async () => {
    const image = linearModel('NHWC', [2, 3, 2], 2, 4);
    const x = tensor(
      Array.from({ length: 2 * 12 }, (_, i) => Math.cos(i)),
      [2, 2, 3, 2],
    );
    const pixels = createRng(1).fillUniform(new Float32Array(2 * 6));
    const perPixel: Attribution = {
      method: 'given',
      values: tensor(pixels, [2, 2, 3]),
      layout: 'NHW',
      examples: Int32Array.from([0, 1]),
      targets: Int32Array.from([1, 0]),
      meta: {},
    };
    const spread: Attribution = {
      ...perPixel,
      values: tensor(
        Array.from({ length: 24 }, (_, i) => pixels[Math.floor(i / 2)]!),
        [2, 2, 3, 2],
      ),
      layout: 'NHWC',
    };
    const a = await infidelity(image, x, perPixel, { seed: 1 });
    const b = await infidelity(image, x, spread, { seed: 1 });
    expect(Array.from(a.perExample)).toEqual(Array.from(b.perExample));
  });

  it('rejects maps that do not fit and bad options', async () => {
    const g = await inputXGradient.attribute(model, X, { target: TARGETS });
    await expect(infidelity(model, X, { ...g, examples: Int32Array.from([0, 0, 1, 2]) })).rejects.toThrow(/one map per example/);
    await expect(infidelity(model, X, attribution(new Float32Array(12), [4, 3]))).rejects.toThrow(expect.objectContaining({ name: 'ShapeError' }));
    await expect(infidelity(model, X, g, { samples: 0 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    await expect(infidelity(model, X, g, { noiseStd: -1 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
  });
});
