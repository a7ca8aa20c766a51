import type { ModelRequest, Objective } from '@salience/core';
import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { B1, B2, expectClose, expectNoLeak, mlpByHand, mlpGradientsByHand, W1, W2, X } from '../test/mlp-reference.js';
import { fromTfjs } from './index.js';

function setDense(layer: tf.layers.Layer, kernel: number[], bias: number[], shape: [number, number]): void {
  layer.setWeights([tf.tensor2d(kernel, shape), tf.tensor1d(bias)]);
}

function sequentialMlp(): tf.Sequential {
  const model = tf.sequential({ name: 'mlp' });
  model.add(tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'hidden' }));
  model.add(tf.layers.dense({ units: 3, name: 'out' }));
  setDense(model.layers[0]!, W1, B1, [4, 5]);
  setDense(model.layers[1]!, W2, B2, [5, 3]);
  return model;
}

/** The same MLP, functional, with its hidden layer inside a nested Sequential. */
function nestedMlp(): tf.LayersModel {
  const inner = tf.sequential({ name: 'trunk' });
  inner.add(tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'inner_hidden' }));
  const input = tf.input({ shape: [4] });
  const features = inner.apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: 'head' }).apply(features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  setDense(inner.layers[0]!, W1, B1, [4, 5]);
  setDense(model.getLayer('head'), W2, B2, [5, 3]);
  return model;
}

