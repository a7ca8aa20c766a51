import { borrowCpuBackwardKernels } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withFastFilterGradients } from './fast-filter-gradient.js';

const CASES: { name: string; x: number[]; filter: number[]; strides: number | [number, number]; pad: 'same' | 'valid' | number }[] = [
  { name: '3x3, stride 1, same', x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x3, stride 2, valid', x: [3, 9, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { name: '5x4, strides 2 x 1, same', x: [1, 8, 7, 3], filter: [5, 4, 3, 2], strides: [2, 1], pad: 'same' },
  { name: '3x3, explicit padding 1', x: [2, 5, 5, 1], filter: [3, 3, 1, 3], strides: 1, pad: 1 },
];

/** d sum(conv(x, w) * dy) / d w, by whatever filter-gradient kernel is registered. */
function filterGradient(c: (typeof CASES)[number]): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 1);
    const w = tf.randomNormal(c.filter, 0, 1, 'float32', 2);
    const out = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad);
    const dy = tf.randomNormal(out.shape, 0, 1, 'float32', 3);
    const [dw] = tf.grads((filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.strides, c.pad), dy)))([w]) as [tf.Tensor];
    return dw.dataSync() as Float32Array;
  });
}

describe.each(['cpu', 'wasm'])('the fast filter gradient on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    borrowCpuBackwardKernels(tf);
  });

  it.each(CASES)("equals tfjs's own kernel: $name", async (c) => {
    const reference = filterGradient(c);
    const fast = await withFastFilterGradients(tf, async () => filterGradient(c));
    expect(fast.length).toBe(reference.length);
    let worst = 0;
    for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - reference[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('puts the registry back afterwards, also when the work throws', async () => {
    const before = tf.getKernel('Conv2DBackpropFilter', backend);
    await withFastFilterGradients(tf, async () => {
      expect(tf.getKernel('Conv2DBackpropFilter', backend)).not.toBe(before);
    });
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBe(before);
    await expect(
      withFastFilterGradients(tf, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBe(before);
  });
});
