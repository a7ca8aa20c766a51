import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import { reduce } from '../emit.js';
import { ModelGraph } from '../model-graph.js';

describe('reduction gradients match finite differences', () => {
  const cases: [string, number[] | undefined, boolean][] = [
    ['axes [1], keepdims', [1], true],
    ['axes [0, -1], no keepdims', [0, -1], false],
    ['all axes, no keepdims', undefined, false],
    ['all axes, keepdims', undefined, true],
  ];
  for (const op of ['ReduceSum', 'ReduceMean', 'ReduceSumSquare', 'ReduceL2']) {
    for (const opset of [13, 18]) {
      for (const [label, axes, keepdims] of cases) {
        it(`${op} opset ${opset}, ${label}`, async () => {
          const g = ModelGraph.create({ opset, inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
          const y = reduce(g, op, 'x', axes, keepdims);
          await expectGradientsMatch(g, { of: y, wrt: ['x'], feeds: { x: randomFeed(rng(71), [2, 3, 4], { avoid: [0] }) } });
        });
      }
    }
  }

  it('ReduceMean with a dynamic shape computes the count at run time', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['n', 3, 'w'] }] });
    const y = reduce(g, 'ReduceMean', 'x', [0, 2], false);
    await expectGradientsMatch(g, { of: y, wrt: ['x'], feeds: { x: randomFeed(rng(72), [2, 3, 5]) } });
  });

  it('ReduceSum with empty axes and noop_with_empty_axes=1 is the identity', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3] }] });
    g.add('ReduceSum', ['x', g.constant([], 'int64', [0])], { noop_with_empty_axes: 1 }, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(73), [2, 3]) } });
  });
});
