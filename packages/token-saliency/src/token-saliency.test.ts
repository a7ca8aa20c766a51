import { AbortError, CapabilityError, OptionError, ShapeError, sliceRows, tensor } from '@salience/core';
import { createTabularModel, createTokenModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients, tokenSaliency } from './token-saliency.js';

const T = 6;
const D = 4;
const model = () => createTokenModel({ vocab: 16, dim: D, hidden: 3, classes: 3, seed: 5 });
// The third example ends in two padding tokens (id 0).
const ids = tensor([3, 7, 1, 12, 9, 4, 5, 5, 14, 2, 8, 11, 6, 10, 13, 15, 0, 0], [3, T]);
const words = [
  ['a', 'b', 'c', 'd', 'e', 'f'],
  ['g', 'g', 'h', 'i', 'j', 'k'],
  ['l', 'm', 'n', 'o', '<pad>', '<pad>'],
];

async function raw(m: ReturnType<typeof model>, targets: number[], objective?: 'log-probability') {
  return m.run({ input: ids, outputs: ['embeddings', 'embeddingGradients', 'logits'], target: targets, objective });
}

describe('gradient scores', () => {
  it('gives the L2 norm and the embedding dot product of the embedding gradient per token', async () => {
    const m = model();
    const targets = [0, 2, 1];
    const { embeddings, embeddingGradients } = await raw(m, targets);
    const l2 = await tokenGradL2.attribute(m, ids, { target: targets });
    const gxe = await tokenGradXEmbedding.attribute(m, ids, { target: targets });
    expect(l2.values.shape).toEqual([3, T]);
    expect(l2.layout).toBe('NT');
    for (let i = 0; i < 3 * T; i++) {
      const g = embeddingGradients.data.subarray(i * D, (i + 1) * D);
      const e = embeddings.data.subarray(i * D, (i + 1) * D);
      expect(l2.values.data[i]).toBeCloseTo(Math.hypot(...g), 6);
      expect(gxe.values.data[i]).toBeCloseTo(
        g.reduce((s, v, d) => s + v * e[d]!, 0),
        6,
      );
    }
    expect(l2.method).toBe('token-grad-l2');
    expect(gxe.meta).toMatchObject({ score: 'grad-x-embedding', padTokenId: null, maskedTokens: 0, embeddingWidth: D, objective: 'logit', modelCalls: 1 });
  });

  it('returns the per-coordinate values on request', async () => {
    const m = model();
    const { embeddings, embeddingGradients } = await raw(m, [1, 1, 1]);
    const l2 = await tokenGradL2.attribute(m, ids, { target: 1, perDimension: true });
    const gxe = await tokenGradXEmbedding.attribute(m, ids, { target: 1, perDimension: true });
    expect(l2.layout).toBe('NTD');
    expect(l2.values.shape).toEqual([3, T, D]);
    expect(Array.from(l2.values.data)).toEqual(Array.from(embeddingGradients.data));
    expect(Array.from(gxe.values.data)).toEqual(Array.from(embeddingGradients.data, (g, i) => Math.fround(g * embeddings.data[i]!)));
  });

  it('masks padding: score 0 and mask 0, everywhere else untouched', async () => {
    const m = model();
    // The fake's pad embedding is zero, so gradient x embedding is 0 there anyway: use the L2 norm.
    const open = await tokenGradL2.attribute(m, ids, { target: 2 });
    const padded = await tokenGradL2.attribute(m, ids, { target: 2, padTokenId: 0, tokens: words });
    expect(Array.from(padded.mask)).toEqual([...Array(16).fill(1), 0, 0]);
    expect(open.values.data[16]).not.toBe(0);
    expect(Array.from(padded.values.data)).toEqual(Array.from(open.values.data, (v, i) => (i >= 16 ? 0 : v)));
    expect(padded.meta.maskedTokens).toBe(2);
    const perDim = await tokenGradL2.attribute(m, ids, { target: 2, padTokenId: 0, perDimension: true });
    expect(Array.from(perDim.values.data.subarray(15 * D, 16 * D)).some((v) => v !== 0)).toBe(true);
    expect(Array.from(perDim.values.data.subarray(16 * D))).toEqual(Array(2 * D).fill(0));
  });

  it('carries ids and tokens into every map, one map per (example, class), equal to separate calls', async () => {
    const m = model();
    const multi = await tokenSaliency.attribute(m, ids, { target: { classes: [2, 0] }, tokens: words, padTokenId: 0, batchSize: 6 });
    expect(m.calls).toBe(1);
    expect(multi.values.shape).toEqual([6, T]);
    expect(Array.from(multi.examples)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(multi.targets)).toEqual([2, 0, 2, 0, 2, 0]);
    expect(multi.tokens).toEqual([words[0], words[0], words[1], words[1], words[2], words[2]]);
    expect(Array.from(multi.ids.subarray(5 * T))).toEqual(Array.from(ids.data.subarray(2 * T)));
    expect(Array.from(multi.mask.subarray(4 * T))).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0]);
    for (const [k, cls] of [2, 0].entries()) {
      const single = await tokenSaliency.attribute(m, ids, { target: cls, padTokenId: 0 });
      for (let r = 0; r < 3; r++) {
        expect(Array.from(sliceRows(multi.values, r * 2 + k, r * 2 + k + 1).data)).toEqual(Array.from(sliceRows(single.values, r, r + 1).data));
      }
    }
  });

  it('gives the same values whatever the batch size, reporting progress after each call', async () => {
    const m = model();
    const whole = await tokenSaliency.attribute(m, ids, { target: { topK: 2 }, batchSize: 64 });
    m.resetCounts();
    const progress: Array<[number, number]> = [];
    const split = await tokenSaliency.attribute(m, ids, { target: { topK: 2 }, batchSize: 4, onProgress: (d, t) => progress.push([d, t]) });
    expect(m.largestBatch).toBe(4);
    // One logits call per batch of examples for topK, then two gradient calls for the six maps.
    expect(m.calls).toBe(3);
    expect(split.meta.modelCalls).toBe(3);
    expect(progress).toEqual([
      [4, 6],
      [6, 6],
    ]);
    expect(Array.from(split.values.data)).toEqual(Array.from(whole.values.data));
  });

  it('differentiates the requested objective', async () => {
    const m = model();
    const { embeddingGradients } = await raw(m, [0, 1, 2], 'log-probability');
    const result = await tokenGradL2.attribute(m, ids, { target: [0, 1, 2], objective: 'log-probability', perDimension: true });
    expect(Array.from(result.values.data)).toEqual(Array.from(embeddingGradients.data));
    expect(result.meta.objective).toBe('log-probability');
  });
});

