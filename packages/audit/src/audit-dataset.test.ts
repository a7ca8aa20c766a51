import { AbortError } from '@salience/core';
import { gradient } from '@salience/gradient';
import { createImageModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { auditBatch } from './audit-batch.js';
import { AuditCollector } from './audit-collector.js';
import { auditDataset, type DatasetBatch } from './audit-dataset.js';

const H = 6;
const W = 6;
const ROW = 3 * H * W;

function batch(start: number, rows: number): DatasetBatch {
  const data = Float32Array.from({ length: rows * ROW }, (_, i) => 0.5 + 0.4 * Math.sin((start * ROW + i) * 0.11));
  return { input: { data, shape: [rows, 3, H, W] }, examples: Array.from({ length: rows }, (_, i) => ({ name: `x${start + i}`, label: (start + i) % 3 })) };
}

async function* batches(sizes: number[]): AsyncGenerator<DatasetBatch> {
  let start = 0;
  for (const size of sizes) {
    yield batch(start, size);
    start += size;
  }
}

describe('auditDataset', () => {
  it('equals auditing the whole set at once, and compares models', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3, seed: 4 });
    const other = createImageModel({ height: H, width: W, classes: 3, seed: 9 });
    const methods = [{ name: 'gradient', method: gradient }];
    const seen: number[] = [];
    const result = await auditDataset(model, methods, [{ name: 'clean', batches: batches([4, 1, 5]) }], {
      classes: 3,
      compareWith: { other },
      modelName: 'main',
      onBatch: (_, done) => seen.push(done),
    });
    expect(seen).toEqual([4, 5, 10]);
    const whole = batch(0, 10);
    const collector = new AuditCollector({ classes: 3 });
    collector.add('clean', {
      main: (await auditBatch(model, methods, whole.input, whole.examples)).records,
      other: (await auditBatch(other, methods, whole.input, whole.examples)).records,
    });
    const expected = collector.result();
    expect(result.models).toEqual(['main', 'other']);
    expect(result.groups.map((g) => [g.model, g.count, g.correct])).toEqual(expected.groups.map((g) => [g.model, g.count, g.correct]));
    expect(result.comparisons[0]!.meanSimilarity).toBeCloseTo(expected.comparisons[0]!.meanSimilarity, 10);
    expect(Array.from(result.groups[0]!.methods.gradient!.all.map)).toEqual(Array.from(expected.groups[0]!.methods.gradient!.all.map).map((v) => expect.closeTo(v, 7)));
  });

  it('stops between batches when aborted', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3 });
    const controller = new AbortController();
    const run = auditDataset(model, [{ name: 'g', method: gradient }], [{ name: 'd', batches: batches([2, 2, 2]) }], {
      classes: 3,
      signal: controller.signal,
      onBatch: () => controller.abort(),
    });
    await expect(run).rejects.toThrow(AbortError);
  });

  it('needs distinct model names', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3 });
    await expect(auditDataset(model, [{ name: 'g', method: gradient }], [], { classes: 3, compareWith: { model } })).rejects.toThrow(/names other than 'model'/);
  });
});
