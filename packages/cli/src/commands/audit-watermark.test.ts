import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salience, scratch } from '../../test/cli-harness.js';
import type { AuditSummary } from '../audit/summary.js';

/**
 * The planted shortcut (tools/train-watermark-shortcut.py): the built-in architecture trained on
 * Fashion-MNIST where a 4x4 white square in the bottom-right corner (rows and columns 23..26)
 * marks 90% of the Shirts and no other image (shortcut.onnx), or 10% of every class (clean.onnx).
 * Both are audited with the default methods (gradient and integrated gradients) on clean/ (the
 * shortcut's training distribution) and shifted/ (the mark on half of every class), with
 * onnxruntime-node; then the two models side by side.
 */
const fixtures = fileURLToPath(new URL('../../test/fixtures/watermark/', import.meta.url));
const SHIRT = 6;

function truth(set: string): { file: string; label: number; watermark: boolean }[] {
  const [, ...rows] = readFileSync(`${fixtures}${set}/truth.csv`, 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [file, label, watermark] = row.split(',') as [string, string, string];
    return { file, label: Number(label), watermark: watermark === '1' };
  });
}

describe('salience audit on a planted watermark shortcut', () => {
  const tmp = scratch();
  const runs: Record<string, AuditSummary> = {};
  const data = [`${fixtures}clean/`, '--truth', `${fixtures}clean/truth.csv`, '--labels', `${fixtures}labels.txt`];
  const shifted = ['--shifted', `${fixtures}shifted/`, '--shifted-truth', `${fixtures}shifted/truth.csv`];

  beforeAll(async () => {
    const audits: Record<string, string[]> = {
      shortcut: ['--model', `${fixtures}shortcut.onnx`, ...shifted],
      clean: ['--model', `${fixtures}clean.onnx`, ...shifted],
      sideBySide: ['--model', `${fixtures}shortcut.onnx`, '--compare-model', `${fixtures}clean.onnx`, '--method', 'ig', '--top', '20'],
    };
    for (const [name, args] of Object.entries(audits)) {
      const run = await salience(['audit', '--data', ...data, ...args, '--json', '--out', tmp.path(name)]);
      if (run.code !== 0) throw new Error(`The ${name} audit failed (${run.code}): ${run.stderr}`);
      runs[name] = run.json<AuditSummary>();
    }
    // About 28 s on a quiet 2-core machine and 220 s at load 16: the budget holds past that.
  }, 600_000);
  afterAll(() => tmp.remove());

  it('reads the fixtures as the tools script wrote them', () => {
    const training = JSON.parse(readFileSync(`${fixtures}training.json`, 'utf8')) as { auditSets: Record<string, { images: number }> };
    for (const s of [runs.shortcut, runs.clean]) {
      expect(s!.datasets.map((d) => [d.name, d.count, d.labelled])).toEqual([
        ['clean', training.auditSets.clean!.images, training.auditSets.clean!.images],
        ['shifted', training.auditSets.shifted!.images, training.auditSets.shifted!.images],
      ]);
      expect(s!.models[0]).toMatchObject({ format: 'onnx', layout: 'NCHW' });
      expect(s!.classNames?.[SHIRT]).toBe('Shirt');
      expect(s!.configuration.methods.map((m) => m.name)).toEqual(['gradient', 'ig']);
    }
  });

  it("flags Shirt's saliency in the bottom-right corner for the shortcut model, and nothing else", () => {
    const found = runs.shortcut!.findings.map((f) => [f.method, f.dataset, f.className, f.region]);
    expect(found).toContainEqual(['ig', 'clean', 'Shirt', 'bottom-right']);
    expect(found).toContainEqual(['ig', 'shifted', 'Shirt', 'bottom-right']);
    for (const f of runs.shortcut!.findings) {
      expect([f.class, f.region]).toEqual([SHIRT, 'bottom-right']);
      expect(f.lift).toBeGreaterThan(4);
      expect(f.share / (f.othersShare ?? 1)).toBeGreaterThan(5);
      expect(f.text).toMatch(/^Shirt: \d+% of ig saliency lies in the bottom-right corner/);
    }
  });

  it('flags nothing for the cleanly trained model', () => {
    expect(runs.clean!.findings).toEqual([]);
  });

  /** Shirt's mean share of its saliency in the bottom-right corner, and the other classes' mean share there. */
  function shirtCorner(model: string, dataset: string, method: string): { share: number; others: number; area: number } {
    const s = runs[model]!;
    const group = s.groups.find((g) => g.dataset === dataset)?.methods[method];
    if (!group) throw new Error(`no ${method} maps of ${model} on ${dataset}`);
    const shirt = group.classes.find((c) => c.class === SHIRT);
    const total = group.classes.reduce((n, c) => n + c.count, 0);
    const count = shirt?.count ?? 0;
    const share = shirt?.shares['bottom-right'] ?? 0;
    const others = (group.all['bottom-right']! * total - share * count) / (total - count);
    return { share, others, area: s.configuration.regions[method]!['bottom-right']! };
  }

  // The plain gradient shows the shortcut too, below the finding threshold (its mass is spread
  // thin over the image): 2.8x the corner's area on clean/, 2.5x on shifted/.
  it("measures Shirt's gradient saliency in the corner for the shortcut model only", () => {
    for (const dataset of ['clean', 'shifted']) {
      const shortcut = shirtCorner('shortcut', dataset, 'gradient');
      const clean = shirtCorner('clean', dataset, 'gradient');
      expect(shortcut.share / shortcut.area).toBeGreaterThan(2.25);
      expect(shortcut.share / shortcut.others).toBeGreaterThan(4);
      expect(shortcut.share / clean.share).toBeGreaterThan(4);
      expect(clean.share / clean.area).toBeLessThan(1);
    }
  });

  it("makes X -> Shirt most of the shortcut model's mistakes on shifted data", () => {
    const group = runs.shortcut!.groups.find((g) => g.dataset === 'shifted');
    const mistakes = group?.confusion.reduce((n, p) => n + p.count, 0) ?? 0;
    const toShirt = group?.confusion.filter((p) => p.predicted === SHIRT).reduce((n, p) => n + p.count, 0) ?? 0;
    expect(toShirt / mistakes).toBeGreaterThan(0.5);
    expect(group?.confusion[0]?.predicted).toBe(SHIRT);
    const clean = runs.shortcut!.groups.find((g) => g.dataset === 'clean');
    expect(clean!.accuracy! - group!.accuracy!).toBeGreaterThan(0.2);
  });

  it('shows the two models disagreeing most on the watermarked shirts', () => {
    const [comparison] = runs.sideBySide!.comparisons;
    expect([comparison!.first, comparison!.second, comparison!.method]).toEqual(['shortcut', 'clean', 'ig']);
    const rows = truth('clean');
    const least = comparison!.leastSimilar;
    expect(least).toHaveLength(20);
    const marked = least.filter((e) => rows[e.index]!.watermark).length;
    // 36 of the 400 images carry the mark (all of them shirts, 9%); among the 20 least similar
    // they are several times as common (measured: 10 of 20, and the least similar of all).
    const baseRate = rows.filter((r) => r.watermark).length / rows.length;
    expect(marked / least.length).toBeGreaterThan(4 * baseRate);
    expect(rows[least[0]!.index]!.watermark).toBe(true);
    const shirt = comparison!.classes.find((c) => c.class === SHIRT)!.meanSimilarity;
    const others = comparison!.classes.filter((c) => c.class !== SHIRT).map((c) => c.meanSimilarity);
    expect(shirt).toBeLessThan(Math.min(...others));
  });
});
