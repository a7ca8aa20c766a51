import { readFile } from 'node:fs/promises';
import { type Method, OptionError, type TensorData } from '@salience/core';
import { fromOnnx, type OnnxModel, type OrtModule } from '@salience/onnx';
import { expectMapsClose, type ParsedFixture, parseFixtureArrays } from '@salience/testing';
import * as ortNode from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFinalMapsClose } from '../test/final-maps.js';
import { ablationCam } from './ablation-cam.js';
import { type CamOptions, camMethod, gradientLayerMaps } from './cam-method.js';
import { classActivationMaps } from './class-activation-map.js';
import { eigenCam } from './eigen-cam.js';
import { hiResCam } from './hires-cam.js';
import { layerCam } from './layer-cam.js';
import { scoreCam } from './score-cam.js';
import { xGradCam } from './xgrad-cam.js';

// Tiny vision transformers (transformers' configs, seeded random weights, tools/make-cam-fixtures.py)
// at their last block's layernorm_before, against pytorch-grad-cam with its reshape_transform:
// ViT [B, 17, 32] (a class token, then a 4x4 grid), DeiT [B, 18, 32] (class and distillation
// tokens), Swin's second stage [B, 16, 32] (no prefix). The grid is found from the token count.
const TOLERANCE = 1e-4;
const MODELS = ['vit', 'deit', 'swin'] as const;

// Grad-CAM's and Grad-CAM++'s own channel weightings (classActivationMaps), driven through the CAM
// family's token path.
const onTokens = (weighting: 'grad-cam' | 'grad-cam++'): Method<CamOptions> =>
  camMethod({
    id: weighting,
    requires: ['layerActivations', 'layerGradients'],
    layerMaps: (request) => gradientLayerMaps(request, (a, g, geometry, out) => classActivationMaps(a, g, geometry, weighting, false, out)),
  });

const METHODS: [string, Method<CamOptions>][] = [
  ['gradcam', onTokens('grad-cam')],
  ['gradcam++', onTokens('grad-cam++')],
  ['hirescam', hiResCam],
  ['xgradcam', xGradCam],
  ['layercam', layerCam],
  ['scorecam', scoreCam],
  ['eigencam_signed', eigenCam],
  ['ablationcam', ablationCam],
];

describe.each(MODELS)('pytorch-grad-cam parity on a %s token layer (onnxruntime-node)', (name) => {
  let fixture: ParsedFixture;
  let model: OnnxModel;
  let target: Int32Array;
  let LAYER: string;

  beforeAll(async () => {
    const at = (file: string) => new URL(`../fixtures/cam/${file}`, import.meta.url);
    fixture = parseFixtureArrays(await readFile(at(`${name}.json`), 'utf8'), await readFile(at(`${name}.bin`)));
    model = await fromOnnx(ortNode as unknown as OrtModule, new Uint8Array(await readFile(at(`${name}.onnx`))), { sessionOptions: { intraOpNumThreads: 1 } });
    target = Int32Array.from(fixture.arrays.target!.data);
    LAYER = fixture.meta.layer as string;
  });

  afterAll(() => model.dispose());

  it.each(METHODS)('%s: the map on the token grid before ReLU, and the scaled map at the input', async (key, method) => {
    const input: TensorData = fixture.arrays.input!;
    const raw = await method.attribute(model, input, { target, layer: LAYER, resolution: 'layer', relu: false, batchSize: 2 });
    expect(raw.meta).toMatchObject({ tokenGrid: { height: 4, width: 4, prefixTokens: fixture.meta.prefixTokens }, layerSize: [4, 4] });
    expectMapsClose(raw.values, fixture.arrays[`${key}_raw`]!, TOLERANCE, `${name} ${key}_raw`);
    const final = await method.attribute(model, input, { target, layer: LAYER, normalize: 'min-max' });
    expectFinalMapsClose(final.values, fixture.arrays[`${key}_final`]!, fixture.arrays[`${key}_raw`]!, TOLERANCE, `${name} ${key}_final`);
  });

  it('takes an explicit grid, and rejects one that does not fit the tokens', async () => {
    const input: TensorData = fixture.arrays.input!;
    const prefixTokens = fixture.meta.prefixTokens as number;
    const explicit = await hiResCam.attribute(model, input, { target, layer: LAYER, resolution: 'layer', relu: false, tokenGrid: { height: 4, width: 4, prefixTokens } });
    expectMapsClose(explicit.values, fixture.arrays.hirescam_raw!, TOLERANCE);
    await expect(hiResCam.attribute(model, input, { target, layer: LAYER, tokenGrid: { height: 4, width: 4, prefixTokens: prefixTokens + 1 } })).rejects.toThrow(OptionError);
  });
});
