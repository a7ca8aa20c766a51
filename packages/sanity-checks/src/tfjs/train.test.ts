import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { plantedShapes } from '../benchmark/planted-shapes.js';
import { plantedCnn } from './planted-cnn.js';
import { tfjsTrainer } from './tfjs-trainer.js';
import { trainLayersModel } from './train.js';

/** Two classes told apart by the sign of the first feature. */
const X = tensor(
  Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i * 1.3)),
  [40, 3],
);
const LABELS = Int32Array.from({ length: 40 }, (_, r) => (X.data[r * 3]! > 0 ? 1 : 0));

function dense(seed: number): tf.LayersModel {
  return tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
}

describe('training in-process', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('lowers the loss, and gives the same weights for the same seed', async () => {
    const a = dense(1);
    const lossesA = await trainLayersModel(tf, a, X, LABELS, { epochs: 8, batchSize: 8, learningRate: 0.05, seed: 3 });
    expect(lossesA[7]).toBeLessThan(lossesA[0]! / 2);
    const b = dense(1);
    const lossesB = await trainLayersModel(tf, b, X, LABELS, { epochs: 8, batchSize: 8, learningRate: 0.05, seed: 3 });
    expect(lossesB).toEqual(lossesA);
    expect(b.getWeights()[0]!.dataSync()).toEqual(a.getWeights()[0]!.dataSync());
    const c = dense(1);
    await trainLayersModel(tf, c, X, LABELS, { epochs: 8, batchSize: 8, learningRate: 0.05, seed: 4 });
    expect(c.getWeights()[0]!.dataSync()).not.toEqual(a.getWeights()[0]!.dataSync());
    for (const m of [a, b, c]) m.dispose();
  });

  it('checks labels and options, and stops on abort', async () => {
    const m = dense(1);
    await expect(trainLayersModel(tf, m, X, LABELS.subarray(0, 5))).rejects.toThrow(/5 labels for 40/);
    await expect(
      trainLayersModel(
        tf,
        m,
        X,
        Int32Array.from(LABELS, () => 2),
      ),
    ).rejects.toThrow(/labels are classes in 0..1/);
    await expect(trainLayersModel(tf, m, X, LABELS, { epochs: 0 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    await expect(trainLayersModel(tf, m, X, LABELS, { learningRate: -1 })).rejects.toThrow(expect.objectContaining({ name: 'OptionError' }));
    const controller = new AbortController();
    controller.abort();
    await expect(trainLayersModel(tf, m, X, LABELS, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    m.dispose();
  });

  it('makes a trainer whose models free their tfjs model when disposed', async () => {
    const before = tf.memory().numTensors;
    const trainer = tfjsTrainer(tf, { build: dense, input: X, epochs: 2, batchSize: 20 });
    const model = await trainer(LABELS, {});
    expect(model.layout).toBe('NC');
    expect(typeof model.randomizedCopy).toBe('function');
    const { logits } = await model.run({ input: X, outputs: ['logits'] });
    expect(logits.shape).toEqual([40, 2]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const failing = tfjsTrainer(tf, { build: dense, input: X });
    await expect(failing(LABELS.subarray(1), {})).rejects.toThrow(/39 labels/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds the planted-evidence CNN, which learns the shapes', async () => {
    const net = plantedCnn(tf, { size: 16, classes: 2 });
    expect(net.layers.map((l) => l.name)).toEqual(['conv1', 'bn1', 'relu1', 'pool', 'conv2', 'bn2', 'relu2', 'conv3', 'bn3', 'relu3', 'gap', 'logits']);
    expect(net.outputs[0]!.shape).toEqual([null, 2]);
    expect(net.getLayer('conv3').outputShape).toEqual([null, 8, 8, 16]);
    const data = plantedShapes({ count: 32, size: 16, shapeSize: 5, shapes: ['plus', 'square'], seed: 1 });
    const losses = await trainLayersModel(tf, net, data.input, data.labels, { epochs: 2, batchSize: 8 });
    expect(losses[1]).toBeLessThan(losses[0]!);
    net.dispose();
    expect(() => plantedCnn(tf, { size: 15 })).toThrow(expect.objectContaining({ name: 'OptionError' }));
    expect(() => plantedCnn(tf, { classes: 1 })).toThrow(expect.objectContaining({ name: 'OptionError' }));
  });
});
