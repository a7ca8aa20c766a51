import { describe, expect, it } from 'vitest';
import { createSession, distinctFeed, expectGradientsMatch, randomFeed, rng, toTensors } from '../../test/gradient-check.js';
import type { Attributes } from '../attributes.js';
import { addGradients } from '../gradients.js';
import { ModelGraph } from '../model-graph.js';
import type { Dim } from '../tensor-info.js';

function pool(op: string, declared: readonly Dim[], attrs?: Attributes) {
  const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: declared }] });
  g.add(op, ['x'], attrs, { output: 'y' });
  return g;
}

const maxCases: [string, number[], Attributes, Dim[]?][] = [
  ['2x2 stride 2', [2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['3x3 stride 2 pad 1 (ResNet stem)', [1, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 2 pad 1 on an even input (ResNet stem at 112)', [1, 2, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 1 pad 1 (overlapping)', [1, 1, 5, 5], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }],
  ['ceil_mode', [1, 2, 6, 5], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
  ['dilation 2', [1, 1, 7, 7], { kernel_shape: [2, 2], dilations: [2, 2] }],
  ['auto_pad SAME_UPPER', [1, 2, 5, 5], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
  ['1-D', [2, 3, 9], { kernel_shape: [3], strides: [2], pads: [1, 1] }],
  ['dynamic dims', [1, 2, 7, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, ['n', 'c', 'h', 'w']],
];

describe('MaxPool gradients (without the Indices output) match finite differences', () => {
  for (const ties of ['first', 'split'] as const) {
    for (const [label, shape, attrs, declared] of maxCases) {
      it(`${label}, ties: ${ties}`, async () => {
        const x = distinctFeed(rng(41), shape, 0.05);
        const g = pool('MaxPool', declared ?? shape, attrs);
        await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x }, step: 5e-3, maxPoolTies: ties });
      });
    }
  }

  it('never uses the Indices output, and gives ties to the first element of the window', async () => {
    const g = pool('MaxPool', [1, 1, 2, 4], { kernel_shape: [2, 2], strides: [2, 2] });
    const built = addGradients(g, { of: 'y', wrt: ['x'] });
    const graph = ModelGraph.decode(built.model);
    const pools = graph.nodes.filter((n) => n.opType === 'MaxPool');
    expect(pools).toHaveLength(1);
    expect(pools[0].output).toHaveLength(1);
    const session = await createSession(built.model);
    // Window 1 is all ties; window 2 has a tie between its 2nd and 4th elements (row-major).
    const x = { data: Float32Array.from([1, 1, 0, 3, 1, 1, 2, 3]), shape: [1, 1, 2, 4] };
    const out = await session.run(toTensors({ x }));
    expect(Array.from(out[built.gradients.x].data as Float32Array)).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
  });

  it("maxPoolTies: 'split' shares a window's gradient among its tied elements, with float ops only", async () => {
    const g = pool('MaxPool', [1, 1, 2, 4], { kernel_shape: [2, 2], strides: [2, 2] });
    const built = addGradients(g, { of: 'y', wrt: ['x'], maxPoolTies: 'split' });
    const added = ModelGraph.decode(built.model).nodes.slice(g.nodes.length);
    expect(added.some((n) => n.opType === 'ArgMax')).toBe(false);
    const session = await createSession(built.model);
    const x = { data: Float32Array.from([1, 1, 0, 3, 1, 1, 2, 3]), shape: [1, 1, 2, 4] };
    const out = await session.run(toTensors({ x }));
    expect(Array.from(out[built.gradients.x].data as Float32Array)).toEqual([0.25, 0.25, 0, 0.5, 0.25, 0.25, 0, 0.5]);
  });
});

const averageCases: [string, number[], Attributes, Dim[]?][] = [
  ['2x2 stride 2', [2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['4x4 stride 4 (colorcnn)', [1, 2, 8, 8], { kernel_shape: [4, 4], strides: [4, 4] }],
  ['3x3 stride 1, pads on one side only', [1, 2, 5, 6], { kernel_shape: [3, 3], pads: [1, 2, 0, 0] }],
  ['3x3 stride 2 pad 1, count_include_pad=0', [1, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 2 pad 1, count_include_pad=1', [1, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
  ['ceil_mode', [1, 1, 6, 5], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
  ['ceil_mode with pads, count_include_pad=1', [1, 1, 6, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }],
  ['1-D', [2, 2, 9], { kernel_shape: [3], strides: [2] }],
  ['dynamic dims with pads', [1, 2, 7, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, ['n', 'c', 'h', 'w']],
];

describe('AveragePool gradients match finite differences', () => {
  for (const [label, shape, attrs, declared] of averageCases) {
    it(label, async () => {
      const x = randomFeed(rng(42), shape);
      await expectGradientsMatch(pool('AveragePool', declared ?? shape, attrs), { of: 'y', wrt: ['x'], feeds: { x } });
    });
  }
});

describe('global pools', () => {
  it('GlobalAveragePool', async () => {
    await expectGradientsMatch(pool('GlobalAveragePool', [2, 3, 4, 5]), { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(43), [2, 3, 4, 5]) } });
  });

  it('GlobalAveragePool with dynamic dims', async () => {
    const g = pool('GlobalAveragePool', ['n', 3, 'h', 'w']);
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(44), [2, 3, 4, 5]) } });
  });

  for (const ties of ['first', 'split'] as const) {
    it(`GlobalMaxPool, ties: ${ties}`, async () => {
      const x = distinctFeed(rng(45), [2, 3, 3, 4]);
      const g = pool('GlobalMaxPool', ['n', 3, 3, 4]);
      await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x }, step: 5e-3, maxPoolTies: ties });
    });
  }
});
