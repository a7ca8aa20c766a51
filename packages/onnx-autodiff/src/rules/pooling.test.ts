import { describe, expect, it } from 'vitest';
import { createSession, distinctFeed, expectGradientsMatch, type Feed, randomFeed, rng, toTensors } from '../../test/gradient-check.js';
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
    expect(pools[0]!.output).toHaveLength(1);
    const session = await createSession(built.model);
    // Window 1 is all ties; window 2 has a tie between its 2nd and 4th elements (row-major).
    const x = { data: Float32Array.from([1, 1, 0, 3, 1, 1, 2, 3]), shape: [1, 1, 2, 4] };
    const out = await session.run(toTensors({ x }));
    expect(Array.from(out[built.gradients.x!]!.data as Float32Array)).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
  });

  it("maxPoolTies: 'split' shares a window's gradient among its tied elements, with float ops only", async () => {
    const g = pool('MaxPool', [1, 1, 2, 4], { kernel_shape: [2, 2], strides: [2, 2] });
    const built = addGradients(g, { of: 'y', wrt: ['x'], maxPoolTies: 'split' });
    const added = ModelGraph.decode(built.model).nodes.slice(g.nodes.length);
    expect(added.some((n) => n.opType === 'ArgMax')).toBe(false);
    const session = await createSession(built.model);
    const x = { data: Float32Array.from([1, 1, 0, 3, 1, 1, 2, 3]), shape: [1, 1, 2, 4] };
    const out = await session.run(toTensors({ x }));
    expect(Array.from(out[built.gradients.x!]!.data as Float32Array)).toEqual([0.25, 0.25, 0, 0.5, 0.25, 0.25, 0, 0.5]);
  });
});

/**
 * PyTorch's MaxPool adjoint, element by element: each window's seed goes to its first maximum in
 * row-major window order, padding taps excluded. An independent reference for the float-only rule.
 */
function firstWinsReference(x: Feed, seed: Feed, attrs: Attributes): Float32Array {
  const kernel = attrs.kernel_shape as number[];
  const rank = kernel.length;
  const spatial = x.shape.slice(2);
  const out = seed.shape.slice(2);
  const strides = (attrs.strides as number[] | undefined) ?? kernel.map(() => 1);
  const dilations = (attrs.dilations as number[] | undefined) ?? kernel.map(() => 1);
  const padsBegin = ((attrs.pads as number[] | undefined) ?? kernel.map(() => 0)).slice(0, rank);
  const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  const unravel = (index: number, dims: readonly number[]) => dims.map((_, i) => Math.floor(index / count(dims.slice(i + 1))) % dims[i]!);
  const xs = x.data as Float32Array;
  const seeds = seed.data as Float32Array;
  const dx = new Float32Array(xs.length);
  const planes = x.shape[0]! * x.shape[1]!;
  for (let plane = 0; plane < planes; plane++) {
    for (let o = 0; o < count(out); o++) {
      const at = unravel(o, out);
      let best = -1;
      for (let k = 0; k < count(kernel); k++) {
        const tap = unravel(k, kernel);
        const position = at.map((p, i) => p * strides[i]! - padsBegin[i]! + tap[i]! * dilations[i]!);
        if (position.some((p, i) => p < 0 || p >= spatial[i]!)) continue;
        const flat = plane * count(spatial) + position.reduce((acc, p, i) => acc * spatial[i]! + p, 0);
        if (best < 0 || xs[flat]! > xs[best]!) best = flat;
      }
      if (best >= 0) dx[best]! += seeds[plane * count(out) + o]!;
    }
  }
  return dx;
}

/** Values drawn from a few levels, so windows are full of ties. */
function tiedFeed(random: () => number, shape: readonly number[], levels: number): Feed {
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(random() * levels) - 1);
  return { data, shape };
}

