import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import { ModelGraph } from '../model-graph.js';
import type { Dim } from '../tensor-info.js';

function ramp(g: ModelGraph, y: string, count: number): string {
  const weights = g.constant(
    Array.from({ length: count }, (_, i) => 1 + i / 7),
    'float32',
    [count],
  );
  return g.add('Mul', [g.add('Reshape', [y, g.int64s([-1])]), weights], undefined, { output: 'out' });
}

describe('Concat and Split gradients match finite differences', () => {
  it('Concat along axis 1 with three inputs (one not differentiated)', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: [2, 1, 3] },
        { name: 'b', type: 'float32', shape: [2, 2, 3] },
        { name: 'c', type: 'float32', shape: [2, 3, 3] },
      ],
    });
    const y = g.add('Concat', ['a', 'b', 'c'], { axis: -2 });
    const random = rng(91);
    const feeds = { a: randomFeed(random, [2, 1, 3]), b: randomFeed(random, [2, 2, 3]), c: randomFeed(random, [2, 3, 3]) };
    await expectGradientsMatch(g, { of: ramp(g, y, 36), wrt: ['a', 'c'], feeds });
  });

  it('Concat with dynamic sizes along the axis', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: ['n', 2] },
        { name: 'b', type: 'float32', shape: ['m', 2] },
      ],
    });
    const y = g.add('Concat', ['a', 'b'], { axis: 0 });
    const w = g.constant([1, -2], 'float32', [2]);
    g.add('Mul', [g.add('Mul', [y, y]), w], undefined, { output: 'out' });
    const random = rng(92);
    await expectGradientsMatch(g, { of: 'out', wrt: ['a', 'b'], feeds: { a: randomFeed(random, [3, 2]), b: randomFeed(random, [2, 2]) } });
  });

  for (const opset of [13, 18]) {
    it(`Split with sizes, one output unused (opset ${opset})`, async () => {
      const g = ModelGraph.create({ opset, inputs: [{ name: 'x', type: 'float32', shape: [2, 6] }] });
      const [p, , r] = g.addNode('Split', ['x', g.int64s([1, 2, 3])], { axis: 1 }, { outputs: 3 }) as [string, string, string];
      const y = g.add('Concat', [g.add('Mul', [p, g.scalar(3)]), r], { axis: 1 });
      await expectGradientsMatch(g, { of: ramp(g, y, 8), wrt: ['x'], feeds: { x: randomFeed(rng(93), [2, 6]) } });
    });
  }

  it('Split into equal parts (no sizes)', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [4, 3] }] });
    const [p, q] = g.addNode('Split', ['x'], { axis: 0 }, { outputs: 2 }) as [string, string];
    const y = g.add('Mul', [p, q]);
    await expectGradientsMatch(g, { of: ramp(g, y, 6), wrt: ['x'], feeds: { x: randomFeed(rng(94), [4, 3]) } });
  });
});

describe('Slice gradients match finite differences', () => {
  const cases: [string, number[], number[], number[], number[]?, Dim[]?][] = [
    ['start/end on one axis', [1], [3], [1]],
    ['negative start, end past the edge', [-2], [100], [2]],
    ['two axes with steps 2 and 3', [0, 1], [5, 100], [1, 2], [2, 3]],
    ['reversed (step -1)', [-1], [-100], [2], [-1]],
    ['reversed with step -2', [4], [0], [1], [-2]],
    ['dynamic dim, step 1', [1], [100], [2], [1], ['n', 5, 'm']],
  ];
  for (const [label, starts, ends, axes, steps, declared] of cases) {
    it(label, async () => {
      const shape = [2, 5, 6];
      const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: declared ?? shape }] });
      const inputs = ['x', g.int64s(starts), g.int64s(ends), g.int64s(axes)];
      if (steps) inputs.push(g.int64s(steps));
      const y = g.add('Slice', inputs);
      const w = g.add('Mul', [y, y]);
      g.add('ReduceSum', [g.add('Mul', [w, g.add('Cos', [y])])], { keepdims: 0 }, { output: 'out' });
      await expectGradientsMatch(g, { of: 'out', wrt: ['x'], feeds: { x: randomFeed(rng(95), shape) } });
    });
  }
});

describe('Pad gradients match finite differences', () => {
  it('constant pads on every axis', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
    const y = g.add('Pad', ['x', g.int64s([0, 1, 2, 1, 0, 3]), g.scalar(0.5)]);
    await expectGradientsMatch(g, { of: ramp(g, y, 3 * 4 * 9), wrt: ['x'], feeds: { x: randomFeed(rng(96), [2, 3, 4]) } });
  });

  it('negative pads crop', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [3, 5] }] });
    const y = g.add('Pad', ['x', g.int64s([-1, 2, 1, -2])]);
    await expectGradientsMatch(g, { of: ramp(g, y, 3 * 5), wrt: ['x'], feeds: { x: randomFeed(rng(97), [3, 5]) } });
  });

  it('with an axes input (opset 18)', async () => {
    const g = ModelGraph.create({ opset: 18, inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
    const y = g.add('Pad', ['x', g.int64s([1, 2, 0, 1]), '', g.int64s([-1, 1])]);
    await expectGradientsMatch(g, { of: ramp(g, y, 2 * 6 * 5), wrt: ['x'], feeds: { x: randomFeed(rng(98), [2, 3, 4]) } });
  });
});

describe('Gather gradients match finite differences', () => {
  const variants: [string, number, number[], number[]][] = [
    ['embedding lookup (axis 0, repeated ids)', 0, [2, 4], [0, 3, 3, 1, 0, 5, 3, 2]],
    ['axis 1 with negative indices', 1, [3], [-1, 0, 2]],
    ['scalar index on axis 1', 1, [], [2]],
  ];
  for (const opset of [13, 17]) {
    for (const [label, axis, indexShape, indices] of variants) {
      it(`${label}, opset ${opset}`, async () => {
        const g = ModelGraph.create({ opset, inputs: [{ name: 'data', type: 'float32', shape: [6, 4, 3] }] });
        const ids = g.constant(indices, 'int64', indexShape, 'ids');
        const y = g.add('Gather', ['data', ids], { axis });
        const count = ((6 * 4 * 3) / (axis === 0 ? 6 : 4)) * Math.max(1, indices.length);
        await expectGradientsMatch(g, { of: ramp(g, y, count), wrt: ['data'], feeds: { data: randomFeed(rng(99), [6, 4, 3]) } });
      });
    }
  }

  it('indices fed at run time (token ids)', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'table', type: 'float32', shape: [5, 3] },
        { name: 'ids', type: 'int64', shape: ['b', 4] },
      ],
    });
    const y = g.add('Gather', ['table', 'ids']);
    g.add('Mul', [y, g.add('Tanh', [y])], undefined, { output: 'out' });
    const ids = { data: BigInt64Array.from([1n, 4n, 1n, 0n, 2n, 2n, 3n, 1n]), shape: [2, 4] };
    await expectGradientsMatch(g, { of: 'out', wrt: ['table'], feeds: { table: randomFeed(rng(100), [5, 3]), ids } });
  });
});
