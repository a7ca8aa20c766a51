import type { ModelRequest } from '@salience/core';
import { tensor } from '@salience/core';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak } from '../test/mlp-reference.js';
import { fromTfjs } from './index.js';

const TABLE = [0, 0, 0.5, -0.2, 0.1, 0.9, -0.7, 0.3, 0.25, 0.6]; // [5, 2]
const HEAD = [0.2, -0.1, 0.4, 0.3, -0.5, 0.7, 0.1, 0.2, 0.6, -0.4, -0.3, 0.8]; // [6, 2]
const IDS = tensor([1, 2, 0, 4, 3, 3, 2, 2, 1], [3, 3]);

/** ids [B, 3] -> Embedding(5, 2) 'emb' -> Flatten -> Dense(2) 'head': d logit_c / d e[t, d] = HEAD[2t + d, c]. */
function textModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, name: 'emb' }));
  model.add(tf.layers.flatten({ name: 'flat' }));
  model.add(tf.layers.dense({ units: 2, useBias: false, name: 'head' }));
  model.getLayer('emb').setWeights([tf.tensor2d(TABLE, [5, 2])]);
  model.getLayer('head').setWeights([tf.tensor2d(HEAD, [6, 2])]);
  return model;
}

const lookup = (ids: ArrayLike<number>) => Array.from(ids).flatMap((id) => [TABLE[id * 2]!, TABLE[id * 2 + 1]!]);
const column = (c: number) => Array.from({ length: 6 }, (_, i) => HEAD[i * 2 + c]!);

describe.each(['cpu', 'wasm'])('Embedding layers on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
  });

  it('finds the one Embedding layer and gives embeddings, their gradients and the logits in one pass', async () => {
    const adapter = fromTfjs(tf, textModel());
    expect(adapter.layout).toBe('tokens');
    expect(adapter.embeddingLayer).toBe('emb');
    expect(adapter.inputDtype).toBe('int32');
    expect([...adapter.capabilities].sort()).toEqual(['embeddingGradients', 'embeddings', 'layerActivations', 'layerGradients', 'logits']);
    const result = await adapter.run({ input: IDS, outputs: ['embeddings', 'embeddingGradients', 'logits'], target: [1, 0, 1] });
    expect(result.embeddings.shape).toEqual([3, 3, 2]);
    expectClose(result.embeddings.data, lookup(IDS.data));
    expectClose(result.embeddingGradients.data, [...column(1), ...column(0), ...column(1)]);
    const logits = [0, 1, 2].flatMap((r) => [0, 1].map((c) => lookup(IDS.data.subarray(r * 3, r * 3 + 3)).reduce((s, e, i) => s! + e! * HEAD[i * 2 + c]!, 0)));
    expectClose(result.logits.data, logits);
  });

  it('runs from given embeddings, also while recording the embedding layer as a layer', async () => {
    const adapter = fromTfjs(tf, textModel(), { embeddingLayer: 'emb' });
    const given = tensor(
      Float32Array.from({ length: 18 }, (_, i) => (i % 5) / 4 - 0.5),
      [3, 3, 2],
    );
    const result = await adapter.run({
      input: IDS,
      outputs: ['logits', 'embeddings', 'embeddingGradients', 'layerActivations', 'layerGradients'],
      embeddings: given,
      target: 0,
      layer: 'emb',
    });
    expectClose(result.embeddings.data, given.data);
    expectClose(result.layerActivations.data, given.data);
    expectClose(result.embeddingGradients.data, [...column(0), ...column(0), ...column(0)]);
    expectClose(result.layerGradients.data, result.embeddingGradients.data);
    const logits = [0, 1, 2].flatMap((r) => [0, 1].map((c) => given.data.subarray(r * 6, r * 6 + 6).reduce((s, e, i) => s + e * HEAD[i * 2 + c]!, 0)));
    expectClose(result.logits.data, logits);
  });

  it('checks ids and given embeddings before running, and frees every tensor', async () => {
    const adapter = fromTfjs(tf, textModel());
    const bad: [ModelRequest, string][] = [
      [{ input: tensor([1, 2, 5], [1, 3]), outputs: ['logits'] }, 'ShapeError'],
      [{ input: tensor([1, 2, 0.5], [1, 3]), outputs: ['logits'] }, 'ShapeError'],
      [{ input: IDS, outputs: ['logits'], embeddings: tensor(new Float32Array(18), [3, 2, 3]) }, 'ShapeError'],
      [{ input: IDS, outputs: ['inputGradients'], target: 0 }, 'CapabilityError'],
      [{ input: IDS, outputs: ['embeddingGradients'], target: 2 }, 'TargetError'],
    ];
    for (const [request, name] of bad) expect(await expectNoLeak(() => adapter.run(request))).toMatchObject({ name });
    await expectNoLeak(() => adapter.run({ input: IDS, outputs: ['embeddings', 'embeddingGradients'], target: 'predicted' }));
  });

  it('asks which Embedding layer to use when there are several', () => {
    const input = tf.input({ shape: [3], dtype: 'int32' });
    const a = tf.layers.embedding({ inputDim: 5, outputDim: 2, name: 'words' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.embedding({ inputDim: 5, outputDim: 2, name: 'positions' }).apply(input) as tf.SymbolicTensor;
    const summed = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(summed)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(() => fromTfjs(tf, model)).toThrow(expect.objectContaining({ name: 'OptionError', message: expect.stringMatching(/words, positions/) }));
    expect(fromTfjs(tf, model, { embeddingLayer: 'words' }).embeddingLayer).toBe('words');
    expect(() => fromTfjs(tf, model, { embeddingLayer: 'nope' })).toThrow(expect.objectContaining({ name: 'UnknownLayerError' }));
  });
});
