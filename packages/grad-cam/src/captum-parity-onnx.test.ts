import type { TensorData } from '@salience/core';
import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GradCamOptions, gradCam } from './grad-cam.js';

const TOLERANCE = 1e-4;
const RUNTIMES: Record<string, OrtModule> = { 'onnxruntime-node': ortNode, 'onnxruntime-web (wasm)': ortWeb as unknown as OrtModule };

/** Captum's [B, 1, h, w] holds the same numbers as our [B, h, w]. */
function dropChannel(expected: TensorData): TensorData {
  const [b, one, h, w] = expected.shape as [number, number, number, number];
  expect(one).toBe(1);
  return { data: expected.data, shape: [b, h, w] };
}

const cases: [string, GradCamOptions][] = [
  ['gradcam_layer', { resolution: 'layer' }],
  ['gradcam_layer_norelu', { resolution: 'layer', relu: false }],
  ['gradcam_bilinear', { resolution: 'input', upsample: 'bilinear' }],
  ['gradcam_bilinear_minmax', { resolution: 'input', upsample: 'bilinear', normalize: 'min-max' }],
];

describe.each(Object.keys(RUNTIMES))('Captum parity through model.onnx on %s', (runtime) => {
  const loaded = new Map<string, { fixture: CaptumFixture; model: OnnxModel }>();

  beforeAll(async () => {
    ortWeb.env.wasm.numThreads = 1;
    for (const name of ['smallcnn', 'colorcnn'] as const) {
      const fixture = await loadCaptumFixture(name);
      loaded.set(name, { fixture, model: await fromOnnx(RUNTIMES[runtime]!, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } }) });
    }
  });

  afterAll(() => {
    for (const { model } of loaded.values()) model.dispose();
  });

  describe.each(['smallcnn', 'colorcnn'])('%s', (name) => {
    // model.layers() names the output tensor of a PyTorch module ('/c3/Conv_output_0') by the module ('c3').
    it.each(cases)('%s at the module name', async (expectedName, options) => {
      const { fixture, model } = loaded.get(name)!;
      const result = await gradCam.attribute(model, fixture.input, { ...options, target: fixture.target, layer: fixture.gradcamLayer });
      expect(result.meta.layer).toBe(fixture.gradcamLayer);
      expectMapsClose(result.values, dropChannel(fixture.cases[expectedName]!), TOLERANCE, `${name} ${expectedName} (${runtime})`);
    });

    it('finds the layer by itself', async () => {
      const { fixture, model } = loaded.get(name)!;
      const auto = await gradCam.attribute(model, fixture.input, { target: fixture.target, resolution: 'layer', batchSize: 3 });
      expect(auto.meta).toMatchObject({ layer: fixture.gradcamLayer, layerChosen: 'auto' });
      expectMapsClose(auto.values, dropChannel(fixture.cases.gradcam_layer!), TOLERANCE);
    });
  });
});
