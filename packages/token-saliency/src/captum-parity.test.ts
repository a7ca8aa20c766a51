import type { Model } from '@salience/core';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients, tokenSaliency } from './token-saliency.js';

/** The bar: max abs error <= 1e-4 of each map's largest value (and of the largest delta). */
const TOLERANCE = 1e-4;

/** The fixture's values with padding set to 0, as the method returns them. */
function masked(expected: { data: Float32Array; shape: readonly number[] }, ids: Float32Array, width = 1) {
  const data = Float32Array.from(expected.data);
  for (let i = 0; i < ids.length; i++) if (ids[i] === 0) data.fill(0, i * width, (i + 1) * width);
  return { data, shape: expected.shape };
}

describe.each(['cpu', 'wasm'])('Captum parity (tinytext) on tfjs %s', (backend) => {
  let fixture: CaptumFixture;
  let layers: ReturnType<typeof buildFixtureModel>;
  let model: Model;
  let functionModel: Model;

  beforeAll(async () => {
    await tf.setBackend(backend);
    await tf.ready();
    fixture = await loadCaptumFixture('tinytext');
    layers = buildFixtureModel(tf, 'tinytext', fixture.weights);
    model = fromTfjs(tf, layers);
    // The same network as a function given embeddings: the adapter's other way in.
    const table = layers.getLayer('emb').getWeights()[0]!;
    const head = (e: tf.Tensor) => {
      let x = layers.getLayer('conv').apply(e) as tf.Tensor;
      x = layers.getLayer('conv_tanh').apply(x) as tf.Tensor;
      x = layers.getLayer('pool').apply(x) as tf.Tensor;
      return layers.getLayer('fc').apply(x) as tf.Tensor;
    };
    const embed = (ids: tf.Tensor) => tf.gather(table, tf.cast(ids, 'int32'));
    functionModel = fromTfjs(tf, (ids: tf.Tensor) => head(embed(ids)), { inputShape: [null, null], layout: 'tokens', embed, fromEmbeddings: head });
  });

  afterAll(() => {
    model.dispose();
    functionModel.dispose();
    layers.dispose();
  });

  it('grad-l2 matches the L2 norm of the embedding gradient, unmasked and masked', async () => {
    const target = fixture.target;
    const plain = await tokenGradL2.attribute(model, fixture.input, { target });
    expectMapsClose(plain.values, fixture.cases.token_grad_l2!, TOLERANCE, `token_grad_l2 (${backend})`);
    const padded = await tokenGradL2.attribute(model, fixture.input, { target, padTokenId: 0 });
    expectMapsClose(padded.values, masked(fixture.cases.token_grad_l2!, fixture.input.data), TOLERANCE, `token_grad_l2 masked (${backend})`);
    expect(Array.from(padded.mask.subarray(24))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('per-dimension grad-l2 values are the embedding gradient', async () => {
    const result = await tokenGradL2.attribute(model, fixture.input, { target: fixture.target, perDimension: true });
    expect(result.layout).toBe('NTD');
    expectMapsClose(result.values, fixture.cases.embedding_gradient!, TOLERANCE, `embedding_gradient (${backend})`);
  });

  it('grad-x-embedding matches, on the LayersModel and on a function given embeddings', async () => {
    for (const m of [model, functionModel]) {
      const result = await tokenGradXEmbedding.attribute(m, fixture.input, { target: fixture.target, padTokenId: 0 });
      expectMapsClose(result.values, masked(fixture.cases.token_grad_x_emb!, fixture.input.data), TOLERANCE, `token_grad_x_emb (${backend})`);
    }
  });

  it("integrated gradients with the pad baseline match LayerIntegratedGradients (Captum's trapezoid), delta too", async () => {
    for (const m of [model, functionModel]) {
      const result = await tokenIntegratedGradients.attribute(m, fixture.input, {
        target: fixture.target,
        padTokenId: 0,
        quadrature: 'riemann-trapezoid',
        steps: 50,
        captumTrapezoid: true,
        batchSize: 64,
      });
      expectMapsClose(result.values, fixture.cases.token_ig_trapezoid_50_pad_baseline!, TOLERANCE, `token IG (${backend})`);
      const delta = result.meta.delta as Float32Array;
      const expected = fixture.cases.token_ig_delta!.data;
      const scale = Math.max(...Array.from(expected, Math.abs));
      for (let i = 0; i < expected.length; i++) expect(Math.abs(delta[i]! - expected[i]!)).toBeLessThanOrEqual(TOLERANCE * scale);
      expect(result.meta).toMatchObject({ score: 'integrated-gradients', baselineTokenId: 0, steps: 50, endpointRows: 4, gradientRows: 150 });
    }
  });

  it('leaks no tensors', async () => {
    const options = { target: fixture.target, padTokenId: 0 };
    await tokenSaliency.attribute(model, fixture.input, options);
    const before = tf.memory().numTensors;
    await tokenSaliency.attribute(model, fixture.input, { ...options, target: { classes: [0, 1] }, batchSize: 4 });
    await tokenIntegratedGradients.attribute(model, fixture.input, { ...options, steps: 8, batchSize: 5 });
    await tokenIntegratedGradients.attribute(functionModel, fixture.input, { ...options, steps: 4 });
    await expect(tokenSaliency.attribute(model, fixture.input, { target: 7 })).rejects.toThrow(/class/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
