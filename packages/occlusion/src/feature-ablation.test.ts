import { type Layout, type Model, type ModelOutputs, type ModelRequest, type OutputName, ShapeError, tensor } from '@salience/core';
import { describe, expect, it } from 'vitest';
import { featureAblation } from './feature-ablation.js';
import { occlusion } from './occlusion.js';

/** logits_c = sum_i w_ci x_i + c * (sum_i x_i)^2: non-linear, so the groups' drops do not add up. */
function quadraticModel(layout: Layout, rowShape: number[], classes = 2): Model & { rowsSeen: number } {
  const size = rowShape.reduce((a, b) => a * b, 1);
  const w = Float64Array.from({ length: classes * size }, (_, i) => Math.sin(0.9 * i + 0.4));
  const model = {
    layout,
    inputShape: [null, ...rowShape],
    capabilities: new Set<OutputName>(['logits']),
    rowsSeen: 0,
    layers: () => [],
    dispose() {},
    async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      const rows = request.input.shape[0]!;
      model.rowsSeen += rows;
      const logits = new Float32Array(rows * classes);
      for (let r = 0; r < rows; r++) {
        const x = request.input.data.subarray(r * size, (r + 1) * size);
        const total = x.reduce((a, b) => a + b, 0);
        for (let c = 0; c < classes; c++) {
          let z = c * total * total;
          for (let i = 0; i < size; i++) z += w[c * size + i]! * x[i]!;
          logits[r * classes + c] = z;
        }
      }
      return { logits: { data: logits, shape: [rows, classes] } } as unknown as Pick<ModelOutputs, K>;
    },
  };
  return model;
}

describe('featureAblation', () => {
  it('gives every element of a group the drop of ablating the group (hand-computed)', async () => {
    const model = quadraticModel('NC', [4], 2);
    const x = tensor([1, 2, 3, 4], [1, 4]);
    const mask = tensor([7, 3, 7, 3], [4]);
    const result = await featureAblation.attribute(model, x, { featureMask: mask, target: 1 });
    const f = async (v: number[]) => (await model.run({ input: tensor(v, [1, 4]), outputs: ['logits'] })).logits.data[1];
    const base = (await f([1, 2, 3, 4]))!;
    const drop3 = base - (await f([1, 0, 3, 0]))!;
    const drop7 = base - (await f([0, 2, 0, 4]))!;
    expect(Array.from(result.values.data)).toEqual(Array.from(Float32Array.of(drop7, drop3, drop7, drop3)));
    expect(result.method).toBe('feature-ablation');
    expect(result.meta.groups).toBe(2);
  });

  it('defaults to one group per element', async () => {
    const model = quadraticModel('NC', [5], 3);
    const x = tensor([0.5, -1, 2, 0.25, 1], [1, 5]);
    const ablated = await featureAblation.attribute(model, x, { target: 2, baseline: 0.5 });
    const occluded = await occlusion.attribute(model, x, { window: 1, target: 2, baseline: 0.5 });
    expect(Array.from(ablated.values.data)).toEqual(Array.from(occluded.values.data));
  });

  it('a spatial [H, W] mask spans the channels, like occlusion with tiles over all channels', async () => {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const rowShape = layout === 'NCHW' ? [3, 4, 6] : [4, 6, 3];
      const model = quadraticModel(layout, rowShape);
      const input = tensor(
        Array.from({ length: 2 * 72 }, (_, i) => Math.cos(i * 0.37)),
        [2, ...rowShape],
      );
      const tiles = tensor(
        Array.from({ length: 24 }, (_, p) => 10 * Math.floor(Math.floor(p / 6) / 2) + Math.floor((p % 6) / 3)),
        [4, 6],
      );
      const ablated = await featureAblation.attribute(model, input, { featureMask: tiles, target: { classes: [0, 1] }, batchSize: 3 });
      const occluded = await occlusion.attribute(model, input, { window: [2, 3], target: { classes: [0, 1] } });
      const scale = Math.max(...Array.from(occluded.values.data, Math.abs));
      ablated.values.data.forEach((v, i) => {
        expect(Math.abs(v - occluded.values.data[i]!)).toBeLessThan(1e-6 * scale);
      });
      expect(ablated.layout).toBe(layout);
    }
  });

  it('rejects masks that do not fit or are not integers', async () => {
    const model = quadraticModel('NCHW', [3, 4, 4]);
    const input = tensor(new Float32Array(48), [1, 3, 4, 4]);
    await expect(featureAblation.attribute(model, input, { featureMask: tensor(new Float32Array(12), [3, 4]) })).rejects.toThrow(ShapeError);
    await expect(featureAblation.attribute(model, input, { featureMask: tensor(new Float32Array(16).fill(0.5), [4, 4]) })).rejects.toThrow(/integers/);
    await expect(featureAblation.attribute(model, input, { featureMask: { data: new Float32Array(3), shape: [4, 4] } })).rejects.toThrow(ShapeError);
  });
});
