import { AbortError, type Attribution, type Method, OptionError, TargetError, type TensorData } from '@salience/core';
import { gradient, inputXGradient } from '@salience/gradient';
import { createImageModel } from '@salience/testing';
import { describe, expect, it } from 'vitest';
import { auditBatch } from './audit-batch.js';
import { boxRegion, cornerRegions, outsideRegion } from './regions.js';

const H = 8;
const W = 6;

function input(rows: number, layout: 'NCHW' | 'NHWC' = 'NCHW'): TensorData {
  const data = Float32Array.from({ length: rows * 3 * H * W }, (_, i) => 0.5 + 0.45 * Math.sin(i * 0.37));
  return { data, shape: layout === 'NCHW' ? [rows, 3, H, W] : [rows, H, W, 3] };
}

const methods = [
  { name: 'gradient', method: gradient },
  { name: 'ixg', method: inputXGradient },
];

describe('auditBatch', () => {
  it('keeps one summary per example and method, for the class predicted', async () => {
    const model = createImageModel({ height: H, width: W, classes: 4 });
    const x = input(5);
    const examples = Array.from({ length: 5 }, (_, i) => ({ name: `e${i}`, label: i % 4 }));
    const { records, timeMs } = await auditBatch(model, methods, x, examples, { firstIndex: 10 });
    expect(records.map((r) => r.index)).toEqual([10, 11, 12, 13, 14]);
    expect(Object.keys(timeMs)).toEqual(['gradient', 'ixg']);
    const { logits } = await model.run({ input: x, outputs: ['logits'] });
    for (const [i, r] of records.entries()) {
      const row = Array.from(logits.data.subarray(i * 4, i * 4 + 4));
      expect(r.predicted).toBe(row.indexOf(Math.max(...row)));
      expect(r.target).toBe(r.predicted);
      expect(r.label).toBe(i % 4);
      const exp = row.map((v) => Math.exp(v - Math.max(...row)));
      expect(r.probability).toBeCloseTo(1 / exp.reduce((a, b) => a + b, 0), 6);
      expect(Object.keys(r.maps)).toEqual(['gradient', 'ixg']);
      expect(r.maps.gradient!.thumbnail.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(r.image?.width).toBe(W);
    }
    // The map summarised is the method's own map, channels summed as magnitudes.
    const direct = await gradient.attribute(model, x, { target: records.map((r) => r.target) });
    const first = Array.from({ length: H * W }, (_, p) => [0, 1, 2].reduce((s, c) => s + Math.abs(direct.values.data[c * H * W + p]!), 0));
    const mass = first.reduce((a, b) => a + b, 0);
    expect(records[0]!.maps.gradient!.mass).toBeCloseTo(mass, 4);
    expect(records[0]!.maps.gradient!.thumbnail[7]).toBeCloseTo(first[7]! / mass, 5);
  });

  it('gives the same records in one batch or in several', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3, layout: 'NHWC' });
    const x = input(6, 'NHWC');
    const examples = Array.from({ length: 6 }, (_, i) => ({ name: `e${i}` }));
    const whole = await auditBatch(model, methods, x, examples, { batchSize: 6 });
    const a = await auditBatch(model, methods, { data: x.data.slice(0, 2 * 3 * H * W), shape: [2, H, W, 3] }, examples.slice(0, 2), { batchSize: 1 });
    const b = await auditBatch(model, methods, { data: x.data.slice(2 * 3 * H * W), shape: [4, H, W, 3] }, examples.slice(2), { batchSize: 3, firstIndex: 2 });
    const parts = [...a.records, ...b.records];
    expect(parts.map((r) => r.index)).toEqual(whole.records.map((r) => r.index));
    for (let i = 0; i < 6; i++) {
      expect(parts[i]!.label).toBeNull();
      expect(parts[i]!.maps.ixg!.shares).toEqual(whole.records[i]!.maps.ixg!.shares);
      expect(Array.from(parts[i]!.maps.gradient!.thumbnail)).toEqual(Array.from(whole.records[i]!.maps.gradient!.thumbnail));
    }
  });

  it('explains the true class when asked, and measures the regions given', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3 });
    const object = boxRegion('object', H, W, { top: 2, left: 1, bottom: 6, right: 5 });
    const { records } = await auditBatch(
      model,
      [methods[0]!],
      input(3),
      [0, 1, 2].map((l) => ({ name: `e${l}`, label: l })),
      {
        explain: 'label',
        regions: (h, w) => [...cornerRegions(h, w), outsideRegion(object)],
      },
    );
    expect(records.map((r) => r.target)).toEqual([0, 1, 2]);
    const shares = records[0]!.maps.gradient!.shares;
    expect(Object.keys(shares)).toEqual(['top-left', 'top-right', 'bottom-left', 'bottom-right', 'outside-object']);
    expect(shares['outside-object']).toBeGreaterThan(0);
    expect(shares['outside-object']).toBeLessThan(1);
  });

  it('says what is wrong with its arguments', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3 });
    const x = input(2);
    await expect(auditBatch(model, methods, x, [{ name: 'a' }])).rejects.toThrow(OptionError);
    await expect(auditBatch(model, [], x, [{ name: 'a' }, { name: 'b' }])).rejects.toThrow(/at least one method/);
    await expect(auditBatch(model, [methods[0]!, methods[0]!], x, [{ name: 'a' }, { name: 'b' }])).rejects.toThrow(/named 'gradient'/);
    await expect(auditBatch(model, methods, x, [{ name: 'a', label: 3 }, { name: 'b' }])).rejects.toThrow(TargetError);
    await expect(auditBatch(model, methods, x, [{ name: 'a', label: 1 }, { name: 'b' }], { explain: 'label' })).rejects.toThrow(/b has none/);
    await expect(auditBatch(model, methods, x, [{ name: 'a' }, { name: 'b' }], { thumbnailSide: 0 })).rejects.toThrow(/thumbnailSide/);
  });

  it('stops when aborted and reports progress per method', async () => {
    const model = createImageModel({ height: H, width: W, classes: 3 });
    const controller = new AbortController();
    const seen: string[] = [];
    const stopping: Method = {
      id: 'stopper',
      requires: ['inputGradients'],
      async attribute(m, x, options): Promise<Attribution> {
        options?.onProgress?.(1, 1);
        controller.abort();
        return gradient.attribute(m, x, options);
      },
    };
    await expect(
      auditBatch(model, [{ name: 'stop', method: stopping }, methods[0]!], input(2), [{ name: 'a' }, { name: 'b' }], {
        signal: controller.signal,
        onProgress: (method, done, total) => seen.push(`${method} ${done}/${total}`),
      }),
    ).rejects.toThrow(AbortError);
    expect(seen[0]).toBe('stop 1/1');
  });
});
