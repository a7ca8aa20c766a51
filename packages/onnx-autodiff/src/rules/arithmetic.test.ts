import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import { ModelGraph } from '../model-graph.js';
import type { Dim } from '../tensor-info.js';

/** A model y = op(a, b) with both operands as inputs (declared shapes may be symbolic). */
function binary(op: string, a: readonly Dim[], b: readonly Dim[]) {
  const g = ModelGraph.create({
    inputs: [
      { name: 'a', type: 'float32', shape: a },
      { name: 'b', type: 'float32', shape: b },
    ],
  });
  g.add(op, ['a', 'b'], undefined, { output: 'y' });
  return g;
}

const shapes: [string, number[], number[]][] = [
  ['same shape', [2, 3, 4], [2, 3, 4]],
  ['trailing broadcast', [2, 3, 4], [4]],
  ['middle ones', [2, 1, 4], [1, 3, 1]],
  ['scalar operand', [3, 2], []],
  ['leading rank', [5], [2, 3, 5]],
];

describe('broadcasting arithmetic gradients match finite differences', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    for (const [label, a, b] of shapes) {
      it(`${op}, ${label}`, async () => {
        const random = rng(11);
        const feeds = {
          a: randomFeed(random, a),
          b: randomFeed(random, b, op === 'Div' ? { min: 0.5, max: 2 } : {}),
        };
        await expectGradientsMatch(binary(op, a, b), { of: 'y', wrt: ['a', 'b'], feeds });
      });
    }
  }

  it('broadcasting with symbolic dims reduces at run time', async () => {
    // 'n' might be 1 at run time, so the reduction axes can only be decided when the model runs.
    const g = binary('Mul', ['n', 3], ['m', 3]);
    const random = rng(12);
    await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b'], feeds: { a: randomFeed(random, [1, 3]), b: randomFeed(random, [4, 3]) } });
    await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b'], feeds: { a: randomFeed(random, [4, 3]), b: randomFeed(random, [4, 3]) } });
  });

  it('Pow with a tensor exponent differentiates both operands', async () => {
    const random = rng(13);
    const feeds = { a: randomFeed(random, [2, 3], { min: 0.5, max: 2 }), b: randomFeed(random, [3], { min: -1.5, max: 2.5 }) };
    await expectGradientsMatch(binary('Pow', [2, 3], [3]), { of: 'y', wrt: ['a', 'b'], feeds });
  });

  it('Pow with constant exponents (2, 3, 0.5)', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 4] }] });
    const two = g.add('Pow', ['x', g.scalar(2)]);
    const three = g.add('Pow', ['x', g.scalar(3)]);
    const half = g.add('Pow', ['x', g.scalar(0.5)]);
    g.add('Sum', [two, three, half], undefined, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(14), [2, 4], { min: 0.3, max: 1.5 }) } });
  });

  it('Sum with broadcasting, and a tensor used twice (x * x)', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: [2, 3] },
        { name: 'b', type: 'float32', shape: [3] },
      ],
    });
    const square = g.add('Mul', ['a', 'a']);
    g.add('Sum', [square, 'b', 'a'], undefined, { output: 'y' });
    const random = rng(15);
    await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b'], feeds: { a: randomFeed(random, [2, 3]), b: randomFeed(random, [3]) } });
  });

  it('Where routes the gradient by the condition, with broadcasting', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: [3, 4] },
        { name: 'b', type: 'float32', shape: [4] },
        { name: 'c', type: 'float32', shape: [3, 4] },
      ],
    });
    const cond = g.add('Greater', ['c', g.scalar(0)]);
    g.add('Where', [cond, 'a', 'b'], undefined, { output: 'y' });
    const random = rng(16);
    const feeds = { a: randomFeed(random, [3, 4]), b: randomFeed(random, [4]), c: randomFeed(random, [3, 4], { avoid: [0] }) };
    await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b'], feeds });
  });

  it('Expand sums the gradient back over the expanded axes', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [3, 1] }] });
    g.add('Expand', ['x', g.int64s([2, 3, 4])], undefined, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(17), [3, 1]) } });
  });
});
