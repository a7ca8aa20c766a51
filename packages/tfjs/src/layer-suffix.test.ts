import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerSuffix } from './layer-suffix.js';
import { fromTfjs } from './tfjs-model.js';

/** x -> a -> b, and sum = b + a (a skip connection around b) -> flatten -> out. */
function skipModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2] });
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const a = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'a', kernelInitializer: init(1) }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'b', kernelInitializer: init(2) }).apply(a) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([b, a]) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(sum) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 3, name: 'out', kernelInitializer: init(3) }).apply(flat) as tf.SymbolicTensor });
}

const x = { data: Float32Array.from({ length: 3 * 72 }, (_, i) => Math.sin(i)), shape: [3, 6, 6, 2] };

/** Rows of `t` rotated by one: row r holds row r + 1. */
function nextRows(t: { data: Float32Array; shape: readonly number[] }) {
  const n = t.data.length / t.shape[0]!;
  const data = new Float32Array(t.data.length);
  for (let r = 0; r < t.shape[0]!; r++) data.set(t.data.subarray(((r + 1) % t.shape[0]!) * n, (((r + 1) % t.shape[0]!) + 1) * n), r * n);
  return { data, shape: [...t.shape] };
}

describe('layerSuffix', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('exists where every path goes through the layer, not around a skip connection', () => {
    const model = skipModel();
    const at = (name: string) => layerSuffix(model as never, model.getLayer(name) as never);
    expect(at('a')).toBeDefined();
    expect(at('sum')).toBeDefined();
    expect(at('b')).toBeUndefined();
  });

  it('runs only the layers after the cut: the logits follow the given activations; around a skip connection the whole model runs', async () => {
    const model = fromTfjs(tf, skipModel());
    for (const [layer, cut] of [
      ['a', true],
      ['sum', true],
      ['b', false],
    ] as const) {
      const before = tf.memory().numTensors;
      const own = await model.run({ input: x, outputs: ['layerActivations', 'logits'], layer });
      const from = await model.run({ input: x, outputs: ['logits'], layer, layerActivations: own.layerActivations });
      expect(Array.from(from.logits.data), layer).toEqual(Array.from(own.logits.data));
      const crossed = await model.run({ input: x, outputs: ['logits'], layer, layerActivations: nextRows(own.layerActivations) });
      const same = Array.from(crossed.logits.data).every((v, i) => v === nextRows(own.logits).data[i]);
      // Through a cut the input no longer matters; around b the skip connection still reads it.
      expect(same, layer).toBe(cut);
      expect(tf.memory().numTensors, layer).toBe(before);
    }
  });
});
