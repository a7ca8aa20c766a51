import { tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { linearModel } from '../../test/linear-model.js';
import { deletionVerdict } from '../checks/verdicts.js';
import { inputGrid, toMaps2d } from './maps.js';
import { perturbationCurves } from './perturbation-curves.js';
import { defaultBlurSigma, replacementOf } from './replacement.js';

const model = linearModel('NC', [6], 2, 3);
const X = tensor([0.5, 1.2, -0.7, 0.9, 0.3, -1.1, 1, -0.4, 0.8, 0.6, -0.9, 0.2], [2, 6]);
const TARGETS = Int32Array.from([1, 0]);
const grid = inputGrid(X, 'NC', 'test');

/** Each feature's contribution to the target logit: x_i w_i. */
function contributions(e: number): number[] {
  return Array.from({ length: 6 }, (_, i) => X.data[e * 6 + i]! * model.W[TARGETS[e]! * 6 + i]!);
}

const contributionMaps = toMaps2d({ values: tensor([...contributions(0), ...contributions(1)], [2, 6]), layout: 'NC' });

describe('deletion and insertion curves', () => {
  it("follow the target logit of a linear model as features are removed or inserted in the map's order", async () => {
    const curves = await perturbationCurves(model, X, grid, contributionMaps, TARGETS, { steps: 6, objective: 'logit' });
    expect(Array.from(curves.deletion.most.fractions)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => Math.fround(k / 6)));
    for (const [name, order] of [
      ['most', (a: number, b: number) => b - a],
      ['least', (a: number, b: number) => a - b],
    ] as const) {
      const expectedDeletion = new Array(7).fill(0);
      const expectedInsertion = new Array(7).fill(0);
      for (let e = 0; e < 2; e++) {
        const sorted = contributions(e).sort(order);
        const bias = model.b[TARGETS[e]!]!;
        for (let k = 0; k <= 6; k++) {
          expectedDeletion[k] += (bias + sorted.slice(k).reduce((s, v) => s + v, 0)) / 2;
          expectedInsertion[k] += (bias + sorted.slice(0, k).reduce((s, v) => s + v, 0)) / 2;
        }
      }
      for (let k = 0; k <= 6; k++) {
        expect(curves.deletion[name].scores[k]).toBeCloseTo(expectedDeletion[k], 5);
        expect(curves.insertion[name].scores[k]).toBeCloseTo(expectedInsertion[k], 5);
      }
    }
    // Removing the most positive contributions first lowers the logit fastest.
    expect(curves.deletion.most.auc).toBeLessThan(curves.deletion.random.auc);
    expect(curves.deletion.random.auc).toBeLessThan(curves.deletion.least.auc);
    const mean = (curves.deletion.most.aucPerExample[0]! + curves.deletion.most.aucPerExample[1]!) / 2;
    expect(curves.deletion.most.auc).toBeCloseTo(mean, 5);
    const s = curves.deletion.most.scores;
    const trapezoid = Array.from({ length: 6 }, (_, k) => (s[k]! + s[k + 1]!) / 12).reduce((a, b) => a + b, 0);
    expect(curves.deletion.most.auc).toBeCloseTo(trapezoid, 5);
    expect(curves).toMatchObject({ features: 6, steps: 6, replacement: 'zero', randomOrders: 4, objective: 'logit', rankBy: 'value', modelRows: 2 * (2 + 2 * 6 * 5) });
  });

  it('passes the deletion rule with the contributions and fails it with the map turned around', async () => {
    const good = await perturbationCurves(model, X, grid, contributionMaps, TARGETS, { steps: 6, objective: 'logit' });
    expect(deletionVerdict('good', good, 0.05).verdict.passed).toBe(true);
    const reversed = toMaps2d({
      values: tensor(
        [...contributions(0), ...contributions(1)].map((v) => -v),
        [2, 6],
      ),
      layout: 'NC',
    });
    const bad = await perturbationCurves(model, X, grid, reversed, TARGETS, { steps: 6, objective: 'logit' });
    const { verdict, insertionPassed } = deletionVerdict('bad', bad, 0.05);
    expect(verdict).toMatchObject({ check: 'deletion', method: 'bad', passed: false });
    expect(verdict.rule).toMatch(/most relevant first .* is not <= random/);
    expect(insertionPassed).toBe(false);
    // By absolute value, the reversed map ranks like the original.
    const byAbsolute = await perturbationCurves(model, X, grid, reversed, TARGETS, { steps: 6, objective: 'logit', rankBy: 'absolute' });
    expect(byAbsolute.deletion.most.auc).not.toBe(bad.deletion.most.auc);
  });

  it('gives the same curves in batches of any size, with seeded random orders', async () => {
    model.largestBatch = 0;
    const calls = model.calls;
    const small = await perturbationCurves(model, X, grid, contributionMaps, TARGETS, { steps: 4, batchSize: 5, seed: 3 });
    expect(model.largestBatch).toBeLessThanOrEqual(5);
    expect(model.calls - calls).toBe(small.modelCalls);
    expect(small.modelCalls).toBe(Math.ceil(small.modelRows / 5));
    const large = await perturbationCurves(model, X, grid, contributionMaps, TARGETS, { steps: 4, batchSize: 1000, seed: 3 });
    expect(Array.from(large.deletion.random.scores)).toEqual(Array.from(small.deletion.random.scores));
    const other = await perturbationCurves(model, X, grid, contributionMaps, TARGETS, { steps: 4, seed: 4 });
    expect(Array.from(other.deletion.random.scores)).not.toEqual(Array.from(small.deletion.random.scores));
    expect(Array.from(other.deletion.most.scores)).toEqual(Array.from(small.deletion.most.scores));
  });

  it('removes square patches of images, every channel of a pixel at once', async () => {
    const image = linearModel('NHWC', [5, 5, 2], 2, 9);
    const x = tensor(
      Array.from({ length: 50 }, (_, i) => 1 + (i % 7) * 0.1),
      [1, 5, 5, 2],
    );
    const imageGrid = inputGrid(x, 'NHWC', 'test');
    const maps = toMaps2d({
      values: tensor(
        Array.from({ length: 25 }, (_, p) => p),
        [1, 5, 5],
      ),
      layout: 'NHW',
    });
    const curves = await perturbationCurves(image, x, imageGrid, maps, Int32Array.of(0), { features: { patch: 2 }, steps: 9, objective: 'logit' });
    expect(curves.features).toBe(9);
    // Patch relevance is the sum of its pixels: the block of pixels 12, 13, 17, 18 (sum 60) beats
    // the truncated patches of the last row (45) and column (33). Removing it removes both channels.
    const logit = (input: Float32Array) => image.logitsOf(input)[0];
    const without = Float32Array.from(x.data);
    for (const p of [12, 13, 17, 18]) without.fill(0, 2 * p, 2 * p + 2);
    expect(curves.deletion.most.scores[1]).toBeCloseTo(logit(without)!, 4);
    await expect(perturbationCurves(image, x, imageGrid, maps, Int32Array.of(0), { features: { patch: 0 } })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    await expect(perturbationCurves(image, x, imageGrid, maps, Int32Array.of(0), { steps: 0 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    await expect(perturbationCurves(image, x, imageGrid, maps, Int32Array.of(0), { rankBy: 'sign' as never })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
  });
});

describe('replacements', () => {
  const x = tensor(
    Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => (i % 2 === 0 ? 1 : 3) + (i % 5)),
    [2, 4, 4, 2],
  );
  const imageGrid = inputGrid(x, 'NHWC', 'test');

  it("fills zeros, each channel's mean of the example, or a Gaussian blur of each channel", () => {
    expect(replacementOf(x, imageGrid, 'zero').data.every((v) => v === 0)).toBe(true);
    const mean = replacementOf(x, imageGrid, 'mean');
    for (let e = 0; e < 2; e++) {
      for (let c = 0; c < 2; c++) {
        let expected = 0;
        for (let p = 0; p < 16; p++) expected += x.data[e * 32 + p * 2 + c]! / 16;
        for (let p = 0; p < 16; p++) expect(mean.data[e * 32 + p * 2 + c]).toBeCloseTo(expected, 5);
      }
    }
    const constant = tensor(new Float32Array(32).fill(2), [1, 4, 4, 2]);
    expect(replacementOf(constant, inputGrid(constant, 'NHWC', 'test'), 'blur').data.every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
    const blurred = replacementOf(x, imageGrid, 'blur', 1);
    const spread = (d: Float32Array) => Math.max(...d) - Math.min(...d);
    expect(spread(blurred.data.subarray(0, 32).filter((_, i) => i % 2 === 0))).toBeLessThan(spread(x.data.subarray(0, 32).filter((_, i) => i % 2 === 0)));
    expect(defaultBlurSigma({ height: 24, width: 24 })).toBe(3);
    expect(defaultBlurSigma({ height: 4, width: 4 })).toBe(1);
  });

  it('blurs images only', () => {
    expect(() => replacementOf(X, grid, 'blur')).toThrow(/Blur replacement is for images/);
    expect(() => replacementOf(x, imageGrid, 'noise' as never)).toThrow(expect.objectContaining({ name: 'OptionError' }));
    expect(() => replacementOf(x, imageGrid, 'blur', 0)).toThrow(expect.objectContaining({ name: 'OptionError' }));
  });
});
