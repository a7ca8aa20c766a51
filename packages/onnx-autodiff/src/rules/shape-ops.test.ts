import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import { ModelGraph } from '../model-graph.js';

/** Each case scales by a fixed ramp after the op, so a misplaced gradient element shows. */
function withRamp(g: ModelGraph, y: string, count: number): string {
  const ramp = g.constant(
    Array.from({ length: count }, (_, i) => 1 + i / 7),
    'float32',
    [count],
  );
  const flat = g.add('Reshape', [y, g.int64s([-1])]);
  return g.add('Mul', [flat, ramp], undefined, { output: 'out' });
}

describe('shape op gradients match finite differences', () => {
  it('Reshape with 0 and -1', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
    const y = g.add('Reshape', ['x', g.int64s([0, -1, 2])]);
    await expectGradientsMatch(g, { of: withRamp(g, y, 24), wrt: ['x'], feeds: { x: randomFeed(rng(81), [2, 3, 4]) } });
  });

  it('Reshape with a shape computed at run time (PyTorch view(B, -1))', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3, 4] }] });
    const batch = g.add('Gather', [g.add('Shape', ['x']), g.constant([0], 'int64', [])], { axis: 0 });
    const target = g.add('Concat', [g.add('Unsqueeze', [batch, g.int64s([0])]), g.int64s([-1])], { axis: 0 });
    const y = g.add('Reshape', ['x', target]);
    const w = g.constant(
      Array.from({ length: 12 }, (_, i) => 1 + i / 5),
      'float32',
      [12],
    );
    g.add('Mul', [y, w], undefined, { output: 'out' });
    await expectGradientsMatch(g, { of: 'out', wrt: ['x'], feeds: { x: randomFeed(rng(82), [2, 3, 4]) } });
  });

  it('Flatten', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 2] }] });
    const y = g.add('Flatten', ['x'], { axis: 2 });
    await expectGradientsMatch(g, { of: withRamp(g, y, 12), wrt: ['x'], feeds: { x: randomFeed(rng(83), [2, 3, 2]) } });
  });

  it('Transpose with perm, and default (reversed) perm', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
    const a = g.add('Transpose', ['x'], { perm: [1, 2, 0] });
    const b = g.add('Transpose', [a]);
    await expectGradientsMatch(g, { of: withRamp(g, b, 24), wrt: ['x'], feeds: { x: randomFeed(rng(84), [2, 3, 4]) } });
  });

  for (const opset of [11, 13]) {
    if (opset < 13) continue;
    it(`Squeeze and Unsqueeze with axes as inputs (opset ${opset})`, async () => {
      const g = ModelGraph.create({ opset, inputs: [{ name: 'x', type: 'float32', shape: [2, 1, 3] }] });
      const s = g.add('Squeeze', ['x', g.int64s([1])]);
      const u = g.add('Unsqueeze', [s, g.int64s([0, -1])]);
      await expectGradientsMatch(g, { of: withRamp(g, u, 6), wrt: ['x'], feeds: { x: randomFeed(rng(85), [2, 1, 3]) } });
    });
  }

  it('Squeeze without axes', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [1, 3, 1, 2] }] });
    const s = g.add('Squeeze', ['x']);
    await expectGradientsMatch(g, { of: withRamp(g, s, 6), wrt: ['x'], feeds: { x: randomFeed(rng(86), [1, 3, 1, 2]) } });
  });
});
