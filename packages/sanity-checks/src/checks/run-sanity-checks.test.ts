import type { Model, RandomizeOptions } from '@salience/core';
import { createRng, tensor } from '@salience/core';
import { gradient } from '@salience/gradient';
import { createImageModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { randomMap, sobelEdges } from './controls.js';
import { reportTable } from './report-table.js';
import { runSanityChecks } from './run-sanity-checks.js';

const SHAPE = { layout: 'NHWC' as const, channels: 1, height: 8, width: 8, classes: 3 };

/** An image fake that can make "randomised" copies: fakes of other seeds. Records copies and disposals. */
function randomizableFake(seed = 2) {
  const copies: { layers: readonly string[]; seed?: number }[] = [];
  let disposed = 0;
  const base = createImageModel({ ...SHAPE, seed });
  const model: Model = Object.assign(base, {
    async randomizedCopy(layers: readonly string[], options?: RandomizeOptions): Promise<Model> {
      copies.push({ layers, seed: options?.seed });
      const copy = createImageModel({ ...SHAPE, seed: 100 + copies.length });
      copy.dispose = () => {
        disposed++;
      };
      return copy;
    },
  });
  return { model, copies, disposed: () => disposed };
}

const INPUT = tensor(createRng(1).fillUniform(new Float32Array(5 * 64)), [5, 8, 8, 1]);
const LABELS = [0, 1, 2, 0, 1];
const MASKS = tensor(
  Array.from({ length: 5 * 64 }, (_, i) => (i % 64 < 16 ? 1 : 0)),
  [5, 8, 8],
);

describe('runSanityChecks', () => {
  it('runs every check whose needs are met and says why it skipped the others', async () => {
    const report = await runSanityChecks(
      createImageModel(SHAPE),
      [gradient, sobelEdges],
      { input: INPUT, labels: LABELS },
      { deletion: { steps: 4 }, infidelity: { samples: 3 }, maxSensitivity: { samples: 2 } },
    );
    expect(report.checks).toEqual(['deletion', 'infidelity', 'max-sensitivity']);
    expect(report.skipped).toEqual([
      { check: 'parameter-randomization', reason: 'the model cannot make randomised copies (its adapter has no randomizedCopy)' },
      { check: 'label-randomization', reason: 'no labelRandomization.trainer was given' },
      { check: 'localization', reason: 'no data.masks were given' },
    ]);
    expect(report.targetSource).toBe('labels');
    expect(Array.from(report.targets)).toEqual(LABELS);
    expect(report.methods.map((m) => m.name)).toEqual(['gradient', 'sobel-edges']);
    expect(report.verdicts.map((v) => `${v.method}/${v.check}`)).toEqual([
      'gradient/deletion',
      'gradient/infidelity',
      'gradient/max-sensitivity',
      'sobel-edges/deletion',
      'sobel-edges/infidelity',
      'sobel-edges/max-sensitivity',
    ]);
    const infid = report.methods[0]!.infidelity!;
    expect(infid).toMatchObject({ normalize: true, samples: 3 });
    expect(infid.verdict).toMatchObject({ passed: null, threshold: null });
    expect(infid.verdict.rule).toMatch(/normalised infidelity \(3 Gaussian perturbations of std 0.003\)/);
    // The edge detector ignores the model: its maps do not change under small noise any more than the input does.
    expect(report.methods[1]!.maxSensitivity!.perExample.length).toBe(5);
  });

  it('compares the maps of randomised copies, cascading and layer by layer, and disposes every copy', async () => {
    const fake = randomizableFake();
    const report = await runSanityChecks(fake.model, [gradient, sobelEdges], { input: INPUT, labels: LABELS }, { checks: ['parameter-randomization'], seed: 5 });
    // The fake has one layer with weights ('features'); cascading and independent both randomise it.
    expect(fake.copies).toEqual([
      { layers: ['features'], seed: 5 },
      { layers: ['features'], seed: 5 },
    ]);
    expect(fake.disposed()).toBe(2);
    const [grad, edges] = report.methods;
    expect(grad!.parameterRandomization!.layers).toEqual(['features']);
    expect(grad!.parameterRandomization!.cascading.map((s) => s.randomized)).toEqual([['features']]);
    expect(grad!.parameterRandomization!.independent.map((s) => s.layer)).toEqual(['features']);
    // The edge detector gives the same maps for any model: similarity 1, so it fails.
    expect(edges!.parameterRandomization!.full).toEqual({ spearmanAbs: 1, spearmanSigned: 1, ssim: 1, topK: 1 });
    expect(edges!.parameterRandomization!.verdict).toMatchObject({ passed: false, value: 1, threshold: 0.6 });
    expect(edges!.parameterRandomization!.verdict.rule).toBe('mean spearmanAbs between the maps of the trained model and of every one of the 1 layers randomised: 1.000 > 0.600');
    expect(grad!.parameterRandomization!.full.spearmanAbs).toBeLessThan(1);
  });

  it('trains on shuffled labels (and true ones when asked), compares, and disposes what it trained', async () => {
    const trained: { labels: Int32Array; disposed: boolean }[] = [];
    const trainer = async (labels: Int32Array) => {
      const record = { labels, disposed: false };
      trained.push(record);
      const model = createImageModel({ ...SHAPE, seed: 50 + trained.length });
      model.dispose = () => {
        record.disposed = true;
      };
      return model;
    };
    const training = { input: INPUT, labels: [0, 0, 1, 1, 2] };
    const report = await runSanityChecks(
      createImageModel(SHAPE),
      [gradient, sobelEdges],
      { input: INPUT, labels: LABELS, training },
      {
        checks: ['label-randomization'],
        labelRandomization: { trainer, reference: 'retrained', maxSimilarity: 0.9 },
      },
    );
    expect(trained).toHaveLength(2);
    expect(Array.from(trained[0]!.labels).sort()).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(trained[1]!.labels)).toEqual([0, 0, 1, 1, 2]);
    expect(trained.every((t) => t.disposed)).toBe(true);
    const edges = report.methods[1]!.labelRandomization!;
    expect(edges).toMatchObject({ reference: 'retrained', verdict: { passed: false, value: 1, threshold: 0.9 } });
    expect(edges.accuracy!.reference).toBeGreaterThanOrEqual(0);
  });

  it('scores localisation against masks and prints the method x check table', async () => {
    const report = await runSanityChecks(
      createImageModel(SHAPE),
      [gradient, randomMap],
      { input: INPUT, labels: LABELS, masks: MASKS },
      { checks: ['localization', 'deletion'], deletion: { steps: 2, randomOrders: 1 }, localization: { minHitRate: 0.2 } },
    );
    const loc = report.methods[0]!.localization!;
    expect(loc.chance).toBe(0.25);
    expect(loc.verdict.threshold).toBe(0.2);
    expect(loc.verdict.rule).toMatch(/^pointing-game hit rate \d\.\d{3} (>=|<) 0\.200 \(chance 0\.250; relevance mass \d\.\d{3}\)$/);
    const table = reportTable(report);
    const lines = table.split('\n');
    expect(lines[0]).toBe('| method | deletion | pointing game |');
    expect(lines[1]).toBe('| --- | --- | --- |');
    expect(lines[2]).toMatch(/^\| gradient \| (pass|FAIL) -?\d\.\d{3} \| (pass|FAIL) \d\.\d{3} \|$/);
    expect(lines).toHaveLength(4);
  });

  it('reports measurements without a threshold as numbers, and judges them when given one', async () => {
    const report = await runSanityChecks(
      createImageModel(SHAPE),
      [gradient],
      { input: INPUT },
      { checks: ['infidelity'], target: 'predicted', infidelity: { samples: 2, threshold: 1e9, normalize: false } },
    );
    expect(report.targetSource).toBe('predicted');
    expect(report.methods[0]!.infidelity!.verdict).toMatchObject({ passed: true, threshold: 1e9 });
    expect(report.methods[0]!.infidelity!.normalize).toBe(false);
    expect(reportTable(report)).toMatch(/\| gradient \| pass /);
    const unjudged = await runSanityChecks(createImageModel(SHAPE), [gradient], { input: INPUT }, { checks: ['infidelity'], target: 1, infidelity: { samples: 2 } });
    expect(unjudged.targetSource).toBe('given');
    expect(reportTable(unjudged)).toMatch(/^\| gradient \| -?\d/m);
  });

  it('rejects what it cannot run before any work', async () => {
    const model = createImageModel({
      ...SHAPE,
      onRun: () => {
        throw new Error('no model call expected');
      },
    });
    const data = { input: INPUT, labels: LABELS };
    const cases: [unknown[], object, object, RegExp][] = [
      [[], data, {}, /at least one method/],
      [[{ options: {} }], data, {}, /methods\[0\] is not a method/],
      [[gradient], data, { checks: ['nope'] }, /Unknown checks nope/],
      [[gradient], data, { checks: ['label-randomization'] }, /'label-randomization' check cannot run: no labelRandomization.trainer/],
      [[gradient], data, { checks: ['parameter-randomization'] }, /cannot make randomised copies/],
      [[gradient], data, { checks: ['localization'] }, /no data.masks/],
      [[gradient], { input: INPUT, labels: [0, 1] }, {}, /2 labels for 5 examples/],
      [[gradient], data, { parameterRandomization: { measure: 'pearson' } }, /measure must be one of spearmanAbs, spearmanSigned, ssim, topK/],
      [[gradient], data, { deletion: { margin: Number.NaN } }, /deletion.margin must be a finite number/],
      [[gradient], data, { target: [0, 1] }, /2 labels for 5 examples/],
      [[gradient], { input: INPUT }, { target: 'labels' }, /target 'labels' needs data.labels/],
      [[gradient], { ...data, masks: tensor(new Float32Array(64), [1, 8, 8]) }, { checks: ['localization'] }, /data.masks has shape \[1, 8, 8\]/],
      [[gradient], data, { batchSize: 0 }, /batchSize must be a positive integer/],
      [[gradient], data, { similarity: { topKFraction: 2 } }, /topKFraction must be in \(0, 1\]/],
    ];
    for (const [methods, d, options, message] of cases) {
      await expect(runSanityChecks(model, methods as never, d as never, options)).rejects.toThrow(message);
    }
    expect(model.calls).toBe(0);
  });

  it('stops between model calls when aborted', async () => {
    const controller = new AbortController();
    const model = createImageModel({
      ...SHAPE,
      onRun: () => {
        if (model.calls >= 3) controller.abort();
      },
    });
    await expect(runSanityChecks(model, [gradient], { input: INPUT, labels: LABELS }, { signal: controller.signal, checks: ['deletion'] })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
