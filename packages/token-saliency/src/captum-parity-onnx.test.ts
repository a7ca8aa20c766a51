import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from './token-saliency.js';

/** The same bar as on tfjs: max abs error <= 1e-4 of each map's largest value (and of the largest delta). */
const TOLERANCE = 1e-4;
const RUNTIMES: Record<string, OrtModule> = { 'onnxruntime-node': ortNode, 'onnxruntime-web (wasm)': ortWeb as unknown as OrtModule };

/** The fixture's values with padding set to 0, as the method returns them. */
function masked(expected: { data: Float32Array; shape: readonly number[] }, ids: Float32Array, width = 1) {
  const data = Float32Array.from(expected.data);
  for (let i = 0; i < ids.length; i++) if (ids[i] === 0) data.fill(0, i * width, (i + 1) * width);
  return { data, shape: expected.shape };
}

describe.each(Object.keys(RUNTIMES))('Captum parity (tinytext) through model.onnx on %s', (runtime) => {
  let fixture: CaptumFixture;
  let model: OnnxModel;

  beforeAll(async () => {
    ortWeb.env.wasm.numThreads = 1;
    fixture = await loadCaptumFixture('tinytext');
    // int64 ids; the embedding point is found by itself: the Gather that reads them ('/emb/Gather_output_0').
    model = await fromOnnx(RUNTIMES[runtime]!, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
  });

  afterAll(() => model.dispose());

  it('finds the embedding lookup', () => {
    expect(model.layout).toBe('tokens');
    expect(model.embedding).toBe('/emb/Gather_output_0');
  });

  it('grad-l2 and its per-dimension values match the embedding gradient, unmasked and masked', async () => {
    const target = fixture.target;
    const plain = await tokenGradL2.attribute(model, fixture.input, { target });
    expectMapsClose(plain.values, fixture.cases.token_grad_l2!, TOLERANCE, `token_grad_l2 (${runtime})`);
    const padded = await tokenGradL2.attribute(model, fixture.input, { target, padTokenId: 0 });
    expectMapsClose(padded.values, masked(fixture.cases.token_grad_l2!, fixture.input.data), TOLERANCE, `token_grad_l2 masked (${runtime})`);
    const perDimension = await tokenGradL2.attribute(model, fixture.input, { target, perDimension: true });
    expectMapsClose(perDimension.values, fixture.cases.embedding_gradient!, TOLERANCE, `embedding_gradient (${runtime})`);
  });

  it('grad-x-embedding matches', async () => {
    const result = await tokenGradXEmbedding.attribute(model, fixture.input, { target: fixture.target, padTokenId: 0 });
    expectMapsClose(result.values, masked(fixture.cases.token_grad_x_emb!, fixture.input.data), TOLERANCE, `token_grad_x_emb (${runtime})`);
  });

  it("integrated gradients with the pad baseline match LayerIntegratedGradients (Captum's trapezoid), delta too", async () => {
    const result = await tokenIntegratedGradients.attribute(model, fixture.input, {
      target: fixture.target,
      padTokenId: 0,
      quadrature: 'riemann-trapezoid',
      steps: 50,
      captumTrapezoid: true,
      batchSize: 64,
    });
    expectMapsClose(result.values, fixture.cases.token_ig_trapezoid_50_pad_baseline!, TOLERANCE, `token IG (${runtime})`);
    const delta = result.meta.delta as Float32Array;
    const expected = fixture.cases.token_ig_delta!.data;
    const scale = Math.max(...Array.from(expected, Math.abs));
    for (let i = 0; i < expected.length; i++) expect(Math.abs(delta[i]! - expected[i]!)).toBeLessThanOrEqual(TOLERANCE * scale);
  });
});
