import type { Model } from '@salience/core';
import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../test/graph-builder.js';
import { B1, B2, expectClose, mlpByHand, W1, W2, X } from '../test/mlp-reference.js';
import { fromTfjs } from './index.js';
import { weightSeed } from './weight-seed.js';

/** conv -> flatten -> dense 'head' (biases drawn from a uniform initializer, to see them re-drawn) -> dense 'out'. */
function smallCnn(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'conv', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({
        units: 4,
        activation: 'relu',
        name: 'head',
        kernelInitializer: tf.initializers.randomUniform({ minval: 5, maxval: 6, seed: 2 }),
        biasInitializer: tf.initializers.randomUniform({ minval: -3, maxval: -2, seed: 3 }),
      }),
      tf.layers.dense({ units: 3, name: 'out', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
    ],
  });
  // Trained-looking weights: nothing like what the initializers draw.
  for (const layer of model.layers) layer.setWeights(layer.getWeights().map((w) => tf.tidy(() => tf.fill(w.shape, 0.25))));
  return model;
}

const IMAGES = tensor(
  Array.from({ length: 2 * 36 }, (_, i) => Math.sin(i * 0.7)),
  [2, 6, 6, 1],
);

async function logitsOf(model: Model, input = IMAGES): Promise<Float32Array> {
  return (await model.run({ input, outputs: ['logits'] })).logits.data;
}

function weightsOf(model: tf.LayersModel, layer: string): Float32Array[] {
  return model
    .getLayer(layer)
    .getWeights()
    .map((w) => w.dataSync() as Float32Array);
}

/** Runs `work` and checks that every tensor it made was freed (the copies included). */
async function withoutLeaks(work: () => Promise<void>): Promise<void> {
  const before = tf.memory().numTensors;
  await work();
  expect(tf.memory().numTensors).toBe(before);
}

/** The reference MLP as a frozen graph (see graph-model.test.ts). */
function mlpGraph(): Promise<tf.GraphModel> {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 4]);
  const hidden = g.op('hidden', 'Relu', [g.op('pre', 'BiasAdd', [g.matMul('mm1', x, g.constant('w1', [4, 5], W1)), g.constant('b1', [5], B1)])]);
  g.op('logits', 'BiasAdd', [g.matMul('mm2', hidden, g.constant('w2', [5, 3], W2)), g.constant('b2', [3], B2)]);
  return g.build();
}

