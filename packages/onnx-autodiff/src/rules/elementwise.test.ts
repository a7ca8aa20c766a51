import { describe, expect, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import type { Attributes } from '../attributes.js';
import { addGradients } from '../gradients.js';
import { ModelGraph } from '../model-graph.js';

interface Case {
  readonly op: string;
  readonly attrs?: Attributes;
  readonly min?: number;
  readonly max?: number;
  readonly avoid?: number[];
  readonly opset?: number;
}

const cases: Case[] = [
  { op: 'Relu', avoid: [0] },
  { op: 'LeakyRelu', attrs: { alpha: 0.2 }, avoid: [0] },
  { op: 'Sigmoid', min: -3, max: 3 },
  { op: 'Tanh', min: -2, max: 2 },
  { op: 'Erf', min: -2, max: 2 },
  { op: 'Sqrt', min: 0.3, max: 2 },
  { op: 'Exp', min: -1, max: 1 },
  { op: 'Log', min: 0.3, max: 2 },
  { op: 'Neg' },
  { op: 'Abs', avoid: [0] },
  { op: 'Reciprocal', min: 0.5, max: 2 },
  { op: 'Softplus', min: -2, max: 2 },
  { op: 'Sin', min: -3, max: 3 },
  { op: 'Cos', min: -3, max: 3 },
  { op: 'Elu', attrs: { alpha: 0.7 }, avoid: [0] },
  { op: 'HardSigmoid', attrs: { alpha: 0.3, beta: 0.4 }, min: -3, max: 3, avoid: [-4 / 3, 2] },
  { op: 'HardSwish', min: -5, max: 5, avoid: [-3, 3] },
  { op: 'Gelu', min: -3, max: 3, opset: 20 },
  { op: 'Gelu', attrs: { approximate: 'tanh' }, min: -3, max: 3, opset: 20 },
  { op: 'Identity' },
];

describe('elementwise gradients match finite differences', () => {
  for (const c of cases) {
    it(`${c.op}${c.attrs ? ` ${JSON.stringify(c.attrs)}` : ''}`, async () => {
      const g = ModelGraph.create({ opset: c.opset ?? 17, inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
      g.add(c.op, ['x'], c.attrs, { output: 'y' });
      const x = randomFeed(rng(1), [2, 3, 4], { min: c.min, max: c.max, avoid: c.avoid, margin: 0.05 });
      await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x } });
    });
  }

  it('Dropout (inference) is the identity', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [3, 4] }] });
    g.addNode('Dropout', ['x', g.scalar(0.3)], undefined, { outputs: ['y', 'mask'] });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(2), [3, 4]) } });
  });

  it('Dropout in training mode is refused at build time', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [3, 4] }] });
    g.addNode('Dropout', ['x', g.scalar(0.3), g.constant([1], 'bool', [])], undefined, { outputs: ['y', 'mask'], name: 'drop' });
    expect(() => addGradients(g, { of: 'y', wrt: ['x'] })).toThrowError(/'Dropout' \(node 'drop'\): training_mode=true/);
  });

  it('Clip with both bounds, one bound, and none', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [4, 5] }] });
    const both = g.add('Clip', ['x', g.scalar(-0.5), g.scalar(0.4)]);
    const upper = g.add('Clip', ['x', '', g.scalar(0.2)]);
    const none = g.add('Clip', ['x']);
    const mixed = g.add('Add', [g.add('Add', [both, g.add('Mul', [upper, g.scalar(2)])]), g.add('Mul', [none, g.scalar(3)])], undefined, { output: 'y' });
    const x = randomFeed(rng(3), [4, 5], { avoid: [-0.5, 0.4, 0.2] });
    await expectGradientsMatch(g, { of: mixed, wrt: ['x'], feeds: { x } });
  });

  it('Cast between float types carries the gradient', async () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3] }] });
    const wide = g.add('Cast', ['x'], { to: 11 });
    const squared = g.add('Mul', [wide, wide]);
    g.add('Cast', [squared], { to: 1 }, { output: 'y' });
    await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(4), [2, 3]) } });
  });
});
