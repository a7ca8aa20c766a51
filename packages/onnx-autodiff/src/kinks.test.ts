import { describe, expect, it } from 'vitest';
import { createSession, distinctFeed, expectGradientsMatch, type Feed, randomFeed, rng, toTensors } from '../test/gradient-check.js';
import type { Attributes } from './attributes.js';
import { addGradients, type GradientSpec } from './gradients.js';
import { ModelGraph } from './model-graph.js';

/**
 * Gradients exactly on kinks and ties equal PyTorch autograd's. The expected values are printed by
 * tools/torch-kink-conventions.py (torch 2.13, float64) and copied here; the seed is all ones, so
 * each value is d sum(y) / d x.
 */

const f32 = (values: readonly number[], shape: readonly number[] = [values.length]): Feed => ({ data: Float32Array.from(values), shape });

async function gradientsAt(graph: ModelGraph, feeds: Record<string, Feed>, wrt: readonly string[], options: Partial<GradientSpec> = {}): Promise<number[][]> {
  const built = addGradients(graph, { of: 'y', wrt, ...options });
  const session = await createSession(built.model);
  const out = await session.run(toTensors(feeds));
  await session.release();
  return wrt.map((name) => Array.from(out[built.gradients[name]!]!.data as Float32Array));
}

function unaryGraph(op: string, n: number, attrs?: Attributes, extra: (g: ModelGraph) => string[] = () => []): ModelGraph {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [n] }] });
  g.add(op, ['x', ...extra(g)], attrs, { output: 'y' });
  return g;
}

const close = (got: readonly number[], want: readonly number[]) => {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => {
    expect(v).toBeCloseTo(want[i]!, 6);
  });
};