describe.each(['cpu', 'wasm'])('LayersModel on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('gives the gradient of a Dense layer: the target column of its kernel', async () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 3, inputShape: [4], name: 'dense' }));
    setDense(model.layers[0]!, W1.slice(0, 12), B2, [4, 3]);
    const adapter = fromTfjs(tf, model);
    expect(adapter.layout).toBe('NC');
    expect(adapter.inputShape).toEqual([null, 4]);
    const { inputGradients } = await adapter.run({ input: X, outputs: ['inputGradients'], target: [2, 0, 1] });
    expect(inputGradients.shape).toEqual([3, 4]);
    const column = (c: number) => [0, 1, 2, 3].map((i) => W1[i * 3 + c]!);
    expectClose(inputGradients.data, [...column(2), ...column(0), ...column(1)], 1e-6);
  });

  it.each([
    ['logit', 'logit'],
    ['probability', 'probability'],
    ['log-probability', 'log-probability'],
    ['cross-entropy', { kind: 'cross-entropy' }],
    ['cross-entropy with labels', { kind: 'cross-entropy', labels: tensor([0.2, 0.3, 0.5, 1, 0, 0, 0, 0.5, 0.5], [3, 3]) }],
  ] as [string, Objective][])('gives input and layer gradients of the %s objective, with logits from the same pass', async (_, objective) => {
    const adapter = fromTfjs(tf, sequentialMlp());
    const targets = Int32Array.from([1, 2, 0]);
    const result = await adapter.run({
      input: X,
      outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'],
      target: targets,
      objective,
      layer: 'hidden',
    });
    const byHand = mlpByHand(X);
    const grads = mlpGradientsByHand(X, targets, objective);
    expectClose(result.logits.data, byHand.logits.data);
    expectClose(result.inputGradients.data, grads.dInput);
    expectClose(result.layerActivations.data, byHand.hidden);
    expectClose(result.layerGradients.data, grads.dHidden);
    expect(result.layerActivations.shape).toEqual([3, 5]);
    expect(result.layerGradients.shape).toEqual([3, 5]);
  });

  it("resolves 'predicted' and a single class for every row", async () => {
    const adapter = fromTfjs(tf, sequentialMlp());
    const byHand = mlpByHand(X);
    const predicted = Int32Array.from(
      [0, 1, 2].map((r) => {
        const row = Array.from(byHand.logits.data.subarray(r * 3, r * 3 + 3));
        return row.indexOf(Math.max(...row));
      }),
    );
    const fromPredicted = await adapter.run({ input: X, outputs: ['inputGradients'], target: 'predicted' });
    expectClose(fromPredicted.inputGradients.data, mlpGradientsByHand(X, predicted, 'logit').dInput);
    const fromNumber = await adapter.run({ input: X, outputs: ['inputGradients'], target: 1 });
    expectClose(fromNumber.inputGradients.data, mlpGradientsByHand(X, Int32Array.from([1, 1, 1]), 'logit').dInput);
  });

  it('reaches layers of nested models and restores them afterwards', async () => {
    const model = nestedMlp();
    const adapter = fromTfjs(tf, model);
    const names = adapter.layers().map((l) => l.name);
    expect(names).toEqual(['trunk', 'inner_hidden', 'head']);
    const targets = Int32Array.from([2, 2, 1]);
    const result = await adapter.run({ input: X, outputs: ['layerActivations', 'layerGradients', 'inputGradients'], target: targets, layer: 'inner_hidden' });
    const grads = mlpGradientsByHand(X, targets, 'logit');
    expectClose(result.layerActivations.data, mlpByHand(X).hidden);
    expectClose(result.layerGradients.data, grads.dHidden);
    expectClose(result.inputGradients.data, grads.dInput);
    // The nested model itself is a layer too: its output is the same hidden features.
    const trunk = await adapter.run({ input: X, outputs: ['layerGradients'], target: targets, layer: 'trunk' });
    expectClose(trunk.layerGradients.data, grads.dHidden);
    for (const layer of [model.getLayer('trunk'), (model.getLayer('trunk') as tf.Sequential).layers[0]]) {
      expect(Object.hasOwn(layer!, 'call')).toBe(false);
    }
    const plain = model.predict(tf.tensor2d(X.data, [3, 4])) as tf.Tensor;
    expectClose(await plain.data(), mlpByHand(X).logits.data);
    plain.dispose();
  });

  it('gives layer outputs alone, without differentiating', async () => {
    const adapter = fromTfjs(tf, sequentialMlp());
    const { layerActivations, logits } = await adapter.run({ input: X, outputs: ['layerActivations', 'logits'], layer: 'hidden' });
    expectClose(layerActivations.data, mlpByHand(X).hidden);
    expectClose(logits.data, mlpByHand(X).logits.data);
  });

  it("gives the one-hot of the target as the output layer's gradient", async () => {
    const adapter = fromTfjs(tf, sequentialMlp());
    const { layerGradients, layerActivations } = await adapter.run({ input: X, outputs: ['layerGradients', 'layerActivations'], target: 0, layer: 'out' });
    expect(layerGradients.shape).toEqual([3, 3]);
    expectClose(layerGradients.data, [1, 0, 0, 1, 0, 0, 1, 0, 0]);
    expectClose(layerActivations.data, mlpByHand(X).logits.data);
  });

  it('lists layers with kind, output shape and whether they are spatial', async () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], name: 'conv' }));
    model.add(tf.layers.flatten({ name: 'flat' }));
    model.add(tf.layers.dense({ units: 2, name: 'fc' }));
    const adapter = fromTfjs(tf, model);
    expect(adapter.layout).toBe('NHWC');
    expect(adapter.layers()).toEqual([
      { name: 'conv', kind: 'Conv2D', outputShape: [null, 4, 4, 2], spatial: true },
      { name: 'flat', kind: 'Flatten', outputShape: [null, 32], spatial: false },
      { name: 'fc', kind: 'Dense', outputShape: [null, 2], spatial: false },
    ]);
    const input = tensor(
      Float32Array.from({ length: 72 }, (_, i) => Math.sin(i)),
      [2, 6, 6, 1],
    );
    const result = await adapter.run({ input, outputs: ['layerActivations', 'layerGradients', 'inputGradients', 'logits'], target: 1, layer: 'conv' });
    expect(result.layerActivations.shape).toEqual([2, 4, 4, 2]);
    expect(result.layerGradients.shape).toEqual([2, 4, 4, 2]);
    expect(result.inputGradients.shape).toEqual([2, 6, 6, 1]);
    // d logit / d conv output is the Dense kernel's column, reshaped like the flattened features.
    const kernel = (await (model.getLayer('fc').getWeights()[0] as tf.Tensor).data()) as Float32Array;
    const column = Array.from({ length: 32 }, (_, i) => kernel[i * 2 + 1]!);
    expectClose(result.layerGradients.data, [...column, ...column]);
  });

  it('frees every tensor, on answers and on failures', async () => {
    const adapter = fromTfjs(tf, sequentialMlp());
    const requests: ModelRequest[] = [
      { input: X, outputs: ['logits'] },
      { input: X, outputs: ['logits', 'inputGradients', 'layerActivations', 'layerGradients'], target: 'predicted', layer: 'hidden' },
      { input: X, outputs: ['inputGradients'], target: 7 },
      { input: X, outputs: ['inputGradients'], target: [0, 1] },
      { input: X, outputs: ['layerGradients'], target: 0, layer: 'nope' },
      { input: X, outputs: ['inputGradients'], target: 0, objective: { kind: 'cross-entropy', labels: tensor([1, 0], [1, 2]) } },
      { input: tensor([1, 2, 3], [1, 3]), outputs: ['logits'] },
    ];
    for (const request of requests) await expectNoLeak(() => adapter.run(request));
  });

  it('rejects with typed errors that say what to do', async () => {
    const adapter = fromTfjs(tf, sequentialMlp());
    await expect(adapter.run({ input: tensor([1, 2, 3], [1, 3]), outputs: ['logits'] })).rejects.toMatchObject({ name: 'ShapeError' });
    const unknown = await adapter.run({ input: X, outputs: ['layerActivations'], layer: 'nope' }).catch((e) => e);
    expect(unknown).toMatchObject({ name: 'UnknownLayerError', available: ['hidden', 'out'] });
    expect(unknown.message).toMatch(/hidden, out/);
    await expect(adapter.run({ input: X, outputs: ['layerActivations'] })).rejects.toMatchObject({ name: 'OptionError' });
    await expect(adapter.run({ input: X, outputs: ['inputGradients'] })).rejects.toMatchObject({ name: 'TargetError' });
    await expect(adapter.run({ input: X, outputs: ['inputGradients'], target: 3 })).rejects.toMatchObject({ name: 'TargetError' });
    await expect(adapter.run({ input: X, outputs: ['embeddings'] })).rejects.toMatchObject({ name: 'CapabilityError' });
    await expect(adapter.run({ input: X, outputs: [] })).rejects.toMatchObject({ name: 'OptionError' });
    const controller = new AbortController();
    controller.abort();
    await expect(adapter.run({ input: X, outputs: ['logits'], signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    adapter.dispose();
    await expect(adapter.run({ input: X, outputs: ['logits'] })).rejects.toMatchObject({ name: 'OptionError' });
  });

  it('wraps exceptions of the model in a ModelError and restores its layers', async () => {
    const model = sequentialMlp();
    const out = model.getLayer('out');
    const broken = new Error('the layer broke');
    const original = out.call;
    out.call = () => {
      throw broken;
    };
    try {
      const adapter = fromTfjs(tf, model);
      for (const request of [
        { input: X, outputs: ['logits'] },
        { input: X, outputs: ['inputGradients', 'layerGradients'], target: 0, layer: 'hidden' },
      ] as ModelRequest[]) {
        const error = (await expectNoLeak(() => adapter.run(request))) as Error;
        expect(error).toMatchObject({ name: 'ModelError', cause: broken });
        expect(Object.hasOwn(model.getLayer('hidden'), 'call')).toBe(false);
      }
    } finally {
      out.call = original;
    }
  });

  it('stops with an AbortError when the signal fires during the call, freeing everything', async () => {
    const controller = new AbortController();
    const model = sequentialMlp();
    const hidden = model.getLayer('hidden');
    const original = hidden.call.bind(hidden);
    hidden.call = (inputs, kwargs) => {
      controller.abort();
      return original(inputs, kwargs);
    };
    const adapter = fromTfjs(tf, model);
    const error = await expectNoLeak(() => adapter.run({ input: X, outputs: ['logits', 'inputGradients'], target: 0, signal: controller.signal }));
    expect(error).toMatchObject({ name: 'AbortError' });
  });
});
