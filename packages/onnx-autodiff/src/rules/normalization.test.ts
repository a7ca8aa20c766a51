import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import { reduce } from '../emit.js';
import { ModelGraph } from '../model-graph.js';

describe('normalization gradients match finite differences', () => {
  it('BatchNormalization (inference mode), NCHW', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4, 4] }] });
    const c = (values: number[]) => g.constant(values, 'float32', [3]);
    g.add('BatchNormalization', ['x', c([0.5, 1.5, -1]), c([0.1, -0.2, 0.3]), c([0.2, -0.1, 0]), c([0.8, 1.2, 0.5])], { epsilon: 1e-5 }, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(51), [2, 3, 4, 4]) } });
  });

  it('BatchNormalization on [N, C]', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [4, 3] }] });
    const c = (values: number[]) => g.constant(values, 'float32', [3]);
    g.add('BatchNormalization', ['x', c([0.5, 1.5, -1]), c([0.1, -0.2, 0.3]), c([0.2, -0.1, 0]), c([0.8, 1.2, 0.5])], {}, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(52), [4, 3]) } });
  });

  for (const axis of [-1, 1]) {
    it(`LayerNormalization (fused op), axis ${axis}, w.r.t. input, scale and bias`, async () => {
      const g = ModelGraph.create({
        inputs: [
          { name: 'x', type: 'float32', shape: [2, 3, 4] },
          { name: 'scale', type: 'float32', shape: axis === -1 ? [4] : [3, 4] },
          { name: 'bias', type: 'float32', shape: axis === -1 ? [4] : [3, 4] },
        ],
      });
      g.add('LayerNormalization', ['x', 'scale', 'bias'], { axis, epsilon: 1e-5 }, { output: 'y' });
      const random = rng(53);
      const paramShape = axis === -1 ? [4] : [3, 4];
      const feeds = { x: randomFeed(random, [2, 3, 4]), scale: randomFeed(random, paramShape), bias: randomFeed(random, paramShape) };
      await expectGradientsMatch(g, { of: 'y', wrt: ['x', 'scale', 'bias'], feeds });
    });
  }

  for (const opset of [17, 18]) {
    it(`LayerNorm decomposed as PyTorch exports it (ReduceMean, Sub, Pow, Sqrt, Div), opset ${opset}`, async () => {
      const g = ModelGraph.create({ opset, inputs: [{ name: 'x', type: 'float32', shape: [2, 5, 6] }] });
      const mean = reduce(g, 'ReduceMean', 'x', [-1], true);
      const centered = g.add('Sub', ['x', mean]);
      const variance = reduce(g, 'ReduceMean', g.add('Pow', [centered, g.scalar(2)]), [-1], true);
      const std = g.add('Sqrt', [g.add('Add', [variance, g.scalar(1e-5)])]);
      const normalized = g.add('Div', [centered, std]);
      const scale = g.constant([0.5, 1, 1.5, -0.5, 2, 0.3], 'float32', [6]);
      const bias = g.constant([0.1, 0, -0.1, 0.2, 0, 0.3], 'float32', [6]);
      g.add('Add', [g.add('Mul', [normalized, scale]), bias], undefined, { output: 'y' });
      await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(54), [2, 5, 6]) } });
    });
  }
});
