import { describe, it } from 'vitest';
import { expectGradientsMatch, randomFeed, rng } from '../../test/gradient-check.js';
import { ModelGraph } from '../model-graph.js';

describe('Softmax and LogSoftmax gradients match finite differences', () => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const axis of [undefined, 1, -2, 0]) {
      it(`${op}, axis ${axis ?? 'default (-1)'}`, async () => {
        const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3, 4] }] });
        g.add(op, ['x'], axis === undefined ? undefined : { axis }, { output: 'y' });
        await expectGradientsMatch(g, { of: 'y', wrt: ['x'], feeds: { x: randomFeed(rng(61), [2, 3, 4], { min: -2, max: 2 }) } });
      });
    }
  }
});
