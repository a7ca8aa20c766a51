import {
  AbortError,
  type Attribution,
  CapabilityError,
  type Method,
  type Model,
  type ModelRequest,
  OptionError,
  reduceChannels,
  ShapeError,
  type TensorData,
} from '@salience/core';
import { gradient } from '@salience/gradient';
import { createForwardOnlyModel, createImageModel, createTabularModel, createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { smoothGrad, smoothGradSquared, varGrad } from './smoothgrad.js';

function tabular(onRun?: (request: ModelRequest) => void) {
  return createTabularModel({ features: 6, classes: 3, onRun });
}

function image() {
  return createImageModel({ layout: 'NHWC', channels: 2, height: 3, width: 4, classes: 4 });
}

/** The signed input gradient at x + noise[s] for every sample, straight from the model. */
async function gradientsAtNoisyInputs(model: Model, x: TensorData, noise: TensorData, target: number[]): Promise<Float32Array[]> {
  const size = x.data.length;
  const out: Float32Array[] = [];
  for (let s = 0; s < noise.shape[0]!; s++) {
    const data = x.data.map((v, i) => v + noise.data[s * size + i]!);
    const { inputGradients } = await model.run({ input: { data, shape: x.shape }, outputs: ['inputGradients'], target });
    out.push(inputGradients.data);
  }
  return out;
}

const X: TensorData = { data: Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) / 4 - 0.4), shape: [2, 6] };