describe('integrated gradients on the embeddings', () => {
  it('is complete: the scores sum to F(x) - F(baseline), with the pad baseline scoring padding 0', async () => {
    const m = model();
    const result = await tokenIntegratedGradients.attribute(m, ids, { target: [0, 1, 2], padTokenId: 0, steps: 32 });
    const delta = result.meta.delta as Float32Array;
    for (const d of delta) expect(Math.abs(d)).toBeLessThan(1e-5);
    const baseline = tensor(
      Array.from(ids.data, () => 0),
      [3, T],
    );
    const fx = (await m.run({ input: ids, outputs: ['logits'] })).logits.data;
    const fb = (await m.run({ input: baseline, outputs: ['logits'] })).logits.data;
    for (let r = 0; r < 3; r++) {
      const sum = Array.from(result.values.data.subarray(r * T, (r + 1) * T)).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(fx[r * 3 + r]! - fb[r * 3 + r]!, 5);
    }
    expect(result.values.data[16]).toBe(0);
    expect(result.values.data[17]).toBe(0);
    expect(result.meta).toMatchObject({ quadrature: 'gauss-legendre', steps: 32, baselineTokenId: 0, endpointRows: 4, gradientRows: 96 });
  });

  it('runs every gradient row from interpolated embeddings with the example ids, in batches of at most batchSize', async () => {
    const m = model();
    await tokenIntegratedGradients.attribute(m, ids, { target: 1, padTokenId: 0, steps: 5, batchSize: 4 });
    const gradientCalls = m.requests.filter((r) => r.fromEmbeddings);
    expect(gradientCalls.map((r) => r.rows)).toEqual([4, 4, 4, 3]);
    expect(gradientCalls.every((r) => r.outputs.join() === 'embeddingGradients')).toBe(true);
    expect(m.largestBatch).toBe(4);
  });

  it('gives the same values and deltas whatever the batch size', async () => {
    const m = model();
    const options = { target: { classes: [1, 2] }, padTokenId: 0, steps: 7, quadrature: 'riemann-middle' } as const;
    const one = await tokenIntegratedGradients.attribute(m, ids, { ...options, batchSize: 1 });
    const many = await tokenIntegratedGradients.attribute(m, ids, { ...options, batchSize: 100 });
    expect(Array.from(one.values.data)).toEqual(Array.from(many.values.data));
    expect(Array.from(one.meta.delta as Float32Array)).toEqual(Array.from(many.meta.delta as Float32Array));
    expect(one.meta.modelCalls).toBe(4 + 6 * 7);
  });

  it('is complete for other objectives, and for per-example cross-entropy labels across several targets', async () => {
    const m = model();
    const logProb = await tokenIntegratedGradients.attribute(m, ids, { target: 2, padTokenId: 0, objective: 'log-probability', steps: 32 });
    for (const d of logProb.meta.delta as Float32Array) expect(Math.abs(d)).toBeLessThan(1e-5);
    const labels = tensor([1, 0, 0, 0, 0.5, 0.5, 0, 0, 1], [3, 3]);
    const ce = await tokenIntegratedGradients.attribute(m, ids, {
      target: { classes: [0, 1] },
      padTokenId: 0,
      objective: { kind: 'cross-entropy', labels },
      steps: 32,
    });
    for (const d of ce.meta.delta as Float32Array) expect(Math.abs(d)).toBeLessThan(1e-5);
    expect(ce.meta.objective).toBe('cross-entropy');
  });

  it('takes another baseline token, keeps chosen ids in the baseline, and keeps padding as padding', async () => {
    const m = model();
    const pad = await tokenIntegratedGradients.attribute(m, ids, { target: 0, padTokenId: 0, steps: 16 });
    const other = await tokenIntegratedGradients.attribute(m, ids, { target: 0, padTokenId: 0, baselineTokenId: 1, keepInBaseline: [5, 3], steps: 16 });
    expect(other.meta).toMatchObject({ baselineTokenId: 1, keepInBaseline: [5, 3] });
    // Ids 5 and 3 stay in the baseline, so they get nothing; so does id 1 (already the baseline).
    expect(other.values.data[0]).toBe(0); // id 3
    expect(other.values.data[2]).toBe(0); // id 1
    expect(other.values.data[6]).toBe(0); // id 5
    expect(other.values.data[7]).toBe(0); // id 5
    expect(pad.values.data[0]).not.toBe(0);
    expect(other.values.data[16]).toBe(0);
    for (const d of other.meta.delta as Float32Array) expect(Math.abs(d)).toBeLessThan(1e-4);
    // Three distinct baseline rows: each example keeps different ids.
    expect(other.meta.endpointRows).toBe(6);
  });

  it("reproduces Captum's trapezoid weights on request", async () => {
    const m = model();
    const captum = await tokenIntegratedGradients.attribute(m, ids, { target: 0, padTokenId: 0, quadrature: 'riemann-trapezoid', steps: 10, captumTrapezoid: true });
    const exact = await tokenIntegratedGradients.attribute(m, ids, { target: 0, padTokenId: 0, quadrature: 'riemann-trapezoid', steps: 10 });
    for (let i = 0; i < captum.values.data.length; i++) expect(captum.values.data[i]).toBeCloseTo((exact.values.data[i]! * 9) / 10, 6);
  });
});

