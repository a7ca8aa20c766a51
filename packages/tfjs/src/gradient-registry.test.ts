import * as tf from '@tensorflow/tfjs';
import type { GradConfig } from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, W1, X } from '../test/mlp-reference.js';
import type { TfNamespace } from './index.js';
import { fromTfjs, gradientsRegistered } from './index.js';

function mlpFunction() {
  const w = tf.tensor2d(W1, [4, 5]);
  return { fn: (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, w), w };
}

const IMPORT_HINT = /import '@tensorflow\/tfjs'.*@tensorflow\/tfjs-core\/dist\/register_all_gradients/;

describe('without registered gradients', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sees the gradients that @tensorflow/tfjs registers', () => {
    expect(gradientsRegistered(tf)).toBe(true);
  });

  it('offers only logits, and says what to import when asked for gradients', async () => {
    // The Node build of @tensorflow/tfjs-core alone: no gradient is registered.
    const coreOnly: TfNamespace = { ...tf, getGradient: () => undefined as unknown as GradConfig };
    expect(gradientsRegistered(coreOnly)).toBe(false);
    const { fn, w } = mlpFunction();
    const adapter = fromTfjs(coreOnly, fn, { inputShape: [null, 4] });
    expect([...adapter.capabilities]).toEqual(['logits']);
    const { logits } = await adapter.run({ input: X, outputs: ['logits'] });
    expect(logits.shape).toEqual([3, 5]);
    for (const outputs of [['inputGradients'], ['logits', 'inputGradients']] as const) {
      const error = await expectNoLeak(() => adapter.run({ input: X, outputs, target: 0 }));
      expect(error).toMatchObject({ name: 'GradientsUnavailableError', code: 'NO_GRADIENTS', message: expect.stringMatching(IMPORT_HINT) });
    }
    w.dispose();
  });

  describe('when they are really unregistered', () => {
    const saved: GradConfig[] = [];
    afterEach(() => {
      for (const config of saved.splice(0)) tf.registerGradient(config);
    });

    it('a LayersModel gives logits only, and gradient requests fail with GradientsUnavailableError', async () => {
      for (const kernel of ['Add', 'BatchMatMul']) {
        saved.push(tf.getGradient(kernel)!);
        tf.unregisterGradient(kernel);
      }
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 5, inputShape: [4], useBias: false, name: 'dense' }));
      model.getLayer('dense').setWeights([tf.tensor2d(W1, [4, 5])]);
      const adapter = fromTfjs(tf, model);
      expect([...adapter.capabilities]).toEqual(['logits']);
      const { logits } = await adapter.run({ input: X, outputs: ['logits'] });
      const expected = Array.from({ length: 15 }, (_, k) => [0, 1, 2, 3].reduce((s, i) => s + X.data[Math.floor(k / 5) * 4 + i]! * W1[i * 5 + (k % 5)]!, 0));
      expectClose(logits.data, expected);
      const error = await expectNoLeak(() => adapter.run({ input: X, outputs: ['layerGradients'], target: 0, layer: 'dense' }));
      expect(error).toMatchObject({ name: 'GradientsUnavailableError', message: expect.stringMatching(IMPORT_HINT) });
      await expect(adapter.run({ input: X, outputs: ['layerActivations'], layer: 'dense' })).rejects.toMatchObject({ name: 'CapabilityError' });
    });

    it('a kernel without a gradient fails with a GradientsUnavailableError naming it (UNSUPPORTED_OP)', async () => {
      saved.push(tf.getGradient('Tanh')!);
      tf.unregisterGradient('Tanh');
      const adapter = fromTfjs(tf, (x) => tf.tanh(x), { inputShape: [null, 4] });
      const error = await expectNoLeak(() => adapter.run({ input: X, outputs: ['inputGradients'], target: 0 }));
      expect(error).toMatchObject({ name: 'GradientsUnavailableError', code: 'UNSUPPORTED_OP', op: 'Tanh', message: expect.stringMatching(/tf\.registerGradient/) });
    });
  });

  it('runs again once the gradients are back', async () => {
    const { fn, w } = mlpFunction();
    const adapter = fromTfjs(tf, fn, { inputShape: [null, 4] });
    const { inputGradients } = await adapter.run({ input: X, outputs: ['inputGradients'], target: 1 });
    expect(Array.from(inputGradients.data.subarray(0, 4))).toEqual([0, 1, 2, 3].map((i) => Math.fround(W1[i * 5 + 1]!)));
    w.dispose();
  });
});
