import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadFixture, maxErrorPerExample, oneHot } from '../test/fixtures.js';
import { expectGradientsMatch, randomFeed, rng } from '../test/gradient-check.js';
import { addGradients } from './gradients.js';
import { ModelGraph } from './model-graph.js';
import { appendTargetObjective } from './objective.js';

describe('appendTargetObjective', () => {
  it('logit objective with a one-hot target input: one graph serves every target (smallcnn parity)', async () => {
    const fixture = loadFixture('smallcnn');
    const graph = ModelGraph.decode(fixture.model);
    const { objective, targetInput } = appendTargetObjective(graph, { logits: 'logits' });
    const built = addGradients(graph, { of: objective, wrt: ['input'] });
    expect(built.inputs).toEqual(['input', targetInput]);
    const session = await ort.InferenceSession.create(built.model, { intraOpNumThreads: 1 });
    const { input, target, logits, gradient } = fixture.arrays;
    const run = async (targets: Float32Array) =>
      (
        await session.run({
          input: new ort.Tensor('float32', input!.data, [...input!.shape]),
          [targetInput]: new ort.Tensor('float32', oneHot(targets, logits!.shape[1]!), [...logits!.shape]),
        })
      )[built.gradients.input!]!.data as Float32Array;
    for (const { worst, scale } of maxErrorPerExample(await run(target!.data), gradient!)) {
      expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    }
    // Another target through the same session gives a different map.
    const other = await run(target!.data.map((t) => (t + 1) % logits!.shape[1]!));
    expect(maxErrorPerExample(other, gradient!)[0]!.worst).toBeGreaterThan(1e-3 * maxErrorPerExample(other, gradient!)[0]!.scale);
    await session.release();
  });

  for (const kind of ['probability', 'log-probability'] as const) {
    it(`${kind} objective matches finite differences`, async () => {
      const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }] });
      const w = g.constant([0.5, -1, 0.2, 0.3, 0.8, -0.4, 1.1, 0.1, -0.6, 0.9, 0.3, -0.2], 'float32', [3, 4]);
      g.add('MatMul', ['x', w], undefined, { output: 'logits' });
      const { objective, targetInput } = appendTargetObjective(g, { logits: 'logits', kind, targetInput: 'onehot' });
      expect(targetInput).toBe('onehot');
      const onehot = { data: Float32Array.from([0, 0, 1, 0, 1, 0, 0, 0]), shape: [2, 4] };
      await expectGradientsMatch(g, { of: objective, wrt: ['x'], feeds: { x: randomFeed(rng(3), [2, 3]), onehot } });
    });
  }

  it('rejects an unknown kind or logits name', () => {
    const g = ModelGraph.create({ inputs: [{ name: 'x', type: 'float32', shape: [2, 3] }] });
    expect(() => appendTargetObjective(g, { logits: 'nope' })).toThrowError(/no tensor 'nope'/);
    expect(() => appendTargetObjective(g, { logits: 'x', kind: 'softmax' as never })).toThrowError(/Unknown objective kind/);
  });
});
