import type { BackwardRules } from '@salience/core';
import { expectMapsClose, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, expect, it } from 'vitest';
import { fromTfjs } from './index.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

// Captum parity of the rules is tested on cpu (@salience/modified-backprop); here the wasm backend,
// whose saved copies of tensors hold other data than the tensors, gives the same maps. smallcnn has
// a ReLU read only by a MaxPool, where the rescale rule follows Captum's hook order.
it('the backward rules give on wasm the maps they give on cpu (smallcnn)', async () => {
  const fixture = await loadCaptumFixture('smallcnn');
  const input = nchwToNhwc(fixture.input);
  const rows = input.shape[0]!;
  const paired = { data: new Float32Array(2 * input.data.length), shape: [2 * rows, ...input.shape.slice(1)] };
  paired.data.set(input.data);
  paired.data.set(
    input.data.map((v) => v * 0.3),
    input.data.length,
  );
  const target = Array.from(fixture.target);
  const cases: [string, BackwardRules, typeof input, number[]][] = [
    ['guided', { relu: 'guided' }, input, target],
    ['deconvnet', { relu: 'deconvnet' }, input, target],
    ['rescale', { rescale: true }, paired, [...target, ...target]],
  ];
  const maps: Record<string, Record<string, { data: Float32Array; shape: number[] }>> = {};
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    const layers = buildFixtureModel(tf, 'smallcnn', fixture.weights);
    const model = fromTfjs(tf, layers);
    maps[backend] = {};
    for (const [name, backward, rows, targets] of cases) {
      const before = tf.memory().numTensors;
      const { inputGradients } = await model.run({ input: rows, outputs: ['inputGradients'], target: targets, backward });
      expect(tf.memory().numTensors).toBe(before);
      maps[backend][name] = { data: Float32Array.from(inputGradients.data), shape: [...inputGradients.shape] };
    }
    layers.dispose();
  }
  for (const [name] of cases) expectMapsClose(maps.wasm![name]!, maps.cpu![name]!, 1e-5, `${name} on wasm`);
}, 60_000);
