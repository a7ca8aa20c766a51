import type { Model, ModelOutputs, ModelRequest, OutputName, TensorData } from '@salience/core';
import { createRng } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { drawMask, maskGeometry } from './masks.js';
import { rise } from './rise.js';

/** logits_c = W_c . x over a [1, 6, 5] NCHW image: known, linear, forward-only. */
function linearImageModel(W: Float32Array[]): Model {
  return {
    layout: 'NCHW',
    inputShape: [null, 1, 6, 5],
    capabilities: new Set<OutputName>(['logits']),
    layers: () => [],
    async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      const rows = request.input.shape[0];
      const logits = new Float32Array(rows * W.length);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < W.length; c++) {
          let s = 0;
          for (let i = 0; i < 30; i++) s += W[c][i] * request.input.data[r * 30 + i];
          logits[r * W.length + c] = s;
        }
      }
      return { logits: { data: logits, shape: [rows, W.length] } } as unknown as Pick<ModelOutputs, K>;
    },
    dispose() {},
  };
}

const ones = (rows: number): TensorData => ({ data: new Float32Array(rows * 30).fill(1), shape: [rows, 1, 6, 5] });

describe('RISE masks', () => {
  it('are smooth values in [0, 1] whose mean is the keep probability', () => {
    const rng = createRng(3);
    const g = maskGeometry(12, 10, 4);
    expect(g).toEqual({ height: 12, width: 10, gridH: 4, gridW: 4, cellH: 3, cellW: 3 });
    const mask = new Float32Array(120);
    const grid = new Float32Array(16);
    let sum = 0;
    let [low, high] = [Infinity, -Infinity];
    let biggestStep = 0;
    for (let i = 0; i < 2000; i++) {
      drawMask(rng, g, 0.3, grid, mask);
      for (let k = 0; k < 120; k++) {
        [low, high] = [Math.min(low, mask[k]), Math.max(high, mask[k])];
        sum += mask[k];
        if (k % 10 > 0) biggestStep = Math.max(biggestStep, Math.abs(mask[k] - mask[k - 1]));
      }
    }
    expect([low, high]).toEqual([0, 1]);
    expect(sum / (2000 * 120)).toBeCloseTo(0.3, 1);
    // Bilinear upsampling of cells wider than 3 pixels: no jump from 0 to 1 between neighbours.
    expect(biggestStep).toBeLessThanOrEqual(1 / 3 + 1e-6);
  });

  it('are one value over the whole image when the grid has one cell', () => {
    const mask = drawMask(createRng(1), maskGeometry(6, 5, 1), 0.5, new Float32Array(1), new Float32Array(30));
    expect(new Set(mask).size).toBe(1);
  });
});

describe('rise', () => {
  it('is sum_i f(x * M_i + fill (1 - M_i)) M_i / (masks * keepProbability), with the masks drawn in order', async () => {
    const rng = createRng(9);
    const W = [rng.fillNormal(new Float32Array(30)), rng.fillNormal(new Float32Array(30))];
    const model = linearImageModel(W);
    const input = { data: createRng(2).fillNormal(new Float32Array(60)), shape: [2, 1, 6, 5] };
    const options = { masks: 25, gridSize: 3, keepProbability: 0.6, fill: 0.5, seed: 4, objective: 'logit' as const, target: [1, 0], batchSize: 3 };
    const a = await rise.attribute(model, input, options);

    const draws = createRng(4);
    const g = maskGeometry(6, 5, 3);
    const mask = new Float32Array(30);
    const expected = new Float64Array(60);
    for (let i = 0; i < 25; i++) {
      drawMask(draws, g, 0.6, new Float32Array(9), mask);
      for (let e = 0; e < 2; e++) {
        let f = 0;
        for (let k = 0; k < 30; k++) f += W[options.target[e]][k] * (input.data[e * 30 + k] * mask[k] + 0.5 * (1 - mask[k]));
        for (let k = 0; k < 30; k++) expected[e * 30 + k] += (f * mask[k]) / (25 * 0.6);
      }
    }
    expect(a.values.shape).toEqual([2, 6, 5]);
    expect(a.layout).toBe('NHW');
    a.values.data.forEach((v, k) => {
      expect(v).toBeCloseTo(expected[k], 4);
    });
    expect(a.meta).toMatchObject({ masks: 25, gridSize: 3, keepProbability: 0.6, fill: 0.5, seed: 4, objective: 'logit', grid: [3, 3], modelCalls: 17, modelRows: 50 });
  });

  it('finds the region that the class looks at', async () => {
    // Class 0 sums the top-left 2 x 2 pixels, class 1 the bottom-right ones.
    const patch = (rows: number[], cols: number[]) => Float32Array.from({ length: 30 }, (_, i) => (rows.includes(Math.floor(i / 5)) && cols.includes(i % 5) ? 1 : 0));
    const model = linearImageModel([patch([0, 1], [0, 1]), patch([4, 5], [3, 4])]);
    const a = await rise.attribute(model, ones(1), { target: { classes: [0, 1] }, masks: 500, gridSize: 3, objective: 'logit' });
    const mean = (map: number, inside: (i: number) => boolean) => {
      const v = Array.from(a.values.data.subarray(map * 30, (map + 1) * 30)).filter((_, i) => inside(i));
      return v.reduce((s, x) => s + x, 0) / v.length;
    };
    const topLeft = (i: number) => Math.floor(i / 5) < 2 && i % 5 < 2;
    const bottomRight = (i: number) => Math.floor(i / 5) > 3 && i % 5 > 2;
    // Every map carries the mean score as an offset; the class's own region stands out above it.
    expect(mean(0, topLeft) - mean(0, bottomRight)).toBeGreaterThan(0.15 * mean(0, topLeft));
    expect(mean(1, bottomRight) - mean(1, topLeft)).toBeGreaterThan(0.15 * mean(1, bottomRight));
  });

  it('says what to do with token models and objectives it cannot score', async () => {
    const tokens: Model = { ...linearImageModel([]), layout: 'tokens', inputShape: [null, 4] };
    await expect(rise.attribute(tokens, { data: new Float32Array(4), shape: [1, 4] })).rejects.toThrow(/token ids cannot be blended/);
    await expect(rise.attribute(linearImageModel([new Float32Array(30)]), ones(1), { objective: { kind: 'cross-entropy' } })).rejects.toThrow(
      /'logit', 'probability', 'log-probability'/,
    );
  });
});