describe.each(['cpu', 'wasm'])('randomizedCopy on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it("re-initialises a LayersModel's named layers with their own initializers, seeded, and copies the rest", async () => {
    const net = smallCnn();
    const model = fromTfjs(tf, net);
    const original = await logitsOf(model);
    const convBefore = weightsOf(net, 'conv');
    await withoutLeaks(async () => {
      const copy = await model.randomizedCopy!(['head'], { seed: 7 });
      expect(copy.layers()).toEqual(model.layers());
      expect(copy.capabilities).toEqual(model.capabilities);
      const fresh = await logitsOf(copy);
      expect(Array.from(fresh)).not.toEqual(Array.from(original));
      // The original is untouched, and its weights are still its own.
      expectClose(await logitsOf(model), original, 0);
      expect(weightsOf(net, 'conv')).toEqual(convBefore);
      expect(weightsOf(net, 'head').every((w) => w.every((v) => v === 0.25))).toBe(true);
      // The copy still differentiates, and frees what it made.
      const { inputGradients } = await copy.run({ input: IMAGES, outputs: ['inputGradients'], target: 1 });
      expect(inputGradients.shape).toEqual([2, 6, 6, 1]);
      copy.dispose();
      copy.dispose();
    });
  });

  it("draws the fresh weights from the layer's initializers and keeps the others' trained values", async () => {
    const net = smallCnn();
    const model = fromTfjs(tf, net);
    await withoutLeaks(async () => {
      const copy = await model.randomizedCopy!(['head'], { seed: 3 });
      // The copy's layer activations show its weights: conv is the trained one, head the fresh one.
      const x = IMAGES;
      const conv = await copy.run({ input: x, outputs: ['layerActivations'], layer: 'conv' });
      const convOriginal = await model.run({ input: x, outputs: ['layerActivations'], layer: 'conv' });
      expectClose(conv.layerActivations.data, convOriginal.layerActivations.data, 0);
      // head = relu(flat . K + b) with K in [5, 6) and b in [-3, -2): bounded by those ranges.
      const flat = (await copy.run({ input: x, outputs: ['layerActivations'], layer: 'flat' })).layerActivations.data;
      const head = (await copy.run({ input: x, outputs: ['layerActivations'], layer: 'head' })).layerActivations.data;
      for (let r = 0; r < 2; r++) {
        const sum = flat.subarray(r * 32, (r + 1) * 32).reduce((a, b) => a + b, 0);
        for (let u = 0; u < 4; u++) {
          const v = head[r * 4 + u];
          expect(v).toBeGreaterThanOrEqual(Math.max(0, 5 * sum - 3) - 1e-3);
          expect(v).toBeLessThanOrEqual(Math.max(0, 6 * sum - 2) + 1e-3);
        }
      }
      copy.dispose();
    });
  });

  it('gives the same copy for the same seed, another for another seed, and the same fresh layer in every cascade step', async () => {
    const model = fromTfjs(tf, smallCnn());
    await withoutLeaks(async () => {
      const a = await model.randomizedCopy!(['out'], { seed: 11 });
      const b = await model.randomizedCopy!(['out'], { seed: 11 });
      const c = await model.randomizedCopy!(['out'], { seed: 12 });
      const d = await model.randomizedCopy!(['out']);
      const e = await model.randomizedCopy!(['out'], { seed: 0 });
      expectClose(await logitsOf(b), await logitsOf(a), 0);
      expect(Array.from(await logitsOf(c))).not.toEqual(Array.from(await logitsOf(a)));
      expectClose(await logitsOf(d), await logitsOf(e), 0);
      // Randomising 'out' and then also 'head' keeps the same fresh 'out': only 'head' differs.
      const both = await model.randomizedCopy!(['out', 'head'], { seed: 11 });
      const head = (m: Model) => m.run({ input: IMAGES, outputs: ['layerActivations'], layer: 'head' });
      const outGradient = async (m: Model) => (await m.run({ input: IMAGES, outputs: ['layerGradients'], layer: 'head', target: 2 })).layerGradients.data;
      expect(Array.from((await head(both)).layerActivations.data)).not.toEqual(Array.from((await head(a)).layerActivations.data));
      // d logit / d head is the fresh 'out' kernel's column: equal in both copies.
      expectClose(await outGradient(both), await outGradient(a), 0);
      for (const m of [a, b, c, d, e, both]) m.dispose();
    });
  });

  it('resets batch normalisation to its initial statistics', async () => {
    const net = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [4], name: 'bn' }), tf.layers.dense({ units: 2, name: 'd' })] });
    net.getLayer('bn').setWeights([tf.fill([4], 2), tf.fill([4], 1), tf.fill([4], 3), tf.fill([4], 4)]);
    const model = fromTfjs(tf, net);
    await withoutLeaks(async () => {
      const trained = (await model.run({ input: X, outputs: ['layerActivations'], layer: 'bn' })).layerActivations.data;
      expectClose(
        trained,
        Array.from(X.data, (v) => (2 * (v - 3)) / Math.sqrt(4 + 1e-3) + 1),
        1e-5,
      );
      const copy = await model.randomizedCopy!(['bn']);
      const fresh = (await copy.run({ input: X, outputs: ['layerActivations'], layer: 'bn' })).layerActivations.data;
      expectClose(
        fresh,
        Array.from(X.data, (v) => v / Math.sqrt(1 + 1e-3)),
        1e-5,
      );
      copy.dispose();
    });
  });

  it('copies nested models, randomising a whole nested model or one of its layers', async () => {
    const inner = tf.sequential({ name: 'trunk' });
    inner.add(tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'inner_hidden' }));
    const input = tf.input({ shape: [4] });
    const out = tf.layers.dense({ units: 3, name: 'top' }).apply(inner.apply(input) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: out });
    inner.layers[0]!.setWeights([tf.tensor2d(W1, [4, 5]), tf.tensor1d(B1)]);
    net.getLayer('top').setWeights([tf.tensor2d(W2, [5, 3]), tf.tensor1d(B2)]);
    const model = fromTfjs(tf, net);
    expectClose(await logitsOf(model, X), mlpByHand(X).logits.data);
    await withoutLeaks(async () => {
      for (const layer of ['trunk', 'inner_hidden', 'top']) {
        const copy = await model.randomizedCopy!([layer], { seed: 5 });
        const hidden = (await copy.run({ input: X, outputs: ['layerActivations'], layer: 'inner_hidden' })).layerActivations.data;
        const keepsTrunk = layer === 'top';
        if (keepsTrunk) expectClose(hidden, mlpByHand(X).hidden);
        else expect(Array.from(hidden)).not.toEqual(Array.from(mlpByHand(X).hidden));
        copy.dispose();
      }
    });
    // Both ways of naming the nested layer give the same copy.
    const byName = await model.randomizedCopy!(['inner_hidden'], { seed: 5 });
    const byParent = await model.randomizedCopy!(['trunk'], { seed: 5 });
    expectClose(await logitsOf(byName, X), await logitsOf(byParent, X), 0);
    byName.dispose();
    byParent.dispose();
    expectClose(await logitsOf(model, X), mlpByHand(X).logits.data);
  });

  it('copies a copy, which outlives the copy it came from', async () => {
    const model = fromTfjs(tf, smallCnn());
    await withoutLeaks(async () => {
      const first = await model.randomizedCopy!(['out'], { seed: 1 });
      const second = await first.randomizedCopy!(['head'], { seed: 2 });
      const expected = await logitsOf(second);
      first.dispose();
      expectClose(await logitsOf(second), expected, 0);
      second.dispose();
    });
  });

  it('rejects unknown layers, layers without weights and bad seeds before copying, and has no copies of functions', async () => {
    const model = fromTfjs(tf, smallCnn());
    await withoutLeaks(async () => {
      await expect(model.randomizedCopy!(['nope'])).rejects.toMatchObject({ name: 'UnknownLayerError', available: ['conv', 'flat', 'head', 'out'] });
      await expect(model.randomizedCopy!(['flat'])).rejects.toThrow(/Layer 'flat' has no weights to randomise; layers with weights: conv, head, out/);
      await expect(model.randomizedCopy!(['out'], { seed: 0.5 })).rejects.toMatchObject({ name: 'OptionError' });
      await expect(model.randomizedCopy!('out' as unknown as string[])).rejects.toMatchObject({ name: 'OptionError' });
    });
    const same = await model.randomizedCopy!([]);
    expectClose(await logitsOf(same), await logitsOf(model), 0);
    same.dispose();
    model.dispose();
    await expect(model.randomizedCopy!(['out'])).rejects.toThrow(/disposed/);
    const fn = fromTfjs(tf, (x: tf.Tensor) => tf.sum(x, 1, true), { inputShape: [null, 4] });
    expect(fn.randomizedCopy).toBeUndefined();
    expect('randomizedCopy' in fn).toBe(false);
  });

  it('replaces the weights a GraphModel node reads: Glorot uniform matrices, zero biases', async () => {
    const graph = await mlpGraph();
    const model = fromTfjs(tf, graph, { output: 'logits' });
    const expected = mlpByHand(X);
    await withoutLeaks(async () => {
      // 'pre' (BiasAdd) reads b1: zeros in the copy.
      const noBias = await model.randomizedCopy!(['pre'], { seed: 3 });
      const pre = (await noBias.run({ input: X, outputs: ['layerActivations'], layer: 'pre' })).layerActivations.data;
      expectClose(
        pre,
        Array.from(expected.pre, (v, i) => v - B1[i % 5]!),
      );
      noBias.dispose();
      // 'mm1' (MatMul) reads w1 [4, 5]: uniform in +-sqrt(6 / 9), seeded by the weight's name.
      const fresh = await model.randomizedCopy!(['mm1'], { seed: 3 });
      const unit = tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [4, 4]);
      const rows = (await fresh.run({ input: unit, outputs: ['layerActivations'], layer: 'mm1' })).layerActivations.data;
      const limit = Math.sqrt(6 / 9);
      expect(rows.every((v) => Math.abs(v) <= limit)).toBe(true);
      expect(Array.from(rows)).not.toEqual(W1);
      const again = await model.randomizedCopy!(['mm1', 'mm2'], { seed: 3 });
      const rowsAgain = (await again.run({ input: unit, outputs: ['layerActivations'], layer: 'mm1' })).layerActivations.data;
      expectClose(rowsAgain, rows, 0);
      expect(weightSeed(3, 'w1')).not.toBe(weightSeed(3, 'w2'));
      // The gradients of the copy flow through the fed weights.
      const { inputGradients } = await fresh.run({ input: X, outputs: ['inputGradients'], target: 0 });
      expect(inputGradients.shape).toEqual([3, 4]);
      const copyOfCopy = await fresh.randomizedCopy!(['mm2'], { seed: 4 });
      fresh.dispose();
      const stillMm1 = (await copyOfCopy.run({ input: unit, outputs: ['layerActivations'], layer: 'mm1' })).layerActivations.data;
      expectClose(stillMm1, rows, 0);
      copyOfCopy.dispose();
      again.dispose();
    });
    // The graph itself still holds its weights.
    expectClose(await logitsOf(model, X), expected.logits.data);
    await expect(model.randomizedCopy!(['hidden'])).rejects.toThrow(/Node 'hidden' reads no weights to randomise; nodes with weights: mm1, pre, mm2, logits/);
    await expect(model.randomizedCopy!(['nope'])).rejects.toMatchObject({ name: 'UnknownLayerError' });
  });
});