describe('checks', () => {
  it('rejects bad options with OptionError before any model call', async () => {
    const m = model();
    const bad: Array<[object, RegExp]> = [
      [{ score: 'saliency' }, /Unknown token score 'saliency'/],
      [{ score: 'integrated-gradients' }, /needs a baseline token: give padTokenId/],
      [{ steps: 10 }, /steps only apply to score 'integrated-gradients'/],
      [{ score: 'integrated-gradients', padTokenId: 0, steps: 0 }, /steps must be an integer >= 1/],
      [{ score: 'integrated-gradients', padTokenId: 0, quadrature: 'simpson' }, /Unknown quadrature 'simpson'/],
      [{ score: 'integrated-gradients', padTokenId: 0, captumTrapezoid: true }, /captumTrapezoid only applies/],
      [{ score: 'integrated-gradients', padTokenId: 0, keepInBaseline: [1.5] }, /keepInBaseline\[0\] must be a token id/],
      [{ padTokenId: -1 }, /padTokenId must be a token id/],
      [{ perDimension: 'yes' }, /perDimension must be true or false/],
      [{ batchSize: 0 }, /batchSize must be a positive integer/],
    ];
    for (const [options, message] of bad) {
      const attempt = tokenSaliency.attribute(m, ids, options);
      await expect(attempt).rejects.toThrow(OptionError);
      await expect(tokenSaliency.attribute(m, ids, options)).rejects.toThrow(message);
    }
    expect(m.calls).toBe(0);
  });

  it('rejects bad ids with ShapeError, tokens that do not fit them with OptionError, and models that are not token models', async () => {
    const m = model();
    await expect(tokenSaliency.attribute(m, tensor([1, 2.5], [1, 2]), { target: 0 })).rejects.toThrow(ShapeError);
    await expect(tokenSaliency.attribute(m, tensor([1, 2, 3], [3]), { target: 0 })).rejects.toThrow(/give \[batch, tokens\]/);
    await expect(tokenSaliency.attribute(m, ids, { target: 0, tokens: [words[0]!] })).rejects.toThrow(OptionError);
    await expect(tokenSaliency.attribute(m, ids, { target: 0, tokens: [words[0]!] })).rejects.toThrow(/one array of strings per example \(3\)/);
    await expect(tokenSaliency.attribute(m, ids, { target: 0, tokens: [words[0]!, words[1]!, ['x']] })).rejects.toThrow(/tokens\[2\] must be 6 strings/);
    const tabular = createTabularModel({ features: 6, classes: 3 });
    await expect(tokenSaliency.attribute(tabular, ids, { target: 0 })).rejects.toThrow(/layout is 'NC'/);
    expect(m.calls).toBe(0);
  });

  it('names what a model lacks with CapabilityError', async () => {
    const noEmbeddings = createTokenModel({ capabilities: ['logits', 'embeddingGradients'] });
    await expect(tokenGradL2.attribute(noEmbeddings, ids, { target: 0 })).resolves.toBeDefined();
    await expect(tokenGradXEmbedding.attribute(noEmbeddings, ids, { target: 0 })).rejects.toThrow(CapabilityError);
    await expect(tokenGradXEmbedding.attribute(noEmbeddings, ids, { target: 0 })).rejects.toThrow(/needs embeddings/);
    const forwardOnly = createTokenModel({ capabilities: ['logits', 'embeddings'] });
    await expect(tokenSaliency.attribute(forwardOnly, ids, { target: 0 })).rejects.toThrow(/embeddingGradients/);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    const m = createTokenModel({ vocab: 16, dim: D, onRun: () => (m.calls === 3 ? controller.abort() : undefined) });
    const attempt = tokenIntegratedGradients.attribute(m, ids, { target: 0, padTokenId: 0, steps: 20, batchSize: 4, signal: controller.signal });
    await expect(attempt).rejects.toThrow(AbortError);
    expect(m.calls).toBe(3);
    expect(m.liveAllocations).toBe(0);
  });
});
