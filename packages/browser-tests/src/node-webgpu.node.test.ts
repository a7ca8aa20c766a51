import { gradient } from '@salience/gradient';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDawnNavigator } from './dawn.js';
import { GPU_TOLERANCE } from './tolerance.js';

/** A tiny NHWC CNN with fixed weights: conv (tanh) -> max pool -> dense. */
function tinyCnn(): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'tanh', name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  return model;
}

const input = { data: Float32Array.from({ length: 2 * 8 * 8 * 2 }, (_, i) => Math.sin(i * 0.37)), shape: [2, 8, 8, 2] };

async function inputGradientOn(backend: string) {
  expect(await tf.setBackend(backend)).toBe(true);
  const net = tinyCnn();
  const model = fromTfjs(tf, net);
  try {
    const before = tf.memory().numTensors;
    const attribution = await gradient.attribute(model, input, { target: [0, 2], variant: 'signed' });
    expect(tf.memory().numTensors).toBe(before);
    return attribution.values;
  } finally {
    model.dispose();
    net.dispose();
  }
}

describe("tfjs's webgpu backend in Node, on Dawn (the webgpu package)", () => {
  let adapter: string;
  beforeAll(async () => {
    adapter = await installDawnNavigator();
    await import('@tensorflow/tfjs-backend-webgpu');
    // Budgets that hold at 5x slowdown on a busy machine (vitest's 5 s default did not).
  }, 60_000);
  afterAll(async () => {
    await tf.setBackend('cpu');
    tf.removeBackend('webgpu');
  });

  it('starts on the WebGPU adapter that Dawn finds', async () => {
    console.log(`Dawn adapter: ${adapter}`);
    expect(await tf.setBackend('webgpu')).toBe(true);
    expect(tf.getBackend()).toBe('webgpu');
  }, 30_000);

  it("gives a tiny CNN's input gradients equal to the cpu backend's", async () => {
    const onGpu = await inputGradientOn('webgpu');
    const onCpu = await inputGradientOn('cpu');
    expect(onGpu.shape).toEqual([2, 8, 8, 2]);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < onCpu.data.length; i++) {
      worst = Math.max(worst, Math.abs(onGpu.data[i]! - onCpu.data[i]!));
      scale = Math.max(scale, Math.abs(onCpu.data[i]!));
    }
    console.log(`Dawn webgpu vs cpu: max |difference| / max |gradient| = ${(worst / scale).toExponential(2)}`);
    expect(scale).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(GPU_TOLERANCE * scale);
  }, 60_000);
});
