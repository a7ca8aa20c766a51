import { readFile } from 'node:fs/promises';
import type { Method, Model, TensorData } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { type CaptumModelName, expectMapsClose, loadCaptumFixture, nchwToNhwc, type ParsedFixture, parseFixtureArrays } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelShap } from './kernel-shap.js';
import { lime } from './lime.js';
import { shapleySampling } from './shapley-sampling.js';

// Captum's KernelShap, Lime and ShapleyValueSampling with the coalitions and orders it drew
// (tools/make-shapley-fixtures.py), fed back here: the comparison is exact, not statistical.
const TOLERANCE = 1e-4;
const MODELS = ['smallcnn', 'tabular', 'tinytext'] as const;

async function shapleyFixture(name: string): Promise<ParsedFixture> {
  const at = (ext: string) => new URL(`../fixtures/${name}.${ext}`, import.meta.url);
  return parseFixtureArrays(await readFile(at('json'), 'utf8'), await readFile(at('bin')));
}

interface Loaded {
  readonly arrays: ParsedFixture['arrays'];
  readonly model: Model;
  readonly input: TensorData;
  readonly toModelLayout: (t: TensorData) => TensorData;
}

const RUNTIMES = {
  'tfjs cpu': async (name: CaptumModelName) => {
    const fixture = await loadCaptumFixture(name);
    return fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights)) as Model;
  },
  'onnxruntime-node': async (name: CaptumModelName) => {
    const fixture = await loadCaptumFixture(name);
    return (await fromOnnx(ortNode as unknown as OrtModule, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } })) as Model;
  },
};

/** The runs of each method and what it is fed from the fixture. */
const METHODS: [string, Method<Record<string, unknown>>, (a: ParsedFixture['arrays']) => Record<string, unknown>][] = [
  ['kernelshap', kernelShap as unknown as Method<Record<string, unknown>>, (a) => ({ coalitions: a.kernelshap_coalitions })],
  ['lime', lime as unknown as Method<Record<string, unknown>>, (a) => ({ coalitions: a.lime_coalitions, alpha: a.lime!.extra.alpha })],
  ['lime_linear', lime as unknown as Method<Record<string, unknown>>, (a) => ({ coalitions: a.lime_linear_coalitions, alpha: 0 })],
  ['svs', shapleySampling as unknown as Method<Record<string, unknown>>, (a) => ({ permutations: a.svs_permutations })],
];

describe.each(Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[])('Captum parity on %s', (runtime) => {
  const loaded = new Map<string, Loaded>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const name of MODELS) {
      const { arrays } = await shapleyFixture(name);
      const model = await RUNTIMES[runtime](name);
      const image = name === 'smallcnn';
      const nhwc = image && model.layout === 'NHWC';
      const toModelLayout = (t: TensorData) => (nhwc ? nchwToNhwc(t) : t);
      loaded.set(name, { arrays, model, input: toModelLayout((arrays.input ?? arrays.input_ids)!), toModelLayout });
    }
  });

  afterAll(() => {
    for (const { model } of loaded.values()) model.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    it.each(METHODS)('%s with the draws Captum made', async (key, method, fed) => {
      const { arrays, model, input, toModelLayout } = loaded.get(name)!;
      const target = Int32Array.from(arrays.target!.data);
      const result = await method.attribute(model, input, { target, featureMask: arrays.feature_mask, batchSize: 16, ...fed(arrays) });
      expect(result.meta.features).toBe(arrays.kernelshap_coalitions!.shape[2]);
      expect(Math.max(...arrays[key]!.data.map(Math.abs))).toBeGreaterThan(0);
      expectMapsClose(result.values, toModelLayout(arrays[key]!), TOLERANCE, `${name} ${key} (${runtime})`);
    });
  });
});
