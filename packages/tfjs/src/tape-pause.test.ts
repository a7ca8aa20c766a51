import type { ModelRequest, Objective } from '@salience/core';
import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { B1, B2, expectClose, expectNoLeak, mlpByHand, mlpGradientsByHand, W1, W2, X } from '../test/mlp-reference.js';
import { fromTfjs } from './index.js';
import { pauseTape } from './tape-pause.js';

interface EngineState {
  gradientDepth: number;
  kernelDepth: number;
  activeTape: { kernelName: string }[] | null;
}
const engineState = () => (tf.engine() as unknown as { state: EngineState }).state;
const tapeIsOn = () => engineState().gradientDepth > 0 && engineState().kernelDepth === 0;

/** 4 -> relu 5 -> 3 -> 3: the MLP of the hand-computed references, with an identity-weight layer after it. */
function threeLayers(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'hidden' }));
  model.add(tf.layers.dense({ units: 3, name: 'out' }));
  model.add(tf.layers.dense({ units: 3, name: 'same' }));
  model.layers[0]!.setWeights([tf.tensor2d(W1, [4, 5]), tf.tensor1d(B1)]);
  model.layers[1]!.setWeights([tf.tensor2d(W2, [5, 3]), tf.tensor1d(B2)]);
  model.layers[2]!.setWeights([tf.eye(3), tf.zeros([3])]);
  return model;
}

/** Wraps each layer's `call` to note whether the gradient tape records while the layer runs. */
function watchTape(model: tf.LayersModel): { taped: Map<string, boolean>; restore: () => void } {
  const taped = new Map<string, boolean>();
  for (const layer of model.layers) {
    const original = layer.call;
    layer.call = (inputs, kwargs) => {
      taped.set(layer.name, tapeIsOn());
      return original.call(layer, inputs, kwargs);
    };
  }
  const restore = () => {
    for (const layer of model.layers) delete (layer as Partial<tf.layers.Layer>).call;
  };
  return { taped, restore };
}

describe('pauseTape', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('keeps the ops it pauses off the tape, and records again after resume', () => {
    const x = tf.scalar(3);
    let kernelsWhilePaused: string[] = [];
    const [dx] = tf.grads((v: tf.Tensor) => {
      const paused = pauseTape(tf);
      expect(paused).toBeDefined();
      const before = engineState().activeTape!.length;
      const unrecorded = tf.mul(x, 10);
      kernelsWhilePaused = engineState()
        .activeTape!.slice(before)
        .map((node) => node.kernelName);
      expect(tapeIsOn()).toBe(false);
      paused!.resume();
      paused!.resume();
      expect(engineState().gradientDepth).toBe(1);
      return tf.mul(tf.mul(v, v), unrecorded);
    })([x]);
    expect(kernelsWhilePaused).toEqual([]);
    // d(v^2 * 30)/dv at 3, with the constant 30 computed while paused.
    expect(dx!.dataSync()[0]).toBeCloseTo(180);
    expect(engineState().gradientDepth).toBe(0);
    tf.dispose([x, dx]);
  });

  it('gives the tape back to the enclosing gradient even when a nested tf.grads ran while paused', () => {
    const x = tf.scalar(2);
    const [dx] = tf.grads((v: tf.Tensor) => {
      const paused = pauseTape(tf)!;
      const [inner] = tf.grads((w: tf.Tensor) => tf.mul(w, w))([tf.scalar(5)]);
      paused.resume();
      return tf.mul(tf.mul(v, v), inner!);
    })([x]);
    expect(dx!.dataSync()[0]).toBeCloseTo(40);
    tf.dispose([x, dx]);
  });

  it('does not pause outside tf.grads, nor inside a gradient that another one encloses', () => {
    expect(pauseTape(tf)).toBeUndefined();
    const x = tf.scalar(2);
    let nested: unknown = 'not called';
    const [dx] = tf.grads((v: tf.Tensor) =>
      tf.grad((w: tf.Tensor) => {
        nested = pauseTape(tf);
        return tf.mul(tf.mul(w, w), w);
      })(v),
    )([x]);
    expect(nested).toBeUndefined();
    // d/dv of 3v^2 at 2.
    expect(dx!.dataSync()[0]).toBeCloseTo(12);
    tf.dispose([x, dx]);
  });
});

describe.each(['cpu', 'wasm'])('A layer request on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('records on the gradient tape only what runs after the tapped layer, unless input gradients are wanted', async () => {
    const model = threeLayers();
    const { taped, restore } = watchTape(model);
    try {
      const adapter = fromTfjs(tf, model);
      await adapter.run({ input: X, outputs: ['layerGradients'], target: 0, layer: 'out' });
      expect(Object.fromEntries(taped)).toEqual({ hidden: false, out: false, same: true });
      await adapter.run({ input: X, outputs: ['layerGradients', 'inputGradients'], target: 0, layer: 'out' });
      expect(Object.fromEntries(taped)).toEqual({ hidden: true, out: true, same: true });
    } finally {
      restore();
    }
  });

  it.each<[string, Objective]>([
    ['logit', 'logit'],
    ['probability', 'probability'],
    ['cross-entropy', { kind: 'cross-entropy' }],
  ])('gives the same layer gradients of the %s objective with the tape paused before the layer', async (_, objective) => {
    const adapter = fromTfjs(tf, threeLayers());
    const targets = Int32Array.from([1, 2, 0]);
    const alone = await adapter.run({ input: X, outputs: ['layerGradients', 'layerActivations', 'logits'], target: targets, objective, layer: 'hidden' });
    expectClose(alone.layerGradients.data, mlpGradientsByHand(X, targets, objective).dHidden);
    expectClose(alone.layerActivations.data, mlpByHand(X).hidden);
    expectClose(alone.logits.data, mlpByHand(X).logits.data);
  });

  it('leaves the tape off and frees everything when the model fails before or after the tapped layer', async () => {
    for (const [broken, tapped] of [
      ['hidden', 'out'],
      ['same', 'hidden'],
    ]) {
      const model = threeLayers();
      const failure = new Error(`${broken} broke`);
      model.getLayer(broken!).call = () => {
        throw failure;
      };
      const adapter = fromTfjs(tf, model);
      const request: ModelRequest = { input: X, outputs: ['layerGradients'], target: 0, layer: tapped };
      const error = await expectNoLeak(() => adapter.run(request));
      expect(error).toMatchObject({ name: 'ModelError', cause: failure });
      expect(engineState().gradientDepth).toBe(0);
      expect(engineState().activeTape).toBeNull();
    }
    // A later request still differentiates.
    const { layerGradients } = await fromTfjs(tf, threeLayers()).run({ input: tensor(X.data, [3, 4]), outputs: ['layerGradients'], target: 2, layer: 'out' });
    expectClose(layerGradients.data, [0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });
});