/** Any method at all: returns the (noisy) input it was given, and records the options it got. */
function echo(seen: Record<string, unknown>[] = []): Method<{ scale?: number }> {
  return {
    id: 'echo',
    requires: [],
    async attribute(_model, input, options = {}) {
      seen.push({ ...options });
      const rows = input.shape[0]!;
      const scale = options.scale ?? 1;
      return {
        method: 'echo',
        values: { data: input.data.map((v) => v * scale), shape: [...input.shape] },
        layout: 'NC',
        examples: Int32Array.from({ length: rows }, (_, i) => i),
        targets: Int32Array.from(options.target as ArrayLike<number>),
        meta: { scale },
      };
    },
  };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('smoothGrad statistics', () => {
  const model = tabular();
  const samples = 5;
  const noise: TensorData = {
    data: Float32Array.from({ length: samples * 12 }, (_, k) => Math.cos(k * 2.3) * 0.3),
    shape: [samples, 2, 6],
  };
  const target = [2, 0];

  it.each([
    ['mean', (g: number[]) => g.reduce((a, b) => a + b) / g.length],
    ['mean-of-squares', (g: number[]) => g.reduce((a, b) => a + b * b, 0) / g.length],
    [
      'variance',
      (g: number[]) => {
        const m = g.reduce((a, b) => a + b) / g.length;
        return g.reduce((a, b) => a + (b - m) ** 2, 0) / g.length;
      },
    ],
  ] as const)('%s matches the statistic of the gradients at the given noisy inputs', async (statistic, stat) => {
    const grads = await gradientsAtNoisyInputs(model, X, noise, target);
    const result = await smoothGrad(gradient).attribute(model, X, { variant: 'signed', statistic, noise, target });
    expect(result.values.shape).toEqual([2, 6]);
    for (let k = 0; k < 12; k++) {
      expect(result.values.data[k]).toBeCloseTo(stat(grads.map((g) => g[k]!)), 5);
    }
    expect(result.meta).toMatchObject({ statistic, samples, noise: 'given', stdev: null, seed: null });
  });

  it('passes the inner options through: absolute gradients average |g|', async () => {
    const grads = await gradientsAtNoisyInputs(model, X, noise, target);
    const result = await smoothGrad(gradient).attribute(model, X, { variant: 'absolute', noise, target });
    for (let k = 0; k < 12; k++) {
      expect(result.values.data[k]).toBeCloseTo(grads.reduce((a, g) => a + Math.abs(g[k]!), 0) / samples, 5);
    }
    expect(result.meta.inner).toEqual({ id: 'gradient', meta: expect.objectContaining({ variant: 'absolute' }) });
  });

  it('names itself after its statistic', () => {
    expect(smoothGrad(gradient).id).toBe('smoothgrad');
    expect(smoothGradSquared(gradient).id).toBe('smoothgrad-squared');
    expect(varGrad(gradient).id).toBe('vargrad');
    expect(smoothGrad(gradient).requires).toEqual(gradient.requires);
  });

  it('with one sample and no noise equals the inner method', async () => {
    const inner = await gradient.attribute(model, X, { variant: 'signed' });
    const smooth = await smoothGrad(gradient).attribute(model, X, { variant: 'signed', samples: 1, stdev: 0 });
    expect(smooth.values).toEqual(inner.values);
    expect(Array.from(smooth.targets)).toEqual(Array.from(inner.targets));
    const variance = await varGrad(gradient, { samples: 1, stdev: 0 }).attribute(model, X);
    expect(variance.values.data.every((v) => v === 0)).toBe(true);
  });
});

describe('smoothGrad noise', () => {
  const model = tabular();

  it('gives the same map for the same seed and different maps for different seeds', async () => {
    const method = smoothGrad(gradient, { samples: 8, stdev: 0.5 });
    const a = await method.attribute(model, X, { seed: 3 });
    const b = await method.attribute(model, X, { seed: 3 });
    const c = await method.attribute(model, X, { seed: 4 });
    expect(b.values).toEqual(a.values);
    expect(maxAbsDiff(a.values.data, c.values.data)).toBeGreaterThan(1e-3);
    expect(a.meta).toMatchObject({ seed: 3, noise: 'seeded', stdev: 0.5, relativeStdev: null });
  });

  it('draws noise with the requested absolute stdev', async () => {
    const result = await varGrad(echo()).attribute(model, X, { samples: 2000, stdev: 0.3, target: 0 });
    const mean = result.values.data.reduce((a, b) => a + b) / result.values.data.length;
    expect(Math.sqrt(mean)).toBeGreaterThan(0.3 * 0.96);
    expect(Math.sqrt(mean)).toBeLessThan(0.3 * 1.04);
  });

  it('scales relative noise with each example range', async () => {
    // Example 0 spans 0..1, example 1 spans -5..5: relative noise is ten times larger on the second.
    const input: TensorData = { data: Float32Array.from([0, 0.25, 0.5, 0.75, 1, 0.5, -5, 0, 5, 2, -2, 1]), shape: [2, 6] };
    const result = await varGrad(echo()).attribute(model, input, { samples: 2000, stdev: { relative: 0.2 }, target: 0 });
    expect(result.meta.stdev).toEqual([0.2, 2]);
    expect(result.meta.relativeStdev).toBe(0.2);
    for (const [e, sigma] of [
      [0, 0.2],
      [1, 2],
    ]) {
      const v = result.values.data.subarray(e! * 6, e! * 6 + 6);
      const sd = Math.sqrt(v.reduce((a, b) => a + b) / 6);
      expect(sd).toBeGreaterThan(sigma! * 0.95);
      expect(sd).toBeLessThan(sigma! * 1.05);
    }
  });

  it('takes its defaults from the constructor, which each call may override', async () => {
    const method = smoothGrad(echo(), { samples: 3, stdev: 0.2, statistic: 'variance' });
    expect(method.id).toBe('vargrad');
    const byDefault = await method.attribute(model, X, { target: 0, samples: undefined });
    expect(byDefault.meta).toMatchObject({ samples: 3, stdev: 0.2, statistic: 'variance' });
    const overridden = await method.attribute(model, X, { target: 0, samples: 4, stdev: { relative: 0.1 }, statistic: 'mean' });
    expect(overridden.meta).toMatchObject({ samples: 4, relativeStdev: 0.1, statistic: 'mean' });
  });

  it('defaults to 25 samples at 15% of the range, seed 0', async () => {
    const result = await smoothGrad(gradient).attribute(model, X);
    const range = (e: number) => Math.max(...X.data.subarray(e * 6, e * 6 + 6)) - Math.min(...X.data.subarray(e * 6, e * 6 + 6));
    expect(result.meta.samples).toBe(25);
    expect(result.meta.relativeStdev).toBe(0.15);
    expect(result.meta.seed).toBe(0);
    for (const [e, s] of (result.meta.stdev as number[]).entries()) expect(s).toBeCloseTo(0.15 * range(e), 12);
  });

  it('clamps every noisy input to the range', async () => {
    const seen: Record<string, unknown>[] = [];
    let low = Infinity;
    let high = -Infinity;
    const recorder: Method = {
      ...echo(seen),
      async attribute(m, input, options) {
        for (const v of input.data) {
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
        return echo().attribute(m, input, options);
      },
    };
    const clamped = await smoothGrad(recorder).attribute(model, X, { samples: 50, stdev: 1, clamp: [0, 1], target: 0 });
    expect(low).toBe(0);
    expect(high).toBe(1);
    expect(clamped.meta.clamp).toEqual([0, 1]);
    const free = await smoothGrad(echo()).attribute(model, X, { samples: 50, stdev: 1, target: 0 });
    expect(maxAbsDiff(clamped.values.data, free.values.data)).toBeGreaterThan(0.05);
  });

  it('clamps explicit noise too', async () => {
    const noise: TensorData = { data: new Float32Array(2 * 12).fill(10), shape: [2, 2, 6] };
    const result = await smoothGrad(echo()).attribute(model, X, { noise, clamp: [-1, 0.5], target: 0 });
    expect(result.values.data.every((v) => v === 0.5)).toBe(true);
  });
});

describe('smoothGrad batching and targets', () => {
  it('gives the same values whatever the batch size, and bounds every model call by it', async () => {
    const model = tabular();
    const big = await smoothGrad(gradient).attribute(model, X, { samples: 7, stdev: 0.4, seed: 9, batchSize: 1000 });
    expect(big.meta.modelCalls).toBe(2); // the targets ('predicted'), then all 14 rows at once
    model.largestBatch = 0;
    const small = await smoothGrad(gradient).attribute(model, X, { samples: 7, stdev: 0.4, seed: 9, batchSize: 3 });
    expect(small.values).toEqual(big.values);
    expect(model.largestBatch).toBeLessThanOrEqual(3);
    expect(small.meta.modelCalls).toBe(1 + Math.ceil(14 / 3));
  });

  it('explains several targets per example in the same calls, equal to separate calls', async () => {
    const model = tabular();
    const options = { samples: 6, stdev: 0.5, seed: 11, variant: 'signed' as const };
    const both = await smoothGrad(gradient).attribute(model, X, { ...options, target: { classes: [2, 0] } });
    expect(Array.from(both.examples)).toEqual([0, 0, 1, 1]);
    expect(Array.from(both.targets)).toEqual([2, 0, 2, 0]);
    expect(both.meta.modelCalls).toBe(1);
    const two = await smoothGrad(gradient).attribute(model, X, { ...options, target: 2 });
    const zero = await smoothGrad(gradient).attribute(model, X, { ...options, target: 0 });
    for (let e = 0; e < 2; e++) {
      expect(Array.from(both.values.data.subarray(2 * e * 6, (2 * e + 1) * 6))).toEqual(Array.from(two.values.data.subarray(e * 6, e * 6 + 6)));
      expect(Array.from(both.values.data.subarray((2 * e + 1) * 6, (2 * e + 2) * 6))).toEqual(Array.from(zero.values.data.subarray(e * 6, e * 6 + 6)));
    }
  });

  it('resolves topK once, on the clean input', async () => {
    const model = tabular();
    const result = await smoothGrad(gradient).attribute(model, X, { samples: 3, stdev: 2, target: { topK: 2 }, batchSize: 4 });
    const logits = (await model.run({ input: X, outputs: ['logits'] })).logits;
    for (let e = 0; e < 2; e++) {
      const order = [0, 1, 2].sort((a, b) => logits.data[e * 3 + b]! - logits.data[e * 3 + a]!);
      expect(Array.from(result.targets.subarray(2 * e, 2 * e + 2))).toEqual(order.slice(0, 2));
    }
    expect(result.meta.modelCalls).toBe(1 + Math.ceil(12 / 4));
  });

  it('works with inner methods that return reduced maps', async () => {
    const model = image();
    const input: TensorData = { data: Float32Array.from({ length: 48 }, (_, i) => Math.sin(i)), shape: [2, 3, 4, 2] };
    const options = { samples: 4, stdev: 0.3, seed: 5, target: 1 };
    const reduced = await smoothGrad(gradient).attribute(model, input, { ...options, variant: 'signed', channelReduction: 'sum' });
    expect(reduced.layout).toBe('NHW');
    expect(reduced.values.shape).toEqual([2, 3, 4]);
    const full = await smoothGrad(gradient).attribute(model, input, { ...options, variant: 'signed' });
    expect(full.layout).toBe('NHWC');
    // The mean is linear, so reducing after averaging gives the same map.
    const expected = reduceChannels(full.values, 'NHWC', 'sum');
    expect(maxAbsDiff(reduced.values.data, expected.data)).toBeLessThan(1e-5);
  });

  it('passes every other option to the inner method, and keeps its own', async () => {
    const seen: Record<string, unknown>[] = [];
    const labels: TensorData = { data: Float32Array.from([0, 1, 0, 0.5, 0, 0.5]), shape: [2, 3] };
    const progress: number[] = [];
    await smoothGrad(echo(seen)).attribute(tabular(), X, {
      scale: 3,
      samples: 2,
      stdev: 0.1,
      clamp: [-9, 9],
      target: 1,
      batchSize: 3,
      objective: { kind: 'cross-entropy', labels },
      onProgress: (done) => progress.push(done),
    });
    expect(seen).toHaveLength(2);
    for (const options of seen) {
      expect(options.scale).toBe(3);
      expect(options.batchSize).toBe(3);
      for (const key of ['samples', 'stdev', 'clamp', 'noise', 'statistic', 'onProgress']) expect(options).not.toHaveProperty(key);
    }
    // Rows are sample-major: (s0, e0), (s0, e1), (s1, e0) | (s1, e1).
    expect(Array.from(seen[0]!.target as Int32Array)).toEqual([1, 1, 1]);
    const firstLabels = (seen[0]!.objective as { labels: TensorData }).labels;
    expect(firstLabels.shape).toEqual([3, 3]);
    expect(Array.from(firstLabels.data)).toEqual([0, 1, 0, 0.5, 0, 0.5, 0, 1, 0]);
    expect(progress).toEqual([3, 4]);
  });
});

describe('smoothGrad errors and cancellation', () => {
  const model = tabular();

  it.each([
    [{ statistic: 'median' }, OptionError],
    [{ samples: 0 }, OptionError],
    [{ samples: 2.5 }, OptionError],
    [{ stdev: -1 }, OptionError],
    [{ stdev: Number.NaN }, OptionError],
    [{ stdev: { relative: -0.1 } }, OptionError],
    [{ stdev: { absolute: 1 } }, OptionError],
    [{ clamp: [1, 0] }, OptionError],
    [{ clamp: [0] }, OptionError],
    [{ seed: Number.POSITIVE_INFINITY }, OptionError],
    [{ batchSize: 0 }, OptionError],
    [{ noise: { data: new Float32Array(12), shape: [1, 2, 5] } }, ShapeError],
    [{ noise: { data: new Float32Array(12), shape: [2, 6] } }, ShapeError],
    [{ noise: { data: new Float32Array(12).fill(Number.NaN), shape: [1, 2, 6] } }, ShapeError],
    [{ noise: { data: new Float32Array(12), shape: [1, 2, 6] }, stdev: 1 }, OptionError],
    [{ noise: { data: new Float32Array(12), shape: [1, 2, 6] }, samples: 3 }, OptionError],
    [{ objective: { kind: 'cross-entropy', labels: { data: new Float32Array(3), shape: [1, 3] } } }, ShapeError],
  ])('rejects %o with a typed error before any model call', async (options, type) => {
    const counted = tabular();
    await expect(smoothGrad(gradient).attribute(counted, X, options as never)).rejects.toBeInstanceOf(type);
    expect(counted.calls).toBe(0);
  });

  it('rejects bad defaults when it is built', () => {
    expect(() => smoothGrad(gradient, { samples: -1 })).toThrow(OptionError);
    expect(() => smoothGrad(gradient, { statistic: 'max' as never })).toThrow(OptionError);
  });

  it('checks the model before any work', async () => {
    await expect(smoothGrad(gradient).attribute(createForwardOnlyModel({ features: 6 }), X)).rejects.toBeInstanceOf(CapabilityError);
    await expect(smoothGrad(gradient).attribute(model, { data: new Float32Array(5), shape: [1, 5] })).rejects.toBeInstanceOf(ShapeError);
    const tokens = createTokenModel();
    const ids: TensorData = { data: Float32Array.from([1, 2, 3, 0]), shape: [1, 4] };
    await expect(smoothGrad(echo()).attribute(tokens, ids)).rejects.toBeInstanceOf(OptionError);
    expect(tokens.calls).toBe(0);
  });

  it('rejects an inner method that does not return one map per row', async () => {
    const bad: Method = {
      id: 'bad',
      requires: [],
      async attribute(m, input, options) {
        const r = await echo().attribute(m, input, options);
        return { ...r, values: { data: r.values.data.subarray(6), shape: [input.shape[0]! - 1, 6] }, examples: r.examples.subarray(1) } as Attribution;
      },
    };
    await expect(smoothGrad(bad).attribute(model, X, { target: 0, samples: 2 })).rejects.toBeInstanceOf(ShapeError);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const counted = tabular();
    const promise = smoothGrad(gradient).attribute(counted, X, {
      samples: 20,
      stdev: 0.1,
      batchSize: 4,
      target: 0,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 8) controller.abort();
      },
    });
    await expect(promise).rejects.toBeInstanceOf(AbortError);
    expect(counted.calls).toBe(2);
    expect(counted.liveAllocations).toBe(0);
  });

  it('stops inside an inner call when aborted there', async () => {
    const controller = new AbortController();
    let calls = 0;
    const counted = tabular(() => {
      if (++calls === 3) controller.abort();
    });
    const promise = smoothGrad(gradient).attribute(counted, X, { samples: 20, batchSize: 4, target: 0, signal: controller.signal });
    await expect(promise).rejects.toBeInstanceOf(AbortError);
    expect(calls).toBe(3);
    expect(counted.liveAllocations).toBe(0);
  });
});
