import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectMapsClose } from '../compare.js';
import { CAPTUM_MODELS, loadCaptumFixture } from '../fixtures.js';
import { nchwToNhwc } from '../layout.js';
import { buildFixtureModel } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('buildFixtureModel', () => {
  it.each(CAPTUM_MODELS)('%s rebuilt in tfjs gives the fixture logits', async (name) => {
    const fixture = await loadCaptumFixture(name);
    const before = tf.memory().numTensors;
    const model = buildFixtureModel(tf, name, fixture.weights);
    const input = fixture.layout === 'NCHW' ? nchwToNhwc(fixture.input) : fixture.input;
    const logits = tf.tidy(() => (model.predict(tf.tensor(input.data, [...input.shape])) as tf.Tensor).dataSync());
    expectMapsClose({ data: Float32Array.from(logits), shape: fixture.logits.shape }, fixture.logits, 1e-5, `${name} logits`);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the layers as the fixtures do, with the Grad-CAM layers before their ReLU', async () => {
    const small = buildFixtureModel(tf, 'smallcnn', (await loadCaptumFixture('smallcnn')).weights);
    const color = buildFixtureModel(tf, 'colorcnn', (await loadCaptumFixture('colorcnn')).weights);
    const text = buildFixtureModel(tf, 'tinytext', (await loadCaptumFixture('tinytext')).weights);
    expect(small.layers.map((l) => l.name)).toEqual(['input', 'c1', 'c1_relu', 'p1', 'c2', 'c2_relu', 'p2', 'c3', 'c3_relu', 'pool', 'fc']);
    expect(small.getLayer('c3').getClassName()).toBe('Conv2D');
    expect(small.getLayer('c3').outputShape).toEqual([null, 7, 7, 16]);
    expect(color.getLayer('b2').getClassName()).toBe('Conv2D');
    expect(color.getLayer('b2').outputShape).toEqual([null, 16, 16, 16]);
    expect((color.getLayer('bn1').getConfig() as { epsilon: number }).epsilon).toBe(1e-5);
    expect(text.getLayer('emb').outputShape).toEqual([null, null, 16]);
    for (const m of [small, color, text]) m.dispose();
  });

  it('explains which weight is missing or misshapen', async () => {
    const { weights } = await loadCaptumFixture('tabular');
    const { 'l2.bias': _, ...missing } = weights;
    expect(() => buildFixtureModel(tf, 'tabular', missing)).toThrow(/no 'l2.bias'; they have l1.weight, l1.bias, l2.weight/);
    expect(() => buildFixtureModel(tf, 'tabular', { ...weights, 'l1.bias': weights['l2.bias']! })).toThrow(/'l1.bias' has shape \[3\]; expected \[16\]/);
  });
});
