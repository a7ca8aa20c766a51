import type { Objective } from '@salience/core';
import { objectiveAndLogitGradient, tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../test/mlp-reference.js';
import { objectiveSum } from './objective-tensor.js';

const LOGITS = tensor([0.3, -1.2, 2.0, 0.5, 0.1, -0.4, 1.5, 1.4, -2], [3, 3]);
const TARGETS = Int32Array.from([2, 0, 1]);
const OBJECTIVES: [string, Objective][] = [
  ['logit', 'logit'],
  ['probability', 'probability'],
  ['log-probability', 'log-probability'],
  ['cross-entropy', { kind: 'cross-entropy' }],
  ['cross-entropy with soft labels', { kind: 'cross-entropy', labels: tensor([0.2, 0.3, 0.5, 1, 0, 0, 0, 0.5, 0.5], [3, 3]) }],
];

describe.each(['cpu', 'wasm'])('objectiveSum on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it.each(OBJECTIVES)('%s: the sum of the rows of core’s objective, with its gradient', async (_, objective) => {
    const expected = objectiveAndLogitGradient(LOGITS, TARGETS, objective);
    const before = tf.memory().numTensors;
    const logits = tf.tensor2d(LOGITS.data, [3, 3]);
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => objectiveSum(tf, z, TARGETS, objective))(logits);
    expect((await value.data())[0]).toBeCloseTo(
      expected.values.reduce((a, b) => a + b, 0),
      5,
    );
    expectClose(await grad.data(), expected.gradient, 1e-6);
    tf.dispose([logits, value, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("takes 'predicted' as each row's argmax", async () => {
    const logits = tf.tensor2d(LOGITS.data, [3, 3]);
    const grad = tf.grad((z: tf.Tensor) => objectiveSum(tf, z, 'predicted', 'log-probability'))(logits);
    expectClose(await grad.data(), objectiveAndLogitGradient(LOGITS, Int32Array.from([2, 0, 0]), 'log-probability').gradient, 1e-6);
    tf.dispose([logits, grad]);
  });
});
