import { createRng, type Method, type Model, OptionError, SalienceError, ShapeError, type TensorData } from '@salience/core';
import { attentionRollout, eigenCam, gradCam, gradCamPlusPlus, hiResCam, layerCam, scoreCam, xGradCam } from '@salience/grad-cam';
import { gradient, inputXGradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { featureAblation, occlusion } from '@salience/occlusion';
import { kernelShap, lime, shapleySampling } from '@salience/shapley';
import { smoothGrad, smoothGradSquared, varGrad } from '@salience/smoothgrad';
import { createImageModel, createTokenModel } from '@salience/testing';
import { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients } from '@salience/token-saliency';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * Property tests of option parsing in the library (issue 16): random option objects, with the
 * methods' own names, the common ones and random names, holding awkward values (NaN, Infinity,
 * negatives, fractions, strings, arrays, objects...), go into each method's `attribute`. Each call
 * answers or fails with a typed salience error, never a raw TypeError or RangeError, and never hangs.
 * The work limits are kept small so that a random valid option cannot run for long. They live
 * here because the CLI package is the one that depends on every method and on fast-check.
 */

const SMALL_LIMITS = { steps: 64, samples: 32, windows: 64 };
const HANG_MS = 10_000;
const COMMON = ['target', 'objective', 'batchSize', 'seed', 'signal', 'context', 'limits', 'onProgress'];

const awkward = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, -0, 0.5, 1, 2, 3, 1e9, 2 ** 53, '', 'abc', 'predicted', null, true, false),
  fc.constantFrom(
    [],
    [0],
    [1, 2],
    [Number.NaN],
    {},
    { samples: 2 },
    { topK: 0 },
    { classes: [] },
    { classes: [0, 1] },
    { kind: 'cross-entropy' },
    new Float64Array(2),
    new Int32Array([0, 1]),
  ),
  fc.integer({ min: -5, max: 40 }),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.anything({ maxDepth: 2 }),
);

function optionsFor(method: Method<object>): fc.Arbitrary<Record<string, unknown>> {
  const names = [...(method.optionKeys ?? []), ...COMMON];
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) });
  return fc.dictionary(key, awkward, { maxKeys: 4 });
}

