import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { type CaptumFixture, expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OcclusionOptions, occlusion } from './occlusion.js';

const TOLERANCE = 1e-4;
const RUNTIMES: Record<string, OrtModule> = { 'onnxruntime-node': ortNode, 'onnxruntime-web (wasm)': ortWeb as unknown as OrtModule };

/** Captum's sliding_window_shapes/strides (C, k, k) and (C, s, s), in the NCHW model's own order and in the shorthand. */
const SETTINGS: Record<'smallcnn' | 'colorcnn', OcclusionOptions & { batchSize?: number }> = {
  smallcnn: { window: [1, 4, 4], stride: [1, 2, 2] },
  colorcnn: { window: 6, stride: 3, batchSize: 7 },
};

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

  describe.each(['smallcnn', 'colorcnn'] as const)('%s', (name) => {
    it('matches Captum Occlusion (NCHW, no transposes)', async () => {
      const { fixture, model } = loaded.get(name)!;
      const result = await occlusion.attribute(model, fixture.input, { ...SETTINGS[name], target: fixture.target });
      const meta = fixture.cases.occlusion!.extra as { window: number; stride: number };
      expect(result.meta.window).toEqual(name === 'smallcnn' ? [1, meta.window, meta.window] : [3, meta.window, meta.window]);
      expectMapsClose(result.values, fixture.cases.occlusion!, TOLERANCE, `${name} occlusion (${runtime})`);
    });
  });
});
