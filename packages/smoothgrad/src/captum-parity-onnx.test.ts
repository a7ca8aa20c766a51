import { gradient } from '@salience/gradient';
import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { type CaptumFixture, type CaptumModelName, expectMapsClose, loadCaptumFixture } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmoothGradOptions } from './options.js';
import { smoothGrad } from './smoothgrad.js';

const MODELS: readonly CaptumModelName[] = ['smallcnn', 'colorcnn'];
const TOLERANCE = 1e-4;
const RUNTIMES: Record<string, OrtModule> = { 'onnxruntime-node': ortNode, 'onnxruntime-web (wasm)': ortWeb as unknown as OrtModule };

const CASES: readonly [string, Record<string, unknown> & SmoothGradOptions][] = [
  ['smoothgrad_abs', { variant: 'absolute' }],
  ['smoothgrad_signed', { variant: 'signed' }],
  ['smoothgrad_sq', { variant: 'signed', statistic: 'mean-of-squares' }],
  ['vargrad', { variant: 'signed', statistic: 'variance' }],
];

describe.each(Object.keys(RUNTIMES))('Captum parity through model.onnx on %s', (runtime) => {
  const loaded = new Map<CaptumModelName, { fixture: CaptumFixture; model: OnnxModel }>();

  beforeAll(async () => {
    ortWeb.env.wasm.numThreads = 1;
    for (const name of MODELS) {
      const fixture = await loadCaptumFixture(name);
      loaded.set(name, { fixture, model: await fromOnnx(RUNTIMES[runtime]!, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } }) });
    }
  });

  afterAll(() => {
    for (const { model } of loaded.values()) model.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    it.each(CASES)('matches %s given the fixture noise (NCHW, no transposes)', async (expectedName, options) => {
      const { fixture, model } = loaded.get(name)!;
      const noise = fixture.cases.smoothgrad_noise!;
      const result = await smoothGrad(gradient).attribute(model, fixture.input, { ...options, noise, target: Array.from(fixture.target), batchSize: 16 });
      expect(result.meta.samples).toBe(noise.shape[0]);
      expectMapsClose(result.values, fixture.cases[expectedName]!, TOLERANCE, `${name} ${expectedName} on ${runtime}`);
    });
  });
});