/** Answers, or fails with a SalienceError; anything else (or a run past HANG_MS) is returned. */
async function untyped(method: Method<object>, model: Model, input: TensorData, options: Record<string, unknown>): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${HANG_MS} ms`), HANG_MS);
  });
  const run = method.attribute(model, input, { ...options, limits: SMALL_LIMITS }).then(
    () => undefined,
    (error: unknown) => (error instanceof SalienceError ? undefined : `${(error as Error)?.name}: ${(error as Error)?.message}`),
  );
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const image: TensorData = { data: createRng(3).fillNormal(new Float32Array(2 * 6 * 5 * 3)), shape: [2, 6, 5, 3] };
const tokens: TensorData = { data: Float32Array.from([1, 5, 7, 2, 0, 3, 9, 4, 4, 0]), shape: [2, 5] };

const IMAGE_METHODS: Record<string, Method<object>> = {
  gradient,
  inputXGradient,
  integratedGradients,
  smoothGrad: smoothGrad(gradient),
  smoothGradSquared: smoothGradSquared(gradient),
  varGrad: varGrad(gradient),
  occlusion,
  featureAblation,
  gradCam,
  gradCamPlusPlus,
  hiResCam,
  layerCam,
  xGradCam,
  scoreCam,
  eigenCam,
  kernelShap,
  lime,
  shapleySampling,
} as Record<string, Method<object>>;
const TOKEN_METHODS: Record<string, Method<object>> = { tokenGradL2, tokenGradXEmbedding, tokenIntegratedGradients, attentionRollout } as Record<string, Method<object>>;

describe('random options into every method: typed errors only, never a hang', () => {
  const cases: [string, Method<object>, () => Model, TensorData][] = [
    ...Object.entries(IMAGE_METHODS).map(([name, method]): [string, Method<object>, () => Model, TensorData] => [name, method, () => createImageModel({ layout: 'NHWC' }), image]),
    ...Object.entries(TOKEN_METHODS).map(([name, method]): [string, Method<object>, () => Model, TensorData] => [name, method, () => createTokenModel(), tokens]),
  ];
  it.each(cases)(
    '%s',
    async (_, method, makeModel, input) => {
      const model = makeModel();
      await fc.assert(
        fc.asyncProperty(optionsFor(method), async (options) => {
          expect(
            await untyped(method, model, input, options),
            JSON.stringify(options, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
          ).toBeUndefined();
        }),
        { numRuns: 40, seed: 16 },
      );
    },
    120_000,
  );
});

/** Counts, windows and masks out of range, through the methods' public `attribute`, on the fakes. */
describe('samples, windows and masks out of range: typed errors before any model call', () => {
  const smooth = smoothGrad(gradient);
  const cases: Record<string, [Method<object>, Record<string, unknown>, new (...args: never[]) => SalienceError, RegExp?]> = {
    'smoothgrad samples 0': [smooth, { samples: 0 }, OptionError],
    'smoothgrad samples -1': [smooth, { samples: -1 }, OptionError],
    'smoothgrad samples 1.5': [smooth, { samples: 1.5 }, OptionError],
    'smoothgrad samples NaN': [smooth, { samples: Number.NaN }, OptionError],
    'smoothgrad samples 1e8 (over the limit)': [smooth, { samples: 1e8 }, OptionError, /limits: \{ samples: 100000000 \}/],
    'smoothgrad stdev negative': [smooth, { stdev: -0.1 }, OptionError],
    'smoothgrad noise of the wrong shape': [smooth, { noise: { data: new Float32Array(3), shape: [1, 3] } }, ShapeError],
    'occlusion window 0': [occlusion as Method<object>, { window: 0 }, OptionError],
    'occlusion window 1.5': [occlusion as Method<object>, { window: 1.5 }, OptionError],
    'occlusion window of 4 sizes on a 3-d example': [occlusion as Method<object>, { window: [1, 2, 3, 1] }, OptionError],
    'occlusion stride larger than the window': [occlusion as Method<object>, { window: 2, stride: 3 }, OptionError, /stride/],
    'occlusion windows over the limit': [occlusion as Method<object>, { window: 1, limits: { windows: 10 } }, OptionError, /windows/],
    'feature ablation mask of the wrong shape': [featureAblation as Method<object>, { featureMask: { data: new Float32Array(4), shape: [2, 2] } }, ShapeError],
    'feature ablation mask with fractional ids': [featureAblation as Method<object>, { featureMask: { data: new Float32Array(90).fill(0.5), shape: [6, 5, 3] } }, ShapeError],
    'kernel SHAP samples 0': [kernelShap as Method<object>, { samples: 0 }, OptionError],
    'kernel SHAP samples 1e8 (over the limit)': [kernelShap as Method<object>, { samples: 1e8 }, OptionError, /limits: \{ samples: 100000000 \}/],
    'lime samples 1e8 (over the limit)': [lime as Method<object>, { samples: 1e8 }, OptionError, /above the limit/],
    'shapley sampling permutations 1e8 (over the limit)': [shapleySampling as Method<object>, { permutations: 1e8 }, OptionError, /permutations is 100000000/],
    'kernel SHAP coalitions not 0/1': [kernelShap as Method<object>, { coalitions: { data: new Float32Array(2 * 90).fill(2), shape: [2, 90] } }, ShapeError],
    'shapley sampling permutations 0': [shapleySampling as Method<object>, { permutations: 0 }, OptionError],
    'shapley sampling a permutation that repeats': [shapleySampling as Method<object>, { permutations: { data: new Float32Array(90), shape: [1, 90] } }, ShapeError],
    'lime kernelWidth 0': [lime as Method<object>, { kernelWidth: 0 }, OptionError],
    'integrated gradients maxSteps below steps': [integratedGradients as Method<object>, { steps: 8, tolerance: 0.1, maxSteps: 4 }, OptionError],
  };
  it.each(Object.entries(cases))('%s', async (_, [method, options, error, message]) => {
    const model = createImageModel({ layout: 'NHWC' });
    const run = method.attribute(model, image, { target: 0, ...options });
    await expect(run).rejects.toBeInstanceOf(error);
    if (message) await expect(run).rejects.toThrow(message);
    expect(model.calls).toBe(0);
  });

  it('a window larger than the image is clamped to it (documented: the CLI warns), not refused', async () => {
    const model = createImageModel({ layout: 'NHWC' });
    const clamped = await occlusion.attribute(model, image, { target: 0, window: 50 });
    const whole = await occlusion.attribute(model, image, { target: 0, window: [6, 5] });
    expect(clamped.values.data).toEqual(whole.values.data);
  });
});
