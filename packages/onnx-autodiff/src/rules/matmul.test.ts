import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import type { Attributes } from '../attributes.js';
import { ModelGraph } from '../model-graph.js';

describe('Gemm gradients match finite differences', () => {
  const variants: [string, Attributes, number[], number[], number[]][] = [
    ['plain, bias row', {}, [3, 4], [4, 5], [5]],
    ['transA, full bias', { transA: 1 }, [4, 3], [4, 5], [3, 5]],
    ['transB, column bias', { transB: 1 }, [3, 4], [5, 4], [3, 1]],
    ['transA transB alpha beta, scalar bias', { transA: 1, transB: 1, alpha: 0.7, beta: -1.3 }, [4, 3], [5, 4], []],
  ];
  for (const [label, attrs, a, b, c] of variants) {
    it(label, async () => {
      const g = ModelGraph.create({
        inputs: [
          { name: 'a', type: 'float32', shape: a },
          { name: 'b', type: 'float32', shape: b },
          { name: 'c', type: 'float32', shape: c },
        ],
      });
      g.add('Gemm', ['a', 'b', 'c'], attrs, { output: 'y' });
      const random = rng(21);
      const feeds = { a: randomFeed(random, a), b: randomFeed(random, b), c: randomFeed(random, c) };
      await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b', 'c'], feeds });
    });
  }

  it('without a bias input', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'a', type: 'float32', shape: [2, 3] }] });
    const w = g.constant(
      Array.from({ length: 12 }, (_, i) => Math.sin(i)),
      'float32',
      [4, 3],
    );
    g.add('Gemm', ['a', w], { transB: 1 }, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['a'], feeds: { a: randomFeed(rng(22), [2, 3]) } });
  });
});

describe('MatMul gradients match finite differences', () => {
  const shapes: [string, number[], number[]][] = [
    ['2-D', [3, 4], [4, 2]],
    ['batched', [2, 3, 4], [2, 4, 5]],
    ['broadcast batch', [2, 1, 3, 4], [3, 4, 2]],
    ['matrix times batch', [3, 4], [2, 4, 2]],
    ['vector times matrix', [4], [4, 3]],
    ['batch times vector', [2, 3, 4], [4]],
    ['vector dot vector', [5], [5]],
  ];
  for (const [label, a, b] of shapes) {
    it(label, async () => {
      const g = ModelGraph.create({
        inputs: [
          { name: 'a', type: 'float32', shape: a },
          { name: 'b', type: 'float32', shape: b },
        ],
      });
      g.add('MatMul', ['a', 'b'], undefined, { output: 'y' });
      const random = rng(23);
      await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b'], feeds: { a: randomFeed(random, a), b: randomFeed(random, b) } });
    });
  }
});
