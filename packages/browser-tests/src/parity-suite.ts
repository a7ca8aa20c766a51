import type { Method, Model, TensorData } from '@salience/core';
import { gradCam, gradCamPlusPlus } from '@salience/grad-cam';
import { gradient, inputXGradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { smoothGrad } from '@salience/smoothgrad';
import { type CaptumFixture, type CaptumModelName, compareMaps, loadCaptumFixture, nchwToNhwc } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TfjsBackend, offerOf, switchBackend } from './backends.js';
import { PrecisionLog } from './precision-log.js';
import { WASM_SMALLCNN_GAUSS_LEGENDRE, toleranceFor } from './tolerance.js';

/** One method run on a fixture model and compared with one of Captum's arrays. */
interface ParityCase {
  readonly check: string;
  readonly method: Method<object>;
  readonly options: (fixture: CaptumFixture) => object;
  /** Captum's array, in the layout of our result. */
  readonly expected: (fixture: CaptumFixture) => TensorData;
}

const nhwc = (t: TensorData): TensorData => (t.shape.length === 4 ? nchwToNhwc(t) : t);
/** Captum's [B, 1, h, w] Grad-CAM holds the same numbers as our [B, h, w]. */
const dropChannel = (t: TensorData): TensorData => ({ data: t.data, shape: [t.shape[0], ...t.shape.slice(2)] });
const fromCase = (name: string) => (f: CaptumFixture) => nhwc(f.cases[name]);

const IMAGE_CASES: readonly ParityCase[] = [
  { check: 'gradient (signed)', method: gradient, options: () => ({ variant: 'signed' }), expected: fromCase('gradient') },
  { check: '|gradient|, channel max', method: gradient, options: () => ({ channelReduction: 'max' }), expected: (f) => f.cases.saliency_abs_channel_max },
  { check: 'input x gradient', method: inputXGradient, options: () => ({}), expected: fromCase('input_x_gradient') },
  { check: 'IG riemann-right, 50 steps', method: integratedGradients, options: () => ({ quadrature: 'riemann-right', steps: 50 }), expected: fromCase('ig_riemann_right_50') },
  { check: 'IG gauss-legendre, 50 steps', method: integratedGradients, options: () => ({ quadrature: 'gauss-legendre', steps: 50 }), expected: fromCase('ig_gausslegendre_50') },
  {
    check: 'SmoothGrad |gradient|',
    method: smoothGrad(gradient),
    options: (f) => ({ variant: 'absolute', noise: nchwToNhwc(f.cases.smoothgrad_noise, 2) }),
    expected: fromCase('smoothgrad_abs'),
  },
  {
    check: 'VarGrad',
    method: smoothGrad(gradient),
    options: (f) => ({ variant: 'signed', statistic: 'variance', noise: nchwToNhwc(f.cases.smoothgrad_noise, 2) }),
    expected: fromCase('vargrad'),
  },
  {
    check: 'Grad-CAM at the layer',
    method: gradCam,
    options: (f) => ({ resolution: 'layer', layer: f.gradcamLayer }),
    expected: (f) => dropChannel(f.cases.gradcam_layer),
  },
  {
    check: 'Grad-CAM, bilinear to the input',
    method: gradCam,
    options: (f) => ({ resolution: 'input', upsample: 'bilinear', layer: f.gradcamLayer }),
    expected: (f) => dropChannel(f.cases.gradcam_bilinear),
  },
  {
    check: 'occlusion',
    method: occlusion,
    options: (f) => (f.name === 'smallcnn' ? { window: [4, 4, 1], stride: [2, 2, 1] } : { window: 6, stride: 3, batchSize: 7 }),
    expected: fromCase('occlusion'),
  },
];

const TABULAR_CASES: readonly ParityCase[] = [
  { check: 'gradient (signed)', method: gradient, options: () => ({ variant: 'signed' }), expected: (f) => f.cases.gradient },
  { check: 'input x gradient', method: inputXGradient, options: () => ({}), expected: (f) => f.cases.input_x_gradient },
  { check: 'IG gauss-legendre, 64 steps', method: integratedGradients, options: () => ({ steps: 64 }), expected: (f) => f.cases.ig_gausslegendre_64 },
];

const MODELS: readonly [CaptumModelName, readonly ParityCase[]][] = [
  ['smallcnn', IMAGE_CASES],
  ['colorcnn', IMAGE_CASES],
  ['tabular', TABULAR_CASES],
];

function toleranceOf(backend: TfjsBackend, model: CaptumModelName, check: string): number {
  if (backend === 'wasm' && model === 'smallcnn' && check.startsWith('IG gauss-legendre')) return WASM_SMALLCNN_GAUSS_LEGENDRE;
  return toleranceFor(backend);
}

/**
 * Registers the Captum parity tests of every method on `backend`, or, where this browser does not
 * offer it, one test that says so and checks that tfjs refuses to switch to it. Prints and saves
 * the measured errors (.reports/browser-parity-<backend>.json).
 */
export async function describeCaptumParity(backend: TfjsBackend): Promise<void> {
  const { offered, detail } = await offerOf(tf, backend);
  if (!offered) {
    describe(`tfjs ${backend} in Chromium`, () => {
      it(`is NOT offered by this browser (${detail}): no parity test runs on it, and tfjs refuses to switch to it`, async () => {
        console.log(`browser parity: tfjs ${backend} is not offered here: ${detail}`);
        expect(await switchBackend(tf, backend)).toBe(false);
      });
    });
    return;
  }
  const log = new PrecisionLog(`browser-parity-${backend}`);

  describe(`Captum parity on tfjs ${backend} in Chromium (${detail})`, () => {
    const loaded = new Map<CaptumModelName, { fixture: CaptumFixture; model: Model; input: TensorData }>();

    beforeAll(async () => {
      expect(await switchBackend(tf, backend)).toBe(true);
      for (const [name] of MODELS) {
        const fixture = await loadCaptumFixture(name);
        loaded.set(name, { fixture, model: fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights)), input: nhwc(fixture.input) });
      }
    });

    afterAll(async () => {
      for (const { model } of loaded.values()) model.dispose();
      await log.flush();
    });
    describe.each(MODELS)('%s', (name, cases) => {
      it.each(cases.map((c) => [c.check, c] as const))('%s', async (check, parityCase) => {
        expect(tf.getBackend()).toBe(backend);
        const { fixture, model, input } = loaded.get(name)!;
        const before = tf.memory().numTensors;
        const result = await parityCase.method.attribute(model, input, { ...parityCase.options(fixture), target: fixture.target });
        expect(tf.memory().numTensors).toBe(before);
        const expected = parityCase.expected(fixture);
        expect(result.values.shape).toEqual(expected.shape);
        const tolerance = toleranceOf(backend, name, check);
        const comparison = compareMaps(result.values, expected);
        log.record(backend, name, check, comparison, tolerance);
        const w = comparison.worst;
        expect(
          comparison.relativeError,
          `${name} ${check} on ${backend}: map ${w.map} at [${w.at.join(', ')}] is ${w.actual}, Captum's ${w.expected} (max |expected| ${w.maxAbsExpected})`,
        ).toBeLessThanOrEqual(tolerance);
      });
    });

    it('Grad-CAM++ and an aborted run leave no tensors behind', async () => {
      const { fixture, model, input } = loaded.get('colorcnn')!;
      await gradCamPlusPlus.attribute(model, input, { target: fixture.target, layer: fixture.gradcamLayer });
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      const aborted = integratedGradients.attribute(model, input, {
        steps: 16,
        batchSize: 4,
        target: fixture.target,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      await expect(aborted).rejects.toThrow(/abort/i);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
