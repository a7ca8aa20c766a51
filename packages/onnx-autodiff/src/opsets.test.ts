import { describe, it } from 'vitest';
import { distinctFeed, expectGradientsMatch, rng } from '../test/gradient-check.js';
import { reduce, split, squeeze, unsqueeze } from './emit.js';
import { ModelGraph } from './model-graph.js';

/**
 * One small network written in each opset's own forms (axes as attributes before 13 for Squeeze,
 * Unsqueeze, Split and ReduceSum, before 18 for ReduceMean; Softmax over the coerced 2-D view before 13).
 */
function network(opset: number): ModelGraph {
  const g = ModelGraph.create({ opset, inputs: [{ name: 'x', type: 'float32', shape: ['n', 2, 12, 12] }] });
  const random = rng(opset);
  const weights = (shape: number[]) =>
    g.constant(
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1),
      'float32',
      shape,
    );
  // MaxPool first, on distinct inputs, so that finite differences never cross a tie.
  let h = g.add('MaxPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] });
  h = g.add('Conv', [h, weights([4, 2, 3, 3]), weights([4])], { pads: [1, 1, 1, 1] });
  h = g.add('Tanh', [h]);
  h = g.add('Pad', [h, g.int64s([0, 0, 1, 0, 0, 0, 0, 1]), g.scalar(0.25)]);
  h = g.add('AveragePool', [h], { kernel_shape: [2, 2], strides: [2, 2] });
  h = squeeze(g, unsqueeze(g, h, [0]), [0]);
  const [a, b] = split(g, h, [1, 3], 2, 1) as [string, string];
  h = g.add('Concat', [b, g.add('Mul', [a, g.scalar(2)])], { axis: 1 });
  h = reduce(g, 'ReduceMean', h, [2, 3], false);
  h = reduce(g, 'ReduceSum', g.add('Reshape', [h, g.int64s([-1, 2, 2])]), [2], true);
  h = g.add('Softmax', [h], { axis: 1 });
  h = g.add('Clip', [g.add('Reshape', [h, g.int64s([-1, 2])]), g.scalar(0.02), g.scalar(0.98)]);
  h = g.add('Gemm', [h, weights([3, 2]), weights([3])], { transB: 1 });
  h = g.add('LogSoftmax', [h]);
  g.add('Gather', [h, g.int64s([2, 0])], { axis: 1 }, { output: 'y' });
  return g;
}

describe('every opset from 11 to 21', () => {
  for (let opset = 11; opset <= 21; opset++) {
    it(`opset ${opset}: gradients match finite differences`, async () => {
      const x = distinctFeed(rng(100 + opset), [1, 2, 12, 12], 0.02);
      await expectGradientsMatch(network(opset), { of: 'y', wrt: ['x'], feeds: { x }, step: 5e-3 });
    });
  }
});
