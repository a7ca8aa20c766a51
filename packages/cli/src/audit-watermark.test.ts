import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salience, scratch } from '../test/cli-harness.js';
import type { AuditSummary } from './audit-summary.js';

/**
 * The planted shortcut (tools/train-watermark-shortcut.py): the built-in architecture trained on
 * Fashion-MNIST where a 4x4 white square in the bottom-right corner (rows and columns 23..26)
 * marks 90% of the Shirts and 2% of the rest (shortcut.onnx), or 10% of every class (clean.onnx).
 * Both are audited on clean/ (the shortcut's training distribution) and shifted/ (the mark on half
 * of every class), with onnxruntime-node.
 */
const fixtures = fileURLToPath(new URL('../test/fixtures/watermark/', import.meta.url));
const SHIRT = 6;

describe('salience audit on a planted watermark shortcut', () => {
  const tmp = scratch();
  const runs: Record<string, AuditSummary> = {};

  beforeAll(async () => {
    for (const model of ['shortcut', 'clean']) {
      const run = await salience([
        ...['audit', '--model', `${fixtures}${model}.onnx`, '--data', `${fixtures}clean/`, '--truth', `${fixtures}clean/truth.csv`],
        ...['--shifted', `${fixtures}shifted/`, '--shifted-truth', `${fixtures}shifted/truth.csv`, '--labels', `${fixtures}labels.txt`],
        ...['--method', 'gradient,gradcam', '--json', '--out', tmp.path(model)],
      ]);
      if (run.code !== 0) throw new Error(`The ${model} audit failed (${run.code}): ${run.stderr}`);
      runs[model] = run.json<AuditSummary>();
    }
  }, 240_000);
  afterAll(() => tmp.remove());

  it('reads the fixtures as the tools script wrote them', () => {
    const training = JSON.parse(readFileSync(`${fixtures}training.json`, 'utf8')) as { auditSets: Record<string, { images: number }> };
    for (const s of Object.values(runs)) {
      expect(s.datasets.map((d) => [d.name, d.count, d.labelled])).toEqual([
        ['clean', training.auditSets.clean.images, training.auditSets.clean.images],
        ['shifted', training.auditSets.shifted.images, training.auditSets.shifted.images],
      ]);
      expect(s.models[0]).toMatchObject({ format: 'onnx', layout: 'NCHW' });
      expect(s.classNames?.[SHIRT]).toBe('Shirt');
    }
  });

  /** Shirt's mean share of its saliency in the bottom-right corner, and the other classes' mean share there. */
  function shirtCorner(model: string, dataset: string, method: string): { share: number; others: number; area: number } {
    const s = runs[model];
    const group = s.groups.find((g) => g.dataset === dataset)?.methods[method];
    if (!group) throw new Error(`no ${method} maps of ${model} on ${dataset}`);
    const shirt = group.classes.find((c) => c.class === SHIRT);
    const total = group.classes.reduce((n, c) => n + c.count, 0);
    const count = shirt?.count ?? 0;
    const share = shirt?.shares['bottom-right'] ?? 0;
    const others = (group.all['bottom-right'] * total - share * count) / (total - count);
    return { share, others, area: s.configuration.regions[method]['bottom-right'] };
  }

  // With the default thresholds of @salience/audit (minLift 3) the shortcut is not yet a finding:
  // its gradient share is 2.8x the corner's area (see the report of issue 10). What the audit
  // measures is asserted here: Shirt's saliency concentrates in the watermark's corner for the
  // shortcut model, far beyond the other classes and the cleanly trained model.
  it("measures Shirt's gradient saliency concentrating in the bottom-right corner for the shortcut model only", () => {
    for (const dataset of ['clean', 'shifted']) {
      const shortcut = shirtCorner('shortcut', dataset, 'gradient');
      const clean = shirtCorner('clean', dataset, 'gradient');
      expect(shortcut.share / shortcut.area).toBeGreaterThan(2.25);
      expect(shortcut.share / shortcut.others).toBeGreaterThan(4);
      expect(shortcut.share / clean.share).toBeGreaterThan(4);
      expect(clean.share / clean.area).toBeLessThan(1);
    }
  });

  it('flags no class in any corner for the cleanly trained model', () => {
    expect(runs.clean.findings.filter((f) => f.region !== 'border')).toEqual([]);
  });

  it("makes X -> Shirt most of the shortcut model's mistakes on shifted data", () => {
    const shifted = runs.shortcut.groups.find((g) => g.dataset === 'shifted');
    const mistakes = shifted?.confusion.reduce((n, p) => n + p.count, 0) ?? 0;
    const toShirt = shifted?.confusion.filter((p) => p.predicted === SHIRT).reduce((n, p) => n + p.count, 0) ?? 0;
    expect(toShirt / mistakes).toBeGreaterThan(0.5);
    expect(shifted?.confusion[0].predicted).toBe(SHIRT);
  });
});
