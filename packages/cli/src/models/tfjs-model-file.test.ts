import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from '../../test/cli-harness.js';
import { loadTfjsModel, readTfjsArtifacts } from './tfjs-model-file.js';

describe('loading a tfjs model.json from disk', () => {
  const tmp = scratch();
  let original: tf.LayersModel;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 5, activation: 'relu', inputShape: [4], name: 'hidden' }));
    model.add(tf.layers.dense({ units: 3, name: 'out' }));
    original = model;
    // Save as the converter does, with the weights split into two shards at an odd byte.
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const bytes = new Uint8Array(artifacts.weightData as ArrayBuffer);
        writeFileSync(tmp.path('shard1.bin'), bytes.subarray(0, 37));
        writeFileSync(tmp.path('shard2.bin'), bytes.subarray(37));
        const json = {
          format: 'layers-model',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['shard1.bin', 'shard2.bin'], weights: artifacts.weightSpecs }],
        };
        writeFileSync(tmp.path('model.json'), JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  });
  afterAll(() => {
    original.dispose();
    tmp.remove();
  });

  it('joins the weight shards in manifest order', async () => {
    const { artifacts, graph } = await readTfjsArtifacts(tmp.path('model.json'));
    expect(graph).toBe(false);
    expect(artifacts.weightSpecs?.map((w) => w.name)).toEqual(['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
    expect((artifacts.weightData as ArrayBuffer).byteLength).toBe((4 * 5 + 5 + 5 * 3 + 3) * 4);
  });

  it('gives the same logits as the model it was saved from, and frees its tensors', async () => {
    const x = Float32Array.from([0.5, -1, 2, 0.25, 1, 1, -0.5, 0]);
    const expected = tf.tidy(() => (original.predict(tf.tensor(x, [2, 4])) as tf.Tensor).dataSync());
    const before = tf.memory().numTensors;
    const loaded = await loadTfjsModel(tmp.path('model.json'), { backend: 'cpu' });
    expect(loaded).toMatchObject({ format: 'tfjs-layers', runtime: expect.stringMatching(/^tfjs .* \(cpu\)$/) });
    expect(loaded.model.layout).toBe('NC');
    const { logits } = await loaded.model.run({ input: { data: x, shape: [2, 4] }, outputs: ['logits'] });
    expect(Array.from(logits.data)).toEqual(Array.from(expected));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says which weight file is missing', async () => {
    writeFileSync(tmp.path('broken.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['gone.bin'], weights: [] }] }));
    await expect(readTfjsArtifacts(tmp.path('broken.json'))).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/^Cannot read the weight file .*gone\.bin: it does not exist\.$/),
    });
  });
});