describe('kinks and ties: PyTorch autograd conventions', () => {
  it('Relu: 0 at 0', async () => {
    const [dx] = await gradientsAt(unaryGraph('Relu', 3), { x: f32([0, 1, -1]) }, ['x']);
    close(dx!, [0, 1, 0]);
  });

  it('LeakyRelu: alpha at 0', async () => {
    const [dx] = await gradientsAt(unaryGraph('LeakyRelu', 3, { alpha: 0.1 }), { x: f32([0, 1, -1]) }, ['x']);
    close(dx!, [0.1, 1, 0.1]);
  });

  it("Clip: 0 at both bounds by default (relu6, hardtanh); 1 there with clipBounds 'inclusive' (clamp)", async () => {
    const relu6 = () => unaryGraph('Clip', 4, undefined, (g) => [g.scalar(0), g.scalar(6)]);
    close((await gradientsAt(relu6(), { x: f32([0, 6, 3, -1]) }, ['x']))[0]!, [0, 0, 1, 0]);
    close((await gradientsAt(relu6(), { x: f32([0, 6, 3, -1]) }, ['x'], { clipBounds: 'exclusive' }))[0]!, [0, 0, 1, 0]);
    close((await gradientsAt(relu6(), { x: f32([0, 6, 3, -1]) }, ['x'], { clipBounds: 'inclusive' }))[0]!, [1, 1, 1, 0]);
    const hardtanh = unaryGraph('Clip', 4, undefined, (g) => [g.scalar(-1), g.scalar(1)]);
    close((await gradientsAt(hardtanh, { x: f32([-1, 1, 0, 2]) }, ['x']))[0]!, [0, 0, 1, 0]);
    // Only a lower bound (clamp(min=0) exports so): the same rule on the one side.
    const lower = unaryGraph('Clip', 3, undefined, (g) => [g.scalar(0)]);
    close((await gradientsAt(lower, { x: f32([0, 2, -1]) }, ['x']))[0]!, [0, 1, 0]);
    close((await gradientsAt(lower, { x: f32([0, 2, -1]) }, ['x'], { clipBounds: 'inclusive' }))[0]!, [1, 1, 0]);
  });

  it('rejects an unknown clipBounds', () => {
    expect(() => addGradients(unaryGraph('Relu', 1), { of: 'y', wrt: ['x'], clipBounds: 'closed' as never })).toThrow(/clipBounds/);
  });

  it('Abs: 0 at 0', async () => {
    close((await gradientsAt(unaryGraph('Abs', 3), { x: f32([0, -2, 2]) }, ['x']))[0]!, [0, -1, 1]);
  });

  it('Elu: alpha at 0 (the negative side)', async () => {
    close((await gradientsAt(unaryGraph('Elu', 3), { x: f32([0, -1, 1]) }, ['x']))[0]!, [1, Math.exp(-1), 1]);
    close((await gradientsAt(unaryGraph('Elu', 1, { alpha: 0.5 }), { x: f32([0]) }, ['x']))[0]!, [0.5]);
  });

  it('HardSwish: 0 at -3 and 1 at 3; HardSigmoid: 0 at both ends', async () => {
    close((await gradientsAt(unaryGraph('HardSwish', 3), { x: f32([-3, 3, 0]) }, ['x']))[0]!, [0, 1, 0.5]);
    const hardsigmoid = unaryGraph('HardSigmoid', 3, { alpha: { float: 1 / 6 }, beta: 0.5 });
    close((await gradientsAt(hardsigmoid, { x: f32([-3, 3, 0]) }, ['x']))[0]!, [0, 0, 1 / 6]);
  });

  it('Max / Min elementwise: equal inputs share the gradient evenly', async () => {
    for (const [op, a, b] of [
      ['Max', [0.5, 1, 0.5], [0.5, 0, 0.5]],
      ['Min', [0.5, 0, 0.5], [0.5, 1, 0.5]],
    ] as const) {
      const g = ModelGraph.create({
        inputs: [
          { name: 'a', type: 'float32', shape: [3] },
          { name: 'b', type: 'float32', shape: [3] },
        ],
      });
      g.add(op, ['a', 'b'], undefined, { output: 'y' });
      const [da, db] = await gradientsAt(g, { a: f32([1, 2, 3]), b: f32([1, 0, 3]) }, ['a', 'b']);
      close(da!, a);
      close(db!, b);
    }
  });

  it('Max of three tied inputs, one broadcast: thirds, summed over the broadcast axis', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: [2, 2] },
        { name: 'b', type: 'float32', shape: [2, 2] },
        { name: 'c', type: 'float32', shape: [2] },
      ],
    });
    g.add('Max', ['a', 'b', 'c'], undefined, { output: 'y' });
    const [da, db, dc] = await gradientsAt(g, { a: f32([1, 0, 1, 5], [2, 2]), b: f32([1, 0, 0, 0], [2, 2]), c: f32([1, 0]) }, ['a', 'b', 'c']);
    close(da!, [1 / 3, 1 / 3, 0.5, 1]);
    close(db!, [1 / 3, 1 / 3, 0, 0]);
    close(dc!, [1 / 3 + 0.5, 1 / 3]);
  });

  it('ReduceMax / ReduceMin: the tied extrema share the gradient evenly (amax / amin)', async () => {
    for (const [op, x, want] of [
      ['ReduceMax', [1, 3, 3, 2, 5, 5, 5, 0], [0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0]],
      ['ReduceMin', [1, 3, 1, 2, 0, 4, 4, 0], [0.5, 0, 0.5, 0, 0.5, 0, 0, 0.5]],
    ] as const) {
      const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 4] }] });
      g.add(op, ['x'], { axes: [1], keepdims: 0 }, { output: 'y' });
      close((await gradientsAt(g, { x: f32(x, [2, 4]) }, ['x']))[0]!, want);
    }
  });

  it('ReduceMax over every axis at opset 18 (axes as an input, or none)', async () => {
    const g = ModelGraph.create({ opset: 18, inputs: [{ name: 'x', type: 'float32', shape: [2, 2] }] });
    g.add('ReduceMax', ['x'], { keepdims: 1 }, { output: 'y' });
    close((await gradientsAt(g, { x: f32([4, 1, 4, 4], [2, 2]) }, ['x']))[0]!, [1 / 3, 0, 1 / 3, 1 / 3]);
  });

  it('MaxPool and GlobalMaxPool: the first maximum in row-major order takes it all', async () => {
    const pool = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [1, 1, 2, 2] }] });
    pool.add('MaxPool', ['x'], { kernel_shape: [2, 2] }, { output: 'y' });
    close((await gradientsAt(pool, { x: f32([1, 1, 0, 1], [1, 1, 2, 2]) }, ['x']))[0]!, [1, 0, 0, 0]);
    const global = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [1, 1, 2, 2] }] });
    global.add('GlobalMaxPool', ['x'], undefined, { output: 'y' });
    close((await gradientsAt(global, { x: f32([2, 0, 2, 1], [1, 1, 2, 2]) }, ['x']))[0]!, [1, 0, 0, 0]);
  });

  it('ReduceL2: 0 at a zero vector, x / ||x|| elsewhere', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 2] }] });
    g.add('ReduceL2', ['x'], { axes: [1], keepdims: 0 }, { output: 'y' });
    close((await gradientsAt(g, { x: f32([0, 0, 3, 4], [2, 2]) }, ['x']))[0]!, [0, 0, 0.6, 0.8]);
  });

  it('Where: the chosen side only, even where both sides are equal', async () => {
    const g = ModelGraph.create({
      inputs: [
        { name: 'a', type: 'float32', shape: [2] },
        { name: 'b', type: 'float32', shape: [2] },
      ],
    });
    g.add('Where', [g.constant([1, 0], 'bool', [2]), 'a', 'b'], undefined, { output: 'y' });
    const [da, db] = await gradientsAt(g, { a: f32([1, 2]), b: f32([1, 2]) }, ['a', 'b']);
    close(da!, [1, 0]);
    close(db!, [0, 1]);
  });
});

describe('rules with new tie handling match finite differences away from ties', () => {
  const random = rng(5);
  it('Max, Min (broadcast) and ReduceMax, ReduceMin', async () => {
    for (const op of ['Max', 'Min']) {
      const g = ModelGraph.create({
        inputs: [
          { name: 'a', type: 'float32', shape: [2, 3] },
          { name: 'b', type: 'float32', shape: [3] },
        ],
      });
      g.add(op, ['a', 'b'], undefined, { output: 'y' });
      // a: multiples of 0.05 in [-0.15, 0.1]; b at least 0.02 from each (never within a finite-difference step).
      const b = f32([0.33, -0.41, 0.07]);
      await expectGradientsMatch(g, { of: 'y', wrt: ['a', 'b'], feeds: { a: distinctFeed(random, [2, 3]), b } });
    }
    for (const op of ['ReduceMax', 'ReduceMin']) {
      const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
      g.add(op, ['x'], { axes: [0, 2], keepdims: 0 }, { output: 'y' });
      await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: distinctFeed(random, [2, 3, 4]) } });
    }
  });

  it('Clip with both conventions, away from its bounds', async () => {
    for (const clipBounds of ['exclusive', 'inclusive'] as const) {
      const g = unaryGraph('Clip', 12, undefined, (graph) => [graph.scalar(-0.5), graph.scalar(0.5)]);
      await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(random, [12], { avoid: [-0.5, 0.5] }) }, clipBounds });
    }
  });
});