const tieCases: [string, number[], Attributes][] = [
  ['2x2 stride 2', [2, 3, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['3x3 stride 2 pad 1 (ResNet stem)', [1, 3, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 1 pad 1 (overlapping)', [1, 2, 5, 5], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }],
  ['3x2 stride 1x2, uneven pads', [1, 2, 6, 7], { kernel_shape: [3, 2], strides: [1, 2], pads: [2, 0, 0, 1] }],
  ['ceil_mode with pads', [1, 2, 6, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }],
  ['dilation 2', [1, 1, 7, 7], { kernel_shape: [2, 2], dilations: [2, 2] }],
  ['1-D stride 2 pad 1', [2, 3, 9], { kernel_shape: [3], strides: [2], pads: [1, 1] }],
  ['1-D overlapping pad 2', [1, 2, 8], { kernel_shape: [4], pads: [2, 2] }],
];

describe("MaxPool's float-only first-wins rule matches PyTorch's rule exactly on ties", () => {
  for (const [label, shape, attrs] of tieCases) {
    for (const [feedLabel, levels] of [
      ['all zeros', 0],
      ['two levels', 2],
      ['three levels', 3],
    ] as const) {
      it(`${label}, ${feedLabel}`, async () => {
        const x = levels === 0 ? { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape } : tiedFeed(rng(46 + levels), shape, levels);
        const plain = pool('MaxPool', shape, attrs);
        plain.addOutput('y');
        const forward = await createSession(plain.toBytes());
        const outShape = (await forward.run(toTensors({ x }))).y!.dims;
        // Distinct whole-number seeds per window: a gradient routed to the wrong tap shows, and sums of
        // overlapping windows stay exact whatever order the runtime adds them in.
        const seed = { data: Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), shape: outShape };
        const g = pool('MaxPool', shape, attrs);
        const built = addGradients(g, { of: 'y', wrt: ['x'], seed: 'seed' });
        const session = await createSession(built.model);
        const dx = (await session.run(toTensors({ x, seed })))[built.gradients.x!]!.data as Float32Array;
        expect(Array.from(dx)).toEqual(Array.from(firstWinsReference(x, seed, attrs)));
      });
    }
  }

  it('picks the first tie with ReduceMin over float tap positions, not ArgMax (int64, missing on WebGPU)', () => {
    const g = pool('MaxPool', [1, 2, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const added = ModelGraph.decode(addGradients(g, { of: 'y', wrt: ['x'] }).model).nodes.slice(g.nodes.length);
    expect(added.map((n) => n.opType)).not.toContain('ArgMax');
    expect(added.map((n) => n.opType)).toContain('ReduceMin');
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

  for (const declared of [
    [2, 3, 3, 4],
    ['n', 'c', 'h', 'w'],
  ] as const) {
    it(`GlobalMaxPool gives each channel's gradient to its first maximum with float ops only (${declared.join('x')})`, async () => {
      const values = tiedFeed(rng(48), [2, 3, 3, 4], 2).data as Float32Array;
      values.fill(0, 12, 24); // one channel all ties
      const x = { data: values, shape: [2, 3, 3, 4] };
      const built = addGradients(pool('GlobalMaxPool', declared), { of: 'y', wrt: ['x'], seed: 'seed' });
      expect(ModelGraph.decode(built.model).nodes.map((n) => n.opType)).not.toContain('ArgMax');
      const seed = { data: Float32Array.from({ length: 6 }, (_, i) => i + 1), shape: [2, 3, 1, 1] };
      const session = await createSession(built.model);
      const dx = (await session.run(toTensors({ x, seed })))[built.gradients.x!]!.data as Float32Array;
      const expected = new Float32Array(values.length);
      for (let channel = 0; channel < 6; channel++) {
        const channelValues = Array.from(values.subarray(channel * 12, channel * 12 + 12));
        expected[channel * 12 + channelValues.indexOf(Math.max(...channelValues))] = channel + 1;
      }
      expect(Array.from(dx)).toEqual(Array.from(expected));
    });
  }
});
