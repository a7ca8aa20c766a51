import type { TensorData } from '@salience/core';
import { AbortError } from '@salience/core';
import { gradient } from '@salience/gradient';
import { type CaptumFixture, type CaptumModelName, expectMapsClose, loadCaptumFixture, nchwToNhwc, nhwcToNchw } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs, type TfjsModel } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmoothGradOptions } from './options.js';
import { smoothGrad } from './smoothgrad.js';

const MODELS: readonly CaptumModelName[] = ['smallcnn', 'colorcnn'];
const TOLERANCE = 1e-4;

interface Loaded {
  readonly fixture: CaptumFixture;
  readonly model: TfjsModel;
  /** NHWC, as the tfjs rebuild takes it. */
  readonly input: TensorData;
  /** [n, B, H, W, C]. */
  readonly noise: TensorData;
  readonly target: number[];
}

async function load(name: CaptumModelName): Promise<Loaded> {
  const fixture = await loadCaptumFixture(name);
  return {
    fixture,
    model: fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights)),
    input: nchwToNhwc(fixture.input),
    noise: nchwToNhwc(fixture.cases.smoothgrad_noise!, 2),
    target: Array.from(fixture.target),
  };
}

const CASES: readonly [string, Record<string, unknown> & SmoothGradOptions][] = [
  ['smoothgrad_abs', { variant: 'absolute' }],
  ['smoothgrad_signed', { variant: 'signed' }],
  ['smoothgrad_sq', { variant: 'signed', statistic: 'mean-of-squares' }],
  ['vargrad', { variant: 'signed', statistic: 'variance' }],
];

describe.each(['cpu', 'wasm'])('Captum parity on tfjs %s', (backend) => {
  const models = new Map<CaptumModelName, Loaded>();

  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    for (const name of MODELS) models.set(name, await load(name));
  });

  afterAll(() => {
    for (const { model } of models.values()) model.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    it.each(CASES)('matches %s given the fixture noise, without leaking tensors', async (expectedName, options) => {
      const { fixture, model, input, noise, target } = models.get(name)!;
      const before = tf.memory().numTensors;
      const result = await smoothGrad(gradient).attribute(model, input, { ...options, noise, target });
      expect(tf.memory().numTensors).toBe(before);
      expect(result.meta.samples).toBe(noise.shape[0]);
      expectMapsClose(nhwcToNchw(result.values), fixture.cases[expectedName]!, TOLERANCE, `${name} ${expectedName} on ${backend}`);
    });
  });

  it('leaks no tensors when aborted half-way', async () => {
    const { model, input, target } = models.get('colorcnn')!;
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const promise = smoothGrad(gradient).attribute(model, input, {
      samples: 6,
      stdev: 0.2,
      target,
      batchSize: 4,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 8) controller.abort();
      },
    });
    await expect(promise).rejects.toBeInstanceOf(AbortError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('seeded noise across tfjs backends', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same map on cpu and wasm for the same seed, and another map for another seed', async () => {
    const options = { variant: 'signed' as const, samples: 4, stdev: { relative: 0.1 }, clamp: [0, 1] as const, seed: 42, batchSize: 8 };
    const maps: Record<string, TensorData> = {};
    for (const backend of ['cpu', 'wasm']) {
      expect(await tf.setBackend(backend)).toBe(true);
      const { model, input, target } = await load('colorcnn');
      maps[backend] = (await smoothGrad(gradient).attribute(model, input, { ...options, target })).values;
      if (backend === 'wasm') {
        const again = await smoothGrad(gradient).attribute(model, input, { ...options, target });
        expect(again.values).toEqual(maps.wasm);
        const other = await smoothGrad(gradient).attribute(model, input, { ...options, target, seed: 43 });
        expect(() => expectMapsClose(other.values, maps.wasm!, 0.05)).toThrow();
      }
      model.dispose();
    }
    expectMapsClose(maps.wasm!, maps.cpu!, TOLERANCE, 'seeded SmoothGrad, wasm against cpu');
  });
});
