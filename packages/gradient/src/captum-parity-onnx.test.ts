import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { type CaptumFixture, type CaptumModelName, expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradient, inputXGradient } from './gradient.js';

/** The same bar as on tfjs: max abs error <= 1e-5 of each map's largest value. */
const TOLERANCE = 1e-5;
const MODELS: readonly CaptumModelName[] = ['smallcnn', 'colorcnn', 'tabular'];
const RUNTIMES: Record<string, OrtModule> = { 'onnxruntime-node': ortNode, 'onnxruntime-web (wasm)': ortWeb as unknown as OrtModule };

describe.each(Object.keys(RUNTIMES))('Captum parity through model.onnx on %s', (runtime) => {
  const loaded = new Map<CaptumModelName, { fixture: CaptumFixture; model: OnnxModel }>();

  beforeAll(async () => {
    ortWeb.env.wasm.numThreads = 1;
    for (const name of MODELS) {
      const fixture = await loadCaptumFixture(name);
      // The fixtures are NCHW, as the ONNX models: no transposes.
      const model = await fromOnnx(RUNTIMES[runtime]!, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
      loaded.set(name, { fixture, model });
    }
  });

  afterAll(() => {
    for (const { model } of loaded.values()) model.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    it('signed gradient matches Saliency(abs=False), gradient x input matches InputXGradient', async () => {
      const { fixture, model } = loaded.get(name)!;
      const signed = await gradient.attribute(model, fixture.input, { target: fixture.target, variant: 'signed' });
      expectMapsClose(signed.values, fixture.cases.gradient!, TOLERANCE, `${name} gradient (${runtime})`);
      const ixg = await inputXGradient.attribute(model, fixture.input, { target: fixture.target, batchSize: 3 });
      expectMapsClose(ixg.values, fixture.cases.input_x_gradient!, TOLERANCE, `${name} input x gradient (${runtime})`);
    });
  });

  describe.each(['smallcnn', 'colorcnn'] as const)('%s image', (name) => {
    it('|gradient| and its channel max match Saliency(abs=True)', async () => {
      const { fixture, model } = loaded.get(name)!;
      const abs = await gradient.attribute(model, fixture.input, { target: fixture.target });
      expectMapsClose(abs.values, fixture.cases.saliency_abs!, TOLERANCE, `${name} |gradient| (${runtime})`);
      const max = await gradient.attribute(model, fixture.input, { target: fixture.target, channelReduction: 'max', batchSize: 2 });
      expect(max.values.shape).toEqual(fixture.cases.saliency_abs_channel_max!.shape);
      expectMapsClose(max.values, fixture.cases.saliency_abs_channel_max!, TOLERANCE, `${name} channel max (${runtime})`);
    });
  });
});
