import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { B1, B2, expectClose, expectNoLeak, mlpByHand, mlpGradientsByHand, W1, W2, X } from '../test/mlp-reference.js';
import { fromTfjs } from './index.js';

describe.each(['cpu', 'wasm'])('function models on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  const weights = () => ({ w1: tf.tensor2d(W1, [4, 5]), b1: tf.tensor1d(B1), w2: tf.tensor2d(W2, [5, 3]), b2: tf.tensor1d(B2) });

  it('gives logits and input gradients of a function of a batch', async () => {
    const w = weights();
    const mlp = (x: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, w.w1), w.b1)), w.w2), w.b2);
    const adapter = fromTfjs(tf, mlp, { inputShape: [null, 4] });
    expect(adapter.source).toBe('function');
    expect([...adapter.capabilities].sort()).toEqual(['inputGradients', 'logits']);
    expect(adapter.layers()).toEqual([]);
    const targets = Int32Array.from([2, 1, 0]);
    const result = await expectNoLeak(() => adapter.run({ input: X, outputs: ['logits', 'inputGradients'], target: targets, objective: 'probability' }));
    const { logits, inputGradients } = result as { logits: { data: Float32Array }; inputGradients: { data: Float32Array } };
    expectClose(logits.data, mlpByHand(X).logits.data);
    expectClose(inputGradients.data, mlpGradientsByHand(X, targets, 'probability').dInput);
    await expectNoLeak(() => adapter.run({ input: X, outputs: ['inputGradients'], target: 3 }));
    await expect(adapter.run({ input: X, outputs: ['inputGradients'], target: 3 })).rejects.toMatchObject({ name: 'TargetError' });
    tf.dispose(Object.values(w));
  });

  it('gives embeddings and their gradients through embed and fromEmbeddings, and runs from given embeddings', async () => {
    const table = tf.tensor2d([0, 0, 1, 2, -1, 0.5, 0.3, -0.2], [4, 2]);
    const head = tf.tensor2d([0.5, -0.5, 0.25, 1, -1, 0.1], [2, 3]);
    // Mean over tokens, then a linear head: d logit_c / d e[t, d] = head[d, c] / T.
    const embed = (ids: tf.Tensor) => tf.gather(table, ids);
    const fromEmbeddings = (e: tf.Tensor) => tf.matMul(tf.mean(e, 1) as tf.Tensor2D, head);
    const adapter = fromTfjs(tf, (ids) => fromEmbeddings(embed(ids)), { inputShape: [null, null], embed, fromEmbeddings });
    expect(adapter.layout).toBe('tokens');
    expect(adapter.inputDtype).toBe('int32');
    expect([...adapter.capabilities].sort()).toEqual(['embeddingGradients', 'embeddings', 'logits']);
    const ids = tensor([1, 2, 3, 0, 3, 3, 1, 0], [2, 4]);
    const result = await adapter.run({ input: ids, outputs: ['logits', 'embeddings', 'embeddingGradients'], target: [0, 2] });
    const tableValues = [0, 0, 1, 2, -1, 0.5, 0.3, -0.2];
    expectClose(
      result.embeddings.data,
      Array.from(ids.data).flatMap((id) => [tableValues[id * 2]!, tableValues[id * 2 + 1]!]),
    );
    const headValues = [0.5, -0.5, 0.25, 1, -1, 0.1];
    const perToken = (c: number) => [headValues[c]! / 4, headValues[3 + c]! / 4];
    expectClose(result.embeddingGradients.data, [...Array(4).fill(perToken(0)).flat(), ...Array(4).fill(perToken(2)).flat()]);
    const zeros = tensor(new Float32Array(16), [2, 4, 2]);
    const fromGiven = await expectNoLeak(() => adapter.run({ input: ids, outputs: ['logits'], embeddings: zeros }));
    expectClose((fromGiven as { logits: { data: Float32Array } }).logits.data, new Float32Array(6));
    await expect(adapter.run({ input: ids, outputs: ['logits'], embeddings: tensor(new Float32Array(12), [2, 3, 2]) })).rejects.toMatchObject({
      name: 'ShapeError',
    });
    await expect(adapter.run({ input: tensor([0.5, 1], [1, 2]), outputs: ['logits'] })).rejects.toMatchObject({ name: 'ShapeError' });
    tf.dispose([table, head]);
  });

  it('wraps what the function throws, and rejects what it returns when it is not a tensor', async () => {
    const broken = new Error('the function broke');
    const throwing = fromTfjs(
      tf,
      (x) => {
        tf.relu(x);
        throw broken;
      },
      { inputShape: [null, 4] },
    );
    for (const outputs of [['logits'], ['inputGradients']] as const) {
      const error = await expectNoLeak(() => throwing.run({ input: X, outputs, target: 0 }));
      expect(error).toMatchObject({ name: 'ModelError', cause: broken });
    }
    const notATensor = fromTfjs(tf, () => [1, 2] as unknown as tf.Tensor, { inputShape: [null, 4] });
    await expect(notATensor.run({ input: X, outputs: ['logits'] })).rejects.toMatchObject({ name: 'ModelError', message: /must return one tf.Tensor/ });
    const wrongRank = fromTfjs(tf, (x) => tf.sum(x), { inputShape: [null, 4] });
    await expect(wrongRank.run({ input: X, outputs: ['inputGradients'], target: 0 })).rejects.toMatchObject({ name: 'ShapeError', message: /logits of shape \[3, classes\]/ });
  });

  it('needs an input shape, and both embedding halves or neither', () => {
    expect(() => fromTfjs(tf, (x) => x)).toThrow(expect.objectContaining({ name: 'OptionError', message: expect.stringMatching(/inputShape/) }));
    expect(() => fromTfjs(tf, (x) => x, { inputShape: [null, 4], embed: (x) => x })).toThrow(expect.objectContaining({ name: 'OptionError' }));
    expect(() => fromTfjs(tf, (x) => x, { inputShape: [null, 4], embeddingLayer: 'emb' })).toThrow(expect.objectContaining({ name: 'OptionError' }));
    expect(() => fromTfjs(tf, (x) => x, { inputShape: [null, 3, 8, 8] })).toThrow(expect.objectContaining({ message: expect.stringMatching(/channels-first/) }));
    expect(fromTfjs(tf, (x) => x, { inputShape: [null, 3, 8, 8], layout: 'NCHW' }).layout).toBe('NCHW');
    expect(() => fromTfjs(tf, {} as never)).toThrow(expect.objectContaining({ name: 'OptionError' }));
    expect(() => fromTfjs(undefined as never, (x) => x)).toThrow(expect.objectContaining({ message: expect.stringMatching(/namespace/) }));
  });
});
