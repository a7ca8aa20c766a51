import { readFile } from 'node:fs/promises';
import type { Method, TensorData } from '@salience/core';
import { fromOnnx, type OrtModule } from '@salience/onnx';
import { compareMaps, expectMapsClose, loadCaptumFixture, nchwToNhwc, type ParsedFixture, parseFixtureArrays } from '@salience/testing';
import { buildFixtureModel } from '@salience/testing/tfjs';
import { fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFinalMapsClose } from '../test/final-maps.js';
import { ablationCam } from './ablation-cam.js';
import type { CamOptions } from './cam-method.js';
import { eigenCam } from './eigen-cam.js';
import { gradCamPlusPlus } from './grad-cam.js';
import { hiResCam } from './hires-cam.js';
import { layerCam } from './layer-cam.js';
import { scoreCam } from './score-cam.js';
import { xGradCam } from './xgrad-cam.js';

// pytorch-grad-cam's maps for the Captum fixture models (tools/make-cam-fixtures.py).
const TOLERANCE = 1e-4;
const MODELS = ['smallcnn', 'colorcnn'] as const;

async function camFixture(name: string): Promise<ParsedFixture> {
  const at = (ext: string) => new URL(`../fixtures/cam/${name}.${ext}`, import.meta.url);
  return parseFixtureArrays(await readFile(at('json'), 'utf8'), await readFile(at('bin')));
}

/** Each method and the fixture key of its maps: `<key>_raw` at the layer before ReLU, `<key>_final` pytorch-grad-cam's output. */
const METHODS: [string, Method<CamOptions>, string][] = [
  ['hirescam', hiResCam, 'hirescam'],
  ['xgradcam', xGradCam, 'xgradcam'],
  ['layercam', layerCam, 'layercam'],
  ['grad-cam++', gradCamPlusPlus as Method<CamOptions>, 'gradcam++'],
  ['scorecam', scoreCam, 'scorecam'],
  ['eigencam', eigenCam, 'eigencam_signed'],
  ['ablationcam', ablationCam, 'ablationcam'],
];

interface Loaded {
  readonly cam: ParsedFixture;
  readonly layer: string;
  readonly target: Int32Array;
  readonly model: { dispose(): void } & Parameters<Method['attribute']>[0];
  readonly input: TensorData;
}

const RUNTIMES = {
  'tfjs cpu': async (name: (typeof MODELS)[number], cam: ParsedFixture): Promise<Pick<Loaded, 'model' | 'input'>> => {
    const fixture = await loadCaptumFixture(name);
    return { model: fromTfjs(tf, buildFixtureModel(tf, name, fixture.weights)), input: nchwToNhwc(cam.arrays.input!) };
  },
  'onnxruntime-node': async (name: (typeof MODELS)[number], cam: ParsedFixture): Promise<Pick<Loaded, 'model' | 'input'>> => {
    const fixture = await loadCaptumFixture(name);
    const model = await fromOnnx(ortNode as unknown as OrtModule, fixture.modelBytes, { sessionOptions: { intraOpNumThreads: 1 } });
    return { model, input: cam.arrays.input! };
  },
};

describe.each(Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[])('pytorch-grad-cam parity on %s', (runtime) => {
  const loaded = new Map<string, Loaded>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const name of MODELS) {
      const cam = await camFixture(name);
      const { model, input } = await RUNTIMES[runtime](name, cam);
      loaded.set(name, { cam, layer: cam.meta.layer as string, target: Int32Array.from(cam.arrays.target!.data), model, input });
    }
  });

  afterAll(() => {
    for (const { model } of loaded.values()) model.dispose();
  });

  describe.each(MODELS)('%s', (name) => {
    it.each(METHODS)('%s: the map at the layer before ReLU', async (_, method, key) => {
      const { cam, layer, target, model, input } = loaded.get(name)!;
      const result = await method.attribute(model, input, { target, layer, resolution: 'layer', relu: false, batchSize: 5 });
      expectMapsClose(result.values, cam.arrays[`${key}_raw`]!, TOLERANCE, `${name} ${key}_raw (${runtime})`);
    });

    it.each(METHODS)("%s: pytorch-grad-cam's scaled map at the input's size", async (_, method, key) => {
      const { cam, layer, target, model, input } = loaded.get(name)!;
      const result = await method.attribute(model, input, { target, layer, normalize: 'min-max' });
      expectFinalMapsClose(result.values, cam.arrays[`${key}_final`]!, cam.arrays[`${key}_raw`]!, TOLERANCE, `${name} ${key}_final (${runtime})`);
    });
  });

  it("eigencam equals pytorch-grad-cam's own projection up to the SVD's sign", async () => {
    for (const name of MODELS) {
      const { cam, layer, target, model, input } = loaded.get(name)!;
      const ours = await eigenCam.attribute(model, input, { target, layer, resolution: 'layer', relu: false });
      const abs = (t: TensorData) => ({ data: t.data.map(Math.abs), shape: t.shape });
      expectMapsClose(abs(ours.values), abs(cam.arrays.eigencam_raw!), TOLERANCE);
    }
    // The colorcnn projections come out of LAPACK with the other sign: the convention matters.
    const { cam } = loaded.get('colorcnn')!;
    expect(compareMaps(cam.arrays.eigencam_raw!, cam.arrays.eigencam_signed_raw!).relativeError).toBeGreaterThan(1);
  });
});
